# Adam without bias correction.
# exercise: 05_optimizers
# fails: adam
# message: without bias correction
# %% replace adam
def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    if state is None:
        state = {"m": np.zeros_like(w), "v": np.zeros_like(w)}
    state["m"] = beta1 * state["m"] + (1 - beta1) * dw
    state["v"] = beta2 * state["v"] + (1 - beta2) * dw * dw
    w -= lr * state["m"] / (np.sqrt(state["v"]) + eps)
    return w, state
