# Weights left in NumPy's float64, though the statement asks for float32.
# exercise: 03_layer_loops
# fails: init_params
# passes: forward_loops, backward_loops
# message: store the weights as float32
# %% replace init-params
def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        params[f"W{l}"] = rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / (n_in + n_out))
    return params
