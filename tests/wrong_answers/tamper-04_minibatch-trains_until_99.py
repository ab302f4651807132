# A training cell that loops until an accuracy it never reaches: stopped at the time limit, and the
# training check after it fails, though the network it left behind is half trained.
# exercise: 04_minibatch
# fails: minibatch_training
# message: not run
# problem: did not finish within 10 s
# cell-timeout: 10
# %% replace train
data = mnist_splits()
net = Network(seed=0)
rng = np.random.default_rng(0)
while net.accuracy(data.val.x, data.val.labels) < 0.999:
    train_epoch(net, data.train, lr=1.0, batch_size=32, rng=rng)
