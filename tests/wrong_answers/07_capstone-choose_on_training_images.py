# The validation curve measured on the training images.
# exercise: 07_capstone
# fails: choose_epochs
# message: not fractions of the 97 validation images
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    params, curve = train(data.train, epochs, seed, val=data.train)
    return int(np.argmin([loss for loss, _ in curve])) + 1, curve, params
