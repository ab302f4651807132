# A default batch size of 16: smaller than the statement's 32, and once accepted by a check that
# took any default from 2 to 63.
# exercise: 04_minibatch
# fails: minibatches
# message: keep the statement's default, 32
# %% replace minibatches
def minibatches(n, batch_size=16, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    order = rng.permutation(n)
    for first in range(0, n, batch_size):
        yield order[first:first + batch_size]
