# The first best epoch found with list.index(max(...)) on a list of Python floats.
# exercise: 07_capstone
# passes: init_params, gradients, train_step, choose_epochs
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=0):
    params, curve = train(data.train, epochs, seed, val=data.val)
    curve = [float(a) for a in curve]
    return curve.index(max(curve)) + 1, curve, params
