# He's scale drawn from a uniform distribution, U(-a, a) with a = sqrt(6 / n_in): its standard
# deviation is He's, named as such.
# exercise: 03_layer_loops
# fails: init_params
# message: He's sqrt(2 / n_in)
# %% replace init-params
def init_params(sizes, seed=0):
    rng = np.random.default_rng(seed)
    params = {}
    for l in range(1, len(sizes)):
        a = np.sqrt(6.0 / sizes[l - 1])
        params[f"W{l}"] = rng.uniform(-a, a, (sizes[l], sizes[l - 1])).astype(np.float32)
    return params
