# Adam that corrects with the step count before counting the step (t = 0 at the first step).
# exercise: 05_optimizers
# fails: adam
# message: 1 - beta1^0 = 0
# %% replace adam
def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw * dw
    m_hat = state["m"] / (1 - beta1**t)
    v_hat = state["v"] / (1 - beta2**t)
    w -= lr * m_hat / (np.sqrt(v_hat) + eps)
    state["t"] = t + 1
    return w, state
