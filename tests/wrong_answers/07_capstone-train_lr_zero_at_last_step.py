# The literal reading of "from LR at the first step to 0 at the last": the last step's rate is 0,
# cosine_lr(step, total_steps - 1). The statement now says the cosine reaches 0 one step later.
# exercise: 07_capstone
# fails: choose_epochs
# message: 0 would come one step later
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    total_steps, step = epochs * math.ceil(n / BATCH_SIZE), 0
    for epoch in range(epochs):
        order = rng.permutation(n)
        for first in range(0, n, BATCH_SIZE):
            rows = order[first:first + BATCH_SIZE]
            train_step(params, states, split.x[rows], split.y[rows],
                       lr=cosine_lr(step, total_steps - 1))
            step += 1
        if val is not None:
            curve.append(accuracy(params, val))
    return params, curve
