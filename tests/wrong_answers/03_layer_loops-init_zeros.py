# All weights initialized to zero.
# exercise: 03_layer_loops
# fails: init_params
# message: the same value
# %% replace init-params
def init_params(sizes, seed=0):
    return {f"W{l}": np.zeros((sizes[l], sizes[l - 1]), dtype=np.float32) for l in range(1, len(sizes))}
