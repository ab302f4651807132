# Batches in the order of the data set, the same every epoch.
# exercise: 04_minibatch
# fails: minibatches
# message: in order 0, 1, 2
# %% replace minibatches
def minibatches(n, batch_size=32, rng=None):
    for first in range(0, n, batch_size):
        yield np.arange(first, min(first + batch_size, n))
