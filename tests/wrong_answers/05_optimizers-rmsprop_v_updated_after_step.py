# RMSProp that divides by the previous v, then updates it: the first step divides by eps alone.
# exercise: 05_optimizers
# fails: rmsprop
# message: before dividing
# %% replace rmsprop
def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = np.zeros_like(w) if state is None else state
    w -= lr * dw / (np.sqrt(v) + eps)
    v = alpha * v + (1 - alpha) * dw * dw
    return w, v
