# The sum over the batch divided by the training's batch size, 16, typed in: right only for full
# batches of 16 (the check's batch holds 4 images; an epoch's last batch is smaller too).
# exercise: 03_layer_loops
# fails: backward_loops
# message: 0.25 times the true gradient
# %% replace backward
def backward(params, activations, zs, Y):
    L = len(params)
    grads = {}
    D = activations[L] - Y
    for l in range(L, 0, -1):
        grads[f"W{l}"] = D.T @ activations[l - 1] / 16
        if l > 1:
            D = (D @ params[f"W{l}"]) * sigmoid_prime(zs[l - 2])
    return grads
