# The last layer's bias gets no gradient, so training never moves it.
# exercise: 07_capstone
# fails: gradients
# message: missing ['b
# %% replace backward
def backward(params, activations, zs, Y):
    L, B = len(params) // 2, len(Y)
    grads = {}
    D = activations[L] - Y
    for l in range(L, 0, -1):
        grads[f"W{l}"] = D.T @ activations[l - 1] / B
        if l < L:
            grads[f"b{l}"] = D.mean(axis=0)
        if l > 1:
            D = (D @ params[f"W{l}"]) * relu_prime(zs[l - 2])
    return grads
