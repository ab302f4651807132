# Momentum that ignores `state` and keeps its velocity in a global variable: the parameters share
# it, and the second parameter, of another shape, meets the first one's velocity.
# exercise: 05_optimizers
# fails: momentum
# message: keeps what it remembers outside `state`
# %% replace momentum
velocity = None


def momentum(w, dw, state=None, lr=0.01, mu=0.9):
    global velocity
    if velocity is None:
        velocity = np.zeros_like(w)
    velocity = mu * velocity - lr * dw
    w += velocity
    return w, velocity
