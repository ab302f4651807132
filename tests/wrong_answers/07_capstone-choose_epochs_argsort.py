# The best epoch as the last index of np.argsort: among tied epochs, not the first.
# exercise: 07_capstone
# fails: choose_epochs
# message: return the first of the tied epochs
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=0):
    params, curve = train(data.train, epochs, seed, val=data.val)
    return int(np.argsort(curve, kind="stable")[-1]) + 1, curve, params
