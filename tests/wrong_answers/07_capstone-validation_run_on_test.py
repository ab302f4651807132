# The validation run measured on the test set: the validation and test splits swapped in the call,
# so the number of epochs is chosen on the test images.
# exercise: 07_capstone
# fails: capstone_training
# message: was it measured on other images (the test set?)
# %% replace validation-run
from nnscratch.data import MNIST

swapped = MNIST(data.train, data.test, data.val)
best_epochs, val_curve, val_params = choose_epochs(swapped, EPOCHS, seed=SEED)
