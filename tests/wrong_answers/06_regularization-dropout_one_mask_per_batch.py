# One mask per call, drawn for the units and broadcast over the batch: every image of a step drops
# the same units.
# exercise: 06_regularization
# fails: dropout
# message: One mask for the whole batch
# %% replace dropout
def dropout(A, p_keep, rng):
    mask = rng.random(A.shape[-1]) < p_keep
    return A * mask / p_keep, mask
