# Trains with seed 0 whatever seed choose_epochs is given.
# exercise: 07_capstone
# fails: choose_epochs
# message: the same initial weights and the same order of the images
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    params, curve = train(data.train, epochs, 0, val=data.val)
    best_epochs = int(np.argmin([loss for loss, _ in curve])) + 1
    return best_epochs, curve, params
