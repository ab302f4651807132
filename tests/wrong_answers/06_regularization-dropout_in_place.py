# Dropout written into the activations themselves (the caller's A changes).
# exercise: 06_regularization
# fails: dropout
# message: changed `A`
# %% replace dropout
def dropout(A, p_keep, rng):
    mask = rng.random(A.shape) < p_keep
    A *= mask / p_keep
    return A, mask
