# train_step does not pass beta1 and beta2 on to adam (Adam's defaults always).
# exercise: 07_capstone
# fails: train_step
# message: pass lr, beta1 and beta2 on to adam
# %% replace adam
def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam, as in exercise 5: returns (w, state); dw unchanged."""
    if state is None:
        state = {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}
    state["t"] += 1
    t = state["t"]
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw  # mean of dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw * dw  # of dw**2
    m_hat = state["m"] / (1 - beta1**t)  # bias correction: from 0
    v_hat = state["v"] / (1 - beta2**t)
    w -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, state


def train_step(params, states, X, Y, lr, beta1=0.9, beta2=0.999):
    """One step of Adam on the batch X (B, n_0), Y (B, n_L).

    Updates params (its arrays, in place, or new arrays stored under the
    same keys) and states, a dict of one Adam state per key of params
    (missing at the first step). X and Y are not changed.
    """
    activations, zs = forward(params, X)
    grads = backward(params, activations, zs, Y)
    for key, dw in grads.items():
        params[key], states[key] = adam(params[key], dw, states.get(key),
                                        lr=lr)
