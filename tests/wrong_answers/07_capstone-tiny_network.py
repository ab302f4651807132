# A network too small for the task: one hidden layer of 2 units. It trains and passes the checks
# of the pieces, but its test error is far above the bar (and its validation accuracy too).
# exercise: 07_capstone
# fails: test_error, capstone_training
# message: this exercise expects (quick grade)
# %% replace settings
SIZES = (784, 2, 10)
EPOCHS = pick(full=8, quick=5)
BATCH_SIZE = 128
LR, DROP = 2e-3, 3
NETS = 2
SEED = 0
data = mnist_splits()
