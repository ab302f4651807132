# A new generator from the same seed for every layer: each layer starts from the same random numbers.
# exercise: 03_layer_loops
# fails: init_params
# passes: forward_loops, backward_loops
# message: start with the same random numbers
# %% replace init-params
def init_params(sizes, seed=0):
    params = {}
    for l in range(1, len(sizes)):
        rng = np.random.default_rng(seed)
        n_in, n_out = sizes[l - 1], sizes[l]
        W = rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / (n_in + n_out))
        params[f"W{l}"] = W.astype(np.float32)
    return params
