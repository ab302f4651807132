# np.heaviside(z, 0), the step function with the statement's value 0 at z = 0.
# exercise: 01_relu
# passes: relu, relu_prime
# %% replace relu-prime
def relu_prime(z):
    return np.heaviside(z, 0).astype(z.dtype)
