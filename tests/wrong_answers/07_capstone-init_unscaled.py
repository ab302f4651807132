# Standard normal weights, not scaled by sqrt(2 / n_in).
# exercise: 07_capstone
# fails: init_params
# message: forget to scale
# %% replace init-params
def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        W = rng.standard_normal((sizes[l], sizes[l - 1]))
        params[f"W{l}"] = W.astype(np.float32)
        params[f"b{l}"] = np.zeros(sizes[l], dtype=np.float32)
    return params
