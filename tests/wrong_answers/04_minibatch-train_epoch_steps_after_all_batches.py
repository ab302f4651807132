# An epoch that computes every batch's gradient first, at the weights of the epoch's start, and
# only then takes the steps: the batches after the first never see the earlier steps.
# exercise: 04_minibatch
# fails: train_epoch
# message: did not change the weights before the next batch ran forward
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    all_grads = []
    for rows in minibatches(len(train), batch_size, rng):
        X, Y = train.x[rows], train.y[rows]
        all_grads.append(net.backward(*net.forward(X), Y))
    for grads in all_grads:
        for key, grad in grads.items():
            net.params[key] -= lr * grad
