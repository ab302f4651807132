# train draws one order of the images and keeps it for every epoch.
# exercise: 07_capstone
# fails: choose_epochs
# message: same order
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    order = rng.permutation(n)
    for epoch in range(1, epochs + 1):
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows],
                       lr=lr_at(epoch))
        if val is not None:
            curve.append(evaluate(params, val))
    return params, curve
