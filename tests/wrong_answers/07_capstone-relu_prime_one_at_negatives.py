# ReLU's derivative taken as 1 everywhere, negative inputs included.
# exercise: 07_capstone
# fails: gradients
# message: its derivative is 0 for Z < 0
# %% replace relu
def relu(Z):
    return np.maximum(Z, 0)


def relu_prime(Z):
    return np.ones_like(Z)
