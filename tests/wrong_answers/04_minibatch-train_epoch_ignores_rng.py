# An epoch that does not pass rng on: minibatches makes an unseeded generator, so the order is not
# the one rng draws (two generators seeded alike give two different epochs).
# exercise: 04_minibatch
# fails: train_epoch
# message: pass it on to minibatches
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size):
        X, Y = train.x[rows], train.y[rows]
        grads = net.backward(*net.forward(X), Y)
        for key, grad in grads.items():
            net.params[key] -= lr * grad
