# Early stopping on the validation accuracy, where the statement stops at the lowest loss.
# exercise: 07_capstone
# fails: choose_epochs
# message: That is the epoch of the highest validation accuracy
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    params, curve = train(data.train, epochs, seed, val=data.val)
    return int(np.argmax([acc for _, acc in curve])) + 1, curve, params
