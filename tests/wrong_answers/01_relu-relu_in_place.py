# ReLU that zeroes the negative entries of its input in place: the network's zs are overwritten.
# exercise: 01_relu
# fails: relu
# message: changed `z`
# %% replace relu
def relu(z):
    z[z < 0] = 0
    return z
