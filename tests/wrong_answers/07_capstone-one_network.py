# An "ensemble" of one network: its error reported as both the single network's and the
# ensemble's.
# exercise: 07_capstone
# fails: capstone_training, test_error
# message: at least two trained networks
# %% replace settings
SIZES = (784, 512, 512, 10)
EPOCHS = pick(full=8, quick=5)
BATCH_SIZE = 128
LR, DROP = 2e-3, 3
NETS = 1
SEED = 0
data = mnist_splits()
