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
    total_steps, step = epochs * math.ceil(n / BATCH_SIZE), 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows],
                       lr=cosine_lr(step, total_steps))
            step += 1
        if val is not None:
            curve.append(accuracy(params, val))
    return params, curve
