# AdaGrad with the epsilon inside the square root (torch puts it outside).
# exercise: 05_optimizers
# fails: adagrad
# message: outside the square root
# %% replace adagrad
def adagrad(w, dw, state=None, lr=0.01, eps=1e-10):
    G = np.zeros_like(w) if state is None else state
    G += dw * dw
    w -= lr * dw / np.sqrt(G + eps)
    return w, G
