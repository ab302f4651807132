# RMSProp that keeps v in a global dict keyed by the parameter's shape (two parameters of one shape share it).
# exercise: 05_optimizers
# fails: rmsprop
# message: one state per parameter
# %% replace rmsprop
squares = {}

def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = squares.get(w.shape, np.zeros_like(w))
    v = alpha * v + (1 - alpha) * dw * dw
    squares[w.shape] = v
    w -= lr * dw / (np.sqrt(v) + eps)
    return w, None
