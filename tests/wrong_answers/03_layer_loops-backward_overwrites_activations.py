# backward whose first error is computed in place in the caller's output activations.
# exercise: 03_layer_loops
# fails: backward_loops
# message: changed `activations`
# %% replace backward
def backward(params, activations, zs, Y):
    L, B = len(params), len(Y)
    grads = {}
    delta = activations[L]
    delta -= Y
    for l in range(L, 0, -1):
        grads[f"W{l}"] = delta.T @ activations[l - 1] / B
        if l > 1:
            delta = (delta @ params[f"W{l}"]) * sigmoid_prime(zs[l - 2])
    return grads
