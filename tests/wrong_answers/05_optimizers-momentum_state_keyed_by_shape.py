# Momentum that keeps the velocity in a global dict keyed by the parameter's shape.
# exercise: 05_optimizers
# fails: momentum
# message: one state per parameter
# %% replace momentum
velocities = {}


def momentum(w, dw, state=None, lr=0.01, mu=0.9):
    v = velocities.get(w.shape, np.zeros_like(w))
    v = mu * v - lr * dw
    velocities[w.shape] = v
    return w + v, None
