# An epoch that skips the last, smaller batch.
# exercise: 04_minibatch
# fails: train_epoch
# message: must make a step too
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        if len(rows) < batch_size:
            break
        X, Y = train.x[rows], train.y[rows]
        grads = net.backward(*net.forward(X), Y)
        for key, grad in grads.items():
            net.params[key] -= lr * grad
