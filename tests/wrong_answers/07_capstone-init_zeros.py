# All weights initialized to zero.
# exercise: 07_capstone
# fails: init_params
# message: the same value
# %% replace init-params
def init_params(sizes, seed=0):
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = np.zeros((sizes[l], sizes[l - 1]), dtype=np.float32)
        params[f"b{l}"] = np.zeros(sizes[l], dtype=np.float32)
    return params
