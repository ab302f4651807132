# `rng or np.random.default_rng(0)`: a generator given is used, but without one every call draws
# the same order.
# exercise: 04_minibatch
# fails: minibatches
# message: without rng gave the same order
# %% replace minibatches
def minibatches(n, batch_size=32, rng=None):
    rng = rng or np.random.default_rng(0)
    order = rng.permutation(n)
    for first in range(0, n, batch_size):
        yield order[first:first + batch_size]
