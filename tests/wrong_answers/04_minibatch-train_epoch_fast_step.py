# An epoch that delegates each step to the package's fast mini-batch step.
# exercise: 04_minibatch
# fails: train_epoch
# message: called nnscratch.fast.sgd_batch_step
# %% replace train-epoch
from nnscratch.fast import sgd_batch_step


def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        sgd_batch_step(net, train.x[rows], train.y[rows], lr)
