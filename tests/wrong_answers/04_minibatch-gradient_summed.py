# The batch gradient summed over the samples instead of averaged.
# exercise: 04_minibatch
# fails: batch_gradients
# message: times the true gradient
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    activations, zs = net.forward(X)
    deltas = net.deltas(activations, zs, Y)
    return {f"W{l}": delta.T @ activations[l - 1] for l, delta in enumerate(deltas, start=1)}
