# The number of epochs chosen on the test set instead of the validation split.
# exercise: 07_capstone
# fails: choose_epochs
# message: read data.test
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    params, curve = train(data.train, epochs, seed, val=data.test)
    return int(np.argmin([loss for loss, _ in curve])) + 1, curve, params
