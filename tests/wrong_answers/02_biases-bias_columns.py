# Biases as columns (n, 1) instead of vectors (n,).
# exercise: 02_biases
# fails: init_biases
# message: has shape (128, 1); it should be (128,)
# %% replace init-biases
def init_biases(sizes):
    return {f"b{l}": np.zeros((n, 1), dtype=np.float32) for l, n in enumerate(sizes[1:], start=1)}
