# An epoch whose update is the course network's step with the package's SGD rule.
# exercise: 04_minibatch
# fails: train_epoch
# message: called Network.step
# %% replace train-epoch
from functools import partial

from nnscratch.optim import sgd


def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        X, Y = train.x[rows], train.y[rows]
        net.step(net.backward(*net.forward(X), Y), partial(sgd, lr=lr), {})
