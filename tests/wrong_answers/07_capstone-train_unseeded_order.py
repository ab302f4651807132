# train draws each epoch's order from an unseeded generator: one seed does not give the same
# network twice.
# exercise: 07_capstone
# fails: choose_epochs
# message: the same seed
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng()
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows],
                       lr=lr_at(epoch))
        if val is not None:
            curve.append(evaluate(params, val))
    return params, curve
