# Momentum's velocity kept in a mutable default argument: shared by every parameter, so the second
# parameter meets the first one's velocity.
# exercise: 05_optimizers
# fails: momentum
# message: keeps what it remembers outside `state`
# %% replace momentum
def momentum(w, dw, state=None, lr=0.01, mu=0.9, memory=[]):
    v = memory[0] if memory else np.zeros_like(w)
    v = mu * v - lr * dw
    memory[:] = [v]
    return w + v, None
