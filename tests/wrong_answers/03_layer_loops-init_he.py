# He's scale sqrt(2 / n_in), the one for ReLU layers, in place of Xavier's that the statement asks
# for: 8% too large for W1 of the course network, 22% for its W2.
# exercise: 03_layer_loops
# fails: init_params
# message: He's sqrt(2 / n_in)
# %% replace init-params
def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        n_in, n_out = sizes[l - 1], sizes[l]
        std = np.sqrt(2.0 / n_in)
        W = rng.standard_normal((n_out, n_in)) * std
        params[f"W{l}"] = W.astype(np.float32)
    return params
