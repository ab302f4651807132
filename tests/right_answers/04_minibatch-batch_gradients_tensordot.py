# The batch gradient with np.tensordot over the batch axis, the batch size read from Y.
# exercise: 04_minibatch
# passes: batch_gradients
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    activations, zs = net.forward(X)
    deltas = net.deltas(activations, zs, Y)
    B = Y.shape[0]
    return {
        f"W{l}": np.tensordot(D, activations[l - 1], axes=([0], [0])) / B
        for l, D in zip(range(1, net.num_layers + 1), deltas)
    }
