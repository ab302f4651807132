# The derivative of ReLU taken as 1 everywhere, negative inputs included.
# exercise: 01_relu
# fails: relu_prime
# message: should be 0 where z < 0
# %% replace relu-prime
def relu_prime(z):
    return np.ones_like(z)
