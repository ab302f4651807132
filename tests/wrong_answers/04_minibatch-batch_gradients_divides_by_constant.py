# The batch gradient divided by the batch size of the training run (32), not by the batch's size.
# exercise: 04_minibatch
# fails: batch_gradients
# message: times the true gradient
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    activations, zs = net.forward(X)
    deltas = net.deltas(activations, zs, Y)
    return {f"W{l}": d.T @ activations[l - 1] / 32 for l, d in enumerate(deltas, start=1)}
