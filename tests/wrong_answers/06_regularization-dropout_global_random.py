# The mask drawn from np.random's global state, not from the generator passed in.
# exercise: 06_regularization
# fails: dropout
# message: two generators seeded alike gave two different masks
# %% replace dropout
def dropout(A, p_keep, rng):
    mask = np.random.random(A.shape) < p_keep
    return A * mask / p_keep, mask
