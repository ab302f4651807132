# Adam's states created afresh at the start of every epoch: its moments and step count restart.
# exercise: 07_capstone
# fails: choose_epochs
# message: Create states = {} once, before the first epoch
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, curve = init_params(SIZES, seed), []
    n = len(split.labels)
    for epoch in range(1, epochs + 1):
        states = {}
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows],
                       lr=lr_at(epoch))
        if val is not None:
            curve.append(evaluate(params, val))
    return params, curve
