# train uses its seed for the order of the images only: the initial weights are always seed 0's.
# exercise: 07_capstone
# fails: choose_epochs
# message: trained with the same initial weights as with seed=0
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES), {}, []
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
