# A default batch size that is not below 64.
# exercise: 04_minibatch
# fails: minibatches
# message: any size from 2 to 63
# %% replace minibatches
def minibatches(n, batch_size=128, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    order = rng.permutation(n)
    for first in range(0, n, batch_size):
        yield order[first:first + batch_size]
