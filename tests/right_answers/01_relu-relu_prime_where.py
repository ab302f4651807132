# ReLU's derivative with np.where, 0 at z = 0 as the statement says.
# exercise: 01_relu
# passes: relu, relu_prime
# %% replace relu-prime
def relu_prime(z):
    return np.where(z > 0, 1, 0).astype(z.dtype)
