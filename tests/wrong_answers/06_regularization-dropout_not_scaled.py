# Dropout without the 1/p_keep: the kept units keep their values, so the next layer receives less in
# training than in evaluation.
# exercise: 06_regularization
# fails: dropout
# message: the kept entries are not scaled
# %% replace dropout
def dropout(A, p_keep, rng):
    mask = rng.random(A.shape) < p_keep
    return A * mask, mask
