# An epoch that multiplies the learning rate by the batch size ("to make up for the mean").
# exercise: 04_minibatch
# fails: train_epoch
# message: multiplied by the batch size
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        grads = batch_gradients(net, train.x[rows], train.y[rows])
        for key, grad in grads.items():
            net.params[key] -= lr * len(rows) * grad
