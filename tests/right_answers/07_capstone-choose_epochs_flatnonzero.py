# The first best epoch from np.flatnonzero on a float32 copy of the curve, train called with
# keywords.
# exercise: 07_capstone
# passes: init_params, gradients, train_step, choose_epochs
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=0):
    params, curve = train(data.train, epochs=epochs, seed=seed, val=data.val)
    values = np.asarray(curve, dtype=np.float32)
    best_epochs = int(np.flatnonzero(values == values.max())[0]) + 1
    return best_epochs, curve, params
