# Code that raises: the check reports the exception and the line, and the other checks still run.
# exercise: 01_relu
# fails: relu, relu_network, relu_training
# passes: relu_prime
# message: raised ValueError: negative inputs not handled
# %% replace relu
def relu(z):
    if np.any(z < 0):
        raise ValueError("negative inputs not handled")
    return z
