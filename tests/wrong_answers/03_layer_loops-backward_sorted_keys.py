# The gradients stored under the keys of sorted(params), reversed: W10 and W2 swap places.
# exercise: 03_layer_loops
# fails: backward_loops
# passes: init_params, forward_loops
# message: (10 layers): dW
# %% replace backward
def backward(params, activations, zs, Y):
    L, B = len(params), len(Y)
    keys = sorted(params, reverse=True)
    grads = {}
    D = activations[L] - Y
    for l in range(L, 0, -1):
        grads[keys[L - l]] = D.T @ activations[l - 1] / B
        if l > 1:
            D = (D @ params[f"W{l}"]) * sigmoid_prime(zs[l - 2])
    return grads
