# ReLU that zeroes the negative entries of its input in place: besides the relu check, the
# network's check must name that cause, not blame the weighted sums.
# exercise: 01_relu
# fails: relu_network, relu
# message: relu wrote into its input Z
# %% replace relu
def relu(z):
    np.maximum(z, 0, out=z)
    return z
