# A right answer written otherwise: indices shuffled in place by the seeded generator, the rate
# passed by position, the curve returned as a NumPy array of lists, the first lowest loss from
# min(range(...), key=...), test errors as 1 - accuracy in NumPy floats.
# exercise: 07_capstone
# passes: all
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params = init_params(SIZES, seed)
    states = {}
    curve = []
    idx = np.arange(len(split.x))
    for e in range(epochs):
        rng.shuffle(idx)
        lr = lr_at(e + 1)
        for start in range(0, len(idx), BATCH_SIZE):
            batch = idx[start:start + BATCH_SIZE]
            train_step(params, states, split.x[batch], split.y[batch], lr)
        if val is not None:
            curve.append(list(evaluate(params, val)))
    return params, np.array(curve)
# %% replace choose-epochs
def choose_epochs(data, epochs=EPOCHS, seed=SEED):
    params, curve = train(data.train, epochs, seed, data.val)
    best = min(range(len(curve)), key=lambda i: curve[i][0]) + 1
    return best, curve, params
# %% replace test-errors
def test_errors(nets, split):
    one = predict_proba(nets[0], split.x).argmax(1)
    avg = ensemble_proba(nets, split.x).argmax(1)
    return 1 - np.mean(one == split.labels), 1 - np.mean(avg == split.labels)
