# A default batch size of 128, not the statement's 32.
# exercise: 04_minibatch
# fails: minibatches
# message: keep the statement's default, 32
# %% replace minibatches
def minibatches(n, batch_size=128, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    order = rng.permutation(n)
    for first in range(0, n, batch_size):
        yield order[first:first + batch_size]
