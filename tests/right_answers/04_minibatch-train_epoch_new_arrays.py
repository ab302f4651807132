# train_epoch that stores new arrays in net.params (the docstring accepts both) and runs each
# batch forward twice, once for its loss, before the step.
# exercise: 04_minibatch
# passes: minibatches, train_epoch
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    for rows in minibatches(len(train), batch_size, rng):
        X, Y = train.x[rows], train.y[rows]
        loss_before = net.loss(X, Y)
        activations, zs = net.forward(X)
        grads = net.backward(activations, zs, Y)
        net.params = {k: w - lr * grads[k] for k, w in net.params.items()}
