# RMSProp that ignores its alpha argument (right with the defaults only).
# exercise: 05_optimizers
# fails: rmsprop
# message: use the argument alpha
# %% replace rmsprop
def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = np.zeros_like(w) if state is None else state
    v = 0.99 * v + 0.01 * dw * dw
    w -= lr * dw / (np.sqrt(v) + eps)
    return w, v
