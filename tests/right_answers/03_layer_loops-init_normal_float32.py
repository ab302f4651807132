# Xavier's normal draws made in float32 directly, the scale written sqrt(2) / sqrt(n_in + n_out).
# exercise: 03_layer_loops
# passes: init_params
# %% replace init-params
def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    return {
        f"W{l + 1}": rng.standard_normal((n_out, n_in), dtype=np.float32)
        * np.float32(np.sqrt(2) / np.sqrt(n_in + n_out))
        for l, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))
    }
