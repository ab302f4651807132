# An epoch that skips the last, smaller batch.
# exercise: 04_minibatch
# fails: train_epoch
# message: must make a step too
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        if len(rows) < batch_size:
            break
        grads = batch_gradients(net, train.x[rows], train.y[rows])
        for key, grad in grads.items():
            net.params[key] -= lr * grad
