# The layers counted by hand, range(1, 4): three layers whatever the network.
# exercise: 04_minibatch
# fails: batch_gradients
# message: for any number of layers
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    activations, zs = net.forward(X)
    deltas = net.deltas(activations, zs, Y)
    return {f"W{l}": deltas[l - 1].T @ activations[l - 1] / len(X) for l in range(1, 4)}
