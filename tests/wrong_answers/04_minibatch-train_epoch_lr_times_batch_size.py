# An epoch that multiplies the learning rate by the batch size ("to make up for the mean").
# exercise: 04_minibatch
# fails: train_epoch
# message: multiplied by the batch size
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        X, Y = train.x[rows], train.y[rows]
        grads = net.backward(*net.forward(X), Y)
        for key, grad in grads.items():
            net.params[key] -= lr * len(rows) * grad
