# The last, smaller batch of each epoch is dropped.
# exercise: 04_minibatch
# fails: minibatches
# message: keep the last, smaller batch
# %% replace minibatches
def minibatches(n, batch_size=32, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    order = rng.permutation(n)
    for first in range(0, n - batch_size + 1, batch_size):
        yield order[first:first + batch_size]
