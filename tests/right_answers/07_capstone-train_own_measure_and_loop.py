# train written differently: epochs counted from 0 with lr_at(epoch + 1), batches from
# np.array_split, the validation loss and accuracy computed by its own code (the same numbers as
# evaluate's); test_errors with np.count_nonzero. Every check passes.
# exercise: 07_capstone
# passes: all
# %% replace train
def train(split, epochs, seed, val=None):
    rng = np.random.default_rng(seed)
    params, states, curve = init_params(SIZES, seed), {}, []
    n = len(split.labels)
    for epoch in range(epochs):
        order = rng.permutation(n)
        for rows in np.array_split(order, range(BATCH_SIZE, n, BATCH_SIZE)):
            train_step(params, states, split.x[rows], split.y[rows],
                       lr=lr_at(epoch + 1))
        if val is not None:
            P = predict_proba(params, val.x)
            right = P[np.arange(len(P)), val.labels]
            curve.append((float(np.mean(-np.log(right))),
                          float(np.mean(P.argmax(axis=1) == val.labels))))
    return params, curve
# %% replace test-errors
def test_errors(nets, split):
    n = len(split.labels)
    wrong_one = np.count_nonzero(
        predict_proba(nets[0], split.x).argmax(axis=1) != split.labels)
    P = sum(predict_proba(params, split.x) for params in nets) / len(nets)
    wrong_all = np.count_nonzero(P.argmax(axis=1) != split.labels)
    return wrong_one / n, wrong_all / n
