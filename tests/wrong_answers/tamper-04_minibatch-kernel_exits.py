# Code that kills the Python kernel: the checks that could not run fail with a message.
# exercise: 04_minibatch
# fails: train_epoch, minibatch_training
# passes: minibatches
# message: kernel died
# problem: kernel died
# %% insert-after check-minibatches
import os

os._exit(1)
