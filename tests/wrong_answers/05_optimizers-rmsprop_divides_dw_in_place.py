# RMSProp that divides the gradient in place, changing the caller's dw.
# exercise: 05_optimizers
# fails: rmsprop
# message: changed `dw`
# %% replace rmsprop
def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = np.zeros_like(w) if state is None else state
    v = alpha * v + (1 - alpha) * dw * dw
    dw /= np.sqrt(v) + eps
    w -= lr * dw
    return w, v
