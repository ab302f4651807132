# Random weights from NumPy's global generator: the seed argument is ignored.
# exercise: 03_layer_loops
# fails: init_params
# message: different weights on two calls
# %% replace init-params
def init_params(sizes, seed=0):
    return {f"W{l}": (np.random.randn(sizes[l], sizes[l - 1]) * np.sqrt(2.0 / (sizes[l] + sizes[l - 1]))).astype(np.float32)
            for l in range(1, len(sizes))}
