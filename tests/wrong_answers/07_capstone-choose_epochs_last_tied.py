# The last of tied best epochs, where the docstring asks for the first.
# exercise: 07_capstone
# fails: choose_epochs
# message: return the first of the tied epochs
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=0):
    params, curve = train(data.train, epochs, seed, val=data.val)
    best_epochs = len(curve) - int(np.argmax(curve[::-1]))
    return best_epochs, curve, params
