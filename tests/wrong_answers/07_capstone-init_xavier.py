# Exercise 3's Xavier initialization kept for ReLU layers.
# exercise: 07_capstone
# fails: init_params
# message: assumes units that are linear near 0 with slope 1
# %% replace init-params
def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        W = rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / (n_in + n_out))
        params[f"W{l}"] = W.astype(np.float32)
        params[f"b{l}"] = np.zeros(n_out, dtype=np.float32)
    return params
