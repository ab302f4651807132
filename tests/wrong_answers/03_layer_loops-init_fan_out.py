# The original tutorial's fan-out rule sqrt(1 / n_out), where the statement asks for Xavier's.
# exercise: 03_layer_loops
# fails: init_params
# message: the fan-out rule
# %% replace init-params
def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return {
        f"W{l}": (rng.standard_normal((sizes[l], sizes[l - 1])) / np.sqrt(sizes[l])).astype(
            np.float32
        )
        for l in range(1, len(sizes))
    }
