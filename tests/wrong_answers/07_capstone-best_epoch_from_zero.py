# The best epoch counted from 0 (np.argmax's index), not from 1.
# exercise: 07_capstone
# fails: choose_epochs
# message: the epoch (from 1)
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=0):
    params, curve = train(data.train, epochs, seed, val=data.val)
    return int(np.argmax(curve)), curve, params
