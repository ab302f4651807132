# An epoch that makes its own generator seeded 0 every time: every epoch visits the images in the
# same order.
# exercise: 04_minibatch
# fails: train_epoch
# message: in the same order
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    rng = np.random.default_rng(0)
    for rows in minibatches(len(train), batch_size, rng):
        X, Y = train.x[rows], train.y[rows]
        grads = net.backward(*net.forward(X), Y)
        for key, grad in grads.items():
            net.params[key] -= lr * grad
