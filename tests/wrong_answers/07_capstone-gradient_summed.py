# The gradients summed over the batch instead of averaged (not divided by B).
# exercise: 07_capstone
# fails: gradients
# message: the batch size
# %% replace backward
def backward(params, activations, zs, Y):
    L = len(params) // 2
    grads = {}
    D = activations[L] - Y
    for l in range(L, 0, -1):
        grads[f"W{l}"] = D.T @ activations[l - 1]
        grads[f"b{l}"] = D.sum(axis=0)
        if l > 1:
            D = (D @ params[f"W{l}"]) * relu_prime(zs[l - 2])
    return grads
