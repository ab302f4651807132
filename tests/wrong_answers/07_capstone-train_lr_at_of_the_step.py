# lr_at called with the count of steps, not the epoch.
# exercise: 07_capstone
# fails: choose_epochs
# message: lr_at takes the epoch (from 1), not the step
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n, step = len(split.labels), 0
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            step += 1
            train_step(params, states, split.x[rows], split.y[rows], lr=lr_at(step))
        if val is not None:
            curve.append(evaluate(params, val))
    return params, curve
