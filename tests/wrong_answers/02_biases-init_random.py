# Small random biases instead of zeros.
# exercise: 02_biases
# fails: init_biases
# message: is not all zeros
# %% replace init-biases
def init_biases(sizes):
    rng = np.random.default_rng(0)
    return {f"b{l}": (0.01 * rng.standard_normal(sizes[l])).astype(np.float32)
            for l in range(1, len(sizes))}
