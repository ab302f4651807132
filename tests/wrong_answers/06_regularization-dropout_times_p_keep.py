# The original paper's scaling at evaluation, p_keep, applied in training instead of 1/p_keep.
# exercise: 06_regularization
# fails: dropout
# message: multiplied by p_keep
# %% replace dropout
def dropout(A, p_keep, rng):
    mask = rng.random(A.shape) < p_keep
    return A * mask * p_keep, mask
