# The batch gradient taken from the course network's backward instead of written.
# exercise: 04_minibatch
# fails: batch_gradients
# message: called Network.backward
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    return net.backward(*net.forward(X), Y)
