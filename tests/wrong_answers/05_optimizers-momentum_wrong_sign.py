# Momentum whose velocity follows the gradient uphill.
# exercise: 05_optimizers
# fails: momentum
# message: up* the gradient
# %% replace momentum
def momentum(w, dw, state=None, lr=0.01, mu=0.9):
    v = np.zeros_like(w) if state is None else state
    v = mu * v + lr * dw
    w += v
    return w, v
