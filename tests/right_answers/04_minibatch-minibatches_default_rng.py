# minibatches with np.random.default_rng(rng), which returns a Generator unchanged and makes an
# unseeded one from None (the docstring's contract), and the batches yielded from a generator.
# exercise: 04_minibatch
# passes: minibatches, train_epoch
# %% replace minibatches
def minibatches(n, batch_size=32, rng=None):
    order = np.random.default_rng(rng).permutation(n)
    starts = range(0, n, batch_size)
    yield from (order[s:s + batch_size] for s in starts)
