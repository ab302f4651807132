# The last of tied lowest losses, where the docstring asks for the first.
# exercise: 07_capstone
# fails: choose_epochs
# message: a later one of the tied epochs
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    params, curve = train(data.train, epochs, seed, val=data.val)
    losses = [loss for loss, _ in curve]
    best_epochs = len(losses) - int(np.argmin(losses[::-1]))
    return best_epochs, curve, params
