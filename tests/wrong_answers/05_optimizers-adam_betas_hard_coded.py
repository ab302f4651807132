# Adam with beta1 and beta2 written as numbers: right with the defaults only.
# exercise: 05_optimizers
# fails: adam
# message: use the argument beta
# %% replace adam
def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}
    state["t"] += 1
    t = state["t"]
    state["m"] = 0.9 * state["m"] + 0.1 * dw
    state["v"] = 0.999 * state["v"] + 0.001 * dw * dw
    m_hat = state["m"] / (1 - 0.9**t)
    v_hat = state["v"] / (1 - 0.999**t)
    w -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, state
