# An epoch whose steps update only the first weight matrix.
# exercise: 04_minibatch
# fails: train_epoch
# message: did not update W2
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        X, Y = train.x[rows], train.y[rows]
        grads = net.backward(*net.forward(X), Y)
        net.params["W1"] -= lr * grads["W1"]
