# bias_gradients that divides the errors by the batch size in place before summing them: right
# numbers, but the caller's deltas change (the weights' gradients are computed from them too).
# exercise: 02_biases
# fails: bias_gradients
# message: changed `deltas`
# %% replace bias-gradients
def bias_gradients(deltas):
    grads = {}
    for l, D in zip((1, 2, 3), deltas):
        D /= len(D)
        grads[f"b{l}"] = D.sum(axis=0)
    return grads
