# An epoch that shuffles the training images in place (the caller's data changes).
# exercise: 04_minibatch
# fails: train_epoch
# message: changed `train`
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    rng = np.random.default_rng() if rng is None else rng
    order = rng.permutation(len(train))
    train.x[:] = train.x[order]
    train.y[:] = train.y[order]
    for first in range(0, len(train), batch_size):
        X = train.x[first:first + batch_size]
        Y = train.y[first:first + batch_size]
        grads = net.backward(*net.forward(X), Y)
        for key, grad in grads.items():
            net.params[key] -= lr * grad
