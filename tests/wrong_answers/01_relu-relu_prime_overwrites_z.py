# relu_prime that writes its 0s and 1s into z through a view, and returns z.
# exercise: 01_relu
# fails: relu_prime
# message: changed `z`
# %% replace relu-prime
def relu_prime(z):
    flat = z.reshape(-1)
    flat[flat > 0] = 1
    flat[flat <= 0] = 0
    return z
