# train ignores the schedule: Adam's first rate, LR, in every epoch.
# exercise: 07_capstone
# fails: choose_epochs
# message: but lr_at(4) = 0.0002
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows], lr=LR)
        if val is not None:
            curve.append(evaluate(params, val))
    return params, curve
