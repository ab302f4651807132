# The batch gradients from the course network's backward, called unbound (slips past a subclass).
# exercise: 04_minibatch
# fails: batch_gradients
# message: called Network.backward
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    return Network.backward(net, *net.forward(X), Y)
