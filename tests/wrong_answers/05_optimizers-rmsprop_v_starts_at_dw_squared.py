# RMSProp whose running average starts at dw**2 instead of 0 (first step about lr, not 10 lr).
# exercise: 05_optimizers
# fails: rmsprop
# message: v starts at 0
# %% replace rmsprop
def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    if state is None:
        v = dw * dw
    else:
        v = alpha * state + (1 - alpha) * dw * dw
    w -= lr * dw / (np.sqrt(v) + eps)
    return w, v
