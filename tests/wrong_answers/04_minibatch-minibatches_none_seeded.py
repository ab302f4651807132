# Without a generator, a generator seeded 0 on every call: every call gives the same order, where
# the docstring promises a new order per call.
# exercise: 04_minibatch
# fails: minibatches
# message: without rng gave the same order
# %% replace minibatches
def minibatches(n, batch_size=32, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    order = rng.permutation(n)
    for first in range(0, n, batch_size):
        yield order[first:first + batch_size]
