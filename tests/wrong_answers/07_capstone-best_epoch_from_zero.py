# The best epoch counted from 0 (np.argmin's index), not from 1.
# exercise: 07_capstone
# fails: choose_epochs
# message: counts the epochs from 0
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    params, curve = train(data.train, epochs, seed, val=data.val)
    return int(np.argmin([loss for loss, _ in curve])), curve, params
