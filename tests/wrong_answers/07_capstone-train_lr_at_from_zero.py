# The schedule read with epochs counted from 0: lr_at(0), lr_at(1), ... one epoch early.
# exercise: 07_capstone
# fails: choose_epochs
# message: lr_at counts the epochs from 1
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows],
                       lr=lr_at(epoch))
        if val is not None:
            curve.append(evaluate(params, val))
    return params, curve
