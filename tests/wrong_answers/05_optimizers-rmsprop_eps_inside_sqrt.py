# RMSProp with eps inside the square root (torch.optim.RMSprop adds it outside).
# exercise: 05_optimizers
# fails: rmsprop
# message: outside the square root
# %% replace rmsprop
def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = np.zeros_like(w) if state is None else state
    v = alpha * v + (1 - alpha) * dw * dw
    w -= lr * dw / np.sqrt(v + eps)
    return w, v
