# Xavier's formula without its 2: sqrt(1 / (n_in + n_out)), 0.71 times the statement's scale.
# exercise: 03_layer_loops
# fails: init_params
# message: 0.71 times Xavier's
# %% replace init-params
def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        W = rng.normal(0.0, np.sqrt(1.0 / (n_in + n_out)), (n_out, n_in))
        params[f"W{l}"] = W.astype(np.float32)
    return params
