# An off-by-one backward loop that never reaches W1.
# exercise: 03_layer_loops
# fails: backward_loops
# message: missing ['W1']
# %% replace backward
def backward(params, activations, zs, Y):
    L, B = len(params), len(Y)
    grads = {}
    delta = activations[L] - Y
    for l in range(L, 1, -1):
        grads[f"W{l}"] = delta.T @ activations[l - 1] / B
        delta = (delta @ params[f"W{l}"]) * sigmoid_prime(zs[l - 2])
    return grads
