# train ignores the cosine schedule: a constant learning rate.
# exercise: 07_capstone
# fails: choose_epochs
# message: learning rates given to train_step
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows], lr=LR)
        if val is not None:
            curve.append(accuracy(params, val))
    return params, curve
