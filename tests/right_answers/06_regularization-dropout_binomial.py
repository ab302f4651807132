# The mask drawn with rng.binomial as 0/1 numbers in A's dtype, and the scaling applied to the mask
# first: the same inverted dropout.
# exercise: 06_regularization
# passes: dropout, dropout_network, dropout_switch
# %% replace dropout
def dropout(A, p_keep, rng):
    mask = rng.binomial(1, p_keep, size=A.shape).astype(A.dtype)
    return A * (mask / np.asarray(p_keep, dtype=A.dtype)), mask
