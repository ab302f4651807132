# Adam with eps inside the square root.
# exercise: 05_optimizers
# fails: adam
# message: sqrt(v_hat) + eps
# %% replace adam
def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw * dw
    m_hat = state["m"] / (1 - beta1**t)
    v_hat = state["v"] / (1 - beta2**t)
    w -= lr * m_hat / np.sqrt(v_hat + eps)
    return w, state
