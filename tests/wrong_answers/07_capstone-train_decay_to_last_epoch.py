# A step schedule tied to the run's length: a tenth of LR for the last epoch, however many.
# exercise: 07_capstone
# fails: choose_epochs
# message: the schedule depends on the number of epochs
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        lr = LR / 10 if epoch == epochs else LR
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows], lr=lr)
        if val is not None:
            curve.append(evaluate(params, val))
    return params, curve
