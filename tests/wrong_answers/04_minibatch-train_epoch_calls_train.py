# An epoch delegated to the course network's own training loop.
# exercise: 04_minibatch
# fails: train_epoch
# message: called Network.train
# %% replace train-epoch
def train_epoch(net, train, lr, batch_size=32, rng=None):
    net.train(train, train, epochs=1, lr=lr, batch_size=batch_size, verbose=False)
