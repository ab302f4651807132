# Code that kills the Python kernel: the checks that could not run fail with a message.
# exercise: 04_minibatch
# fails: minibatches, train_epoch, minibatch_training
# passes: batch_gradients
# message: kernel died
# problem: kernel died
# %% insert-after check-batch-gradients
import os

os._exit(1)
