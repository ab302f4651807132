# Adam's step count read before it is incremented: t = 0 at the first step divides by 0.
# exercise: 07_capstone
# fails: train_step
# message: NaN or inf
# %% replace adam
def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"m": np.zeros_like(w), "v": np.zeros_like(w), "t": 0}
    t = state["t"]
    state["t"] += 1
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw * dw
    m_hat = state["m"] / (1 - beta1**t)
    v_hat = state["v"] / (1 - beta2**t)
    w -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, state


def train_step(params, states, X, Y, lr, beta1=0.9, beta2=0.999):
    activations, zs = forward(params, X)
    grads = backward(params, activations, zs, Y)
    for key, dw in grads.items():
        params[key], states[key] = adam(params[key], dw, states.get(key),
                                        lr=lr, beta1=beta1, beta2=beta2)
