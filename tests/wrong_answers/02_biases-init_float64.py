# np.zeros's default dtype, float64, instead of the network's float32.
# exercise: 02_biases
# fails: init_biases
# message: has dtype float64: make the biases float32
# %% replace init-biases
def init_biases(sizes):
    return {f"b{l}": np.zeros(sizes[l]) for l in range(1, len(sizes))}
