# An epoch that does not pass rng on: minibatches draws the same order (seed 0) every epoch.
# exercise: 04_minibatch
# fails: train_epoch
# message: in the same order
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size):
        grads = batch_gradients(net, train.x[rows], train.y[rows])
        for key, grad in grads.items():
            net.params[key] -= lr * grad
