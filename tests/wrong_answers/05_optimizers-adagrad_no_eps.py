# AdaGrad without the epsilon: 0 / 0 where a gradient has always been 0.
# exercise: 05_optimizers
# fails: adagrad
# message: add eps to the denominator
# %% replace adagrad
def adagrad(w, dw, state=None, lr=0.01, eps=1e-10):
    G = np.zeros_like(w) if state is None else state
    G += dw * dw
    w -= lr * dw / np.sqrt(G)
    return w, G
