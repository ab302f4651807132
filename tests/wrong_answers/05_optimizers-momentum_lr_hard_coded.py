# Momentum with the learning rate written as a number: right with the default lr only.
# exercise: 05_optimizers
# fails: momentum
# message: use the argument lr
# %% replace momentum
def momentum(w, dw, state=None, lr=0.01, mu=0.9):
    v = np.zeros_like(w) if state is None else state
    v = mu * v - 0.01 * dw
    return w + v, v
