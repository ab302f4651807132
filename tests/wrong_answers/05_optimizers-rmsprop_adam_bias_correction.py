# RMSProp with Adam's bias correction of v (torch.optim.RMSprop has none).
# exercise: 05_optimizers
# fails: rmsprop
# message: bias correction
# %% replace rmsprop
def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    if state is None:
        state = {"v": np.zeros_like(w), "t": 0}
    state["t"] += 1
    state["v"] = alpha * state["v"] + (1 - alpha) * dw * dw
    v_hat = state["v"] / (1 - alpha ** state["t"])
    w -= lr * dw / (np.sqrt(v_hat) + eps)
    return w, state
