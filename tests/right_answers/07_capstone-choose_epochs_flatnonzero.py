# The first lowest loss from np.flatnonzero on a float32 copy of the curve, train called with
# keywords.
# exercise: 07_capstone
# passes: init_params, gradients, train_step, choose_epochs
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    params, curve = train(data.train, epochs=epochs, seed=seed, val=data.val)
    losses = np.asarray(curve, dtype=np.float32)[:, 0]
    best_epochs = int(np.flatnonzero(losses == losses.min())[0]) + 1
    return best_epochs, curve, params
