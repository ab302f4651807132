# An epoch whose steps weight each batch's gradient by len(rows) / batch_size: the last batch's step
# is too small.
# exercise: 04_minibatch
# fails: train_epoch
# message: weighted by the batch size
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        X, Y = train.x[rows], train.y[rows]
        grads = net.backward(*net.forward(X), Y)
        for key, grad in grads.items():
            net.params[key] -= lr * grad * len(rows) / batch_size
