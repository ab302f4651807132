# An epoch shuffled with np.random's global state instead of the rng it is given.
# exercise: 04_minibatch
# fails: train_epoch
# message: global state
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    order = np.random.permutation(len(train))
    for first in range(0, len(train), batch_size):
        rows = order[first:first + batch_size]
        X, Y = train.x[rows], train.y[rows]
        grads = net.backward(*net.forward(X), Y)
        for key, grad in grads.items():
            net.params[key] -= lr * grad
