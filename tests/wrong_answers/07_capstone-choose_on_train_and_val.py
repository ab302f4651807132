# The number of epochs chosen by a network trained on the validation images too.
# exercise: 07_capstone
# fails: choose_epochs
# message: not data.train's
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    both = Split(np.concatenate([data.train.x, data.val.x]),
                 np.concatenate([data.train.y, data.val.y]),
                 np.concatenate([data.train.labels, data.val.labels]))
    params, curve = train(both, epochs, seed, val=data.val)
    return int(np.argmin([loss for loss, _ in curve])) + 1, curve, params
