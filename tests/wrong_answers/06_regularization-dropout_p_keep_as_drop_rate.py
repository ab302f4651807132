# p_keep read as the probability of dropping: a unit is kept where the draw is above it.
# exercise: 06_regularization
# fails: dropout
# message: That is about 1 - p_keep
# %% replace dropout
def dropout(A, p_keep, rng):
    mask = rng.random(A.shape) > p_keep
    return A * mask / p_keep, mask
