# Momentum that scales the caller's gradient in place.
# exercise: 05_optimizers
# fails: momentum
# message: changed `dw`
# %% replace momentum
def momentum(w, dw, state=None, lr=0.01, mu=0.9):
    v = np.zeros_like(w) if state is None else state
    dw *= lr
    v = mu * v - dw
    return w + v, v
