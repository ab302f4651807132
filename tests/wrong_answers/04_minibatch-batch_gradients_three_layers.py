# The batch gradients of three layers, hard-coded: the docstring says any number of layers.
# exercise: 04_minibatch
# fails: batch_gradients
# message: return one gradient per layer, for any number of layers
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    activations, zs = net.forward(X)
    deltas = net.deltas(activations, zs, Y)
    B = len(X)
    grads = {}
    for l in (1, 2, 3):
        grads[f"W{l}"] = deltas[l - 1].T @ activations[l - 1] / B
    return grads
