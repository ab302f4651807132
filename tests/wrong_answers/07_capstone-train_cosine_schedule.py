# The schedule stretched over the run: a cosine from LR at the first step to 0 after the last
# (the earlier statement's), whose rates change with the number of epochs.
# exercise: 07_capstone
# fails: choose_epochs
# message: the schedule depends on the number of epochs
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    total_steps, step = epochs * -(-n // BATCH_SIZE), 0
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            lr = 0.5 * LR * (1 + np.cos(np.pi * step / total_steps))
            train_step(params, states, split.x[rows], split.y[rows], lr=lr)
            step += 1
        if val is not None:
            curve.append(evaluate(params, val))
    return params, curve
