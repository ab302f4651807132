# Adam's state kept on a class itself (its attributes), not on an object per parameter: every
# parameter shares one m, v and t.
# exercise: 05_optimizers
# fails: adam
# message: a class
# %% replace adam
class AdamState:
    m, v, t = 0.0, 0.0, 0


def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    state = AdamState if state is None else state
    state.t += 1
    state.m = beta1 * state.m + (1 - beta1) * dw
    state.v = beta2 * state.v + (1 - beta2) * dw * dw
    m_hat = state.m / (1 - beta1**state.t)
    v_hat = state.v / (1 - beta2**state.t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), state
