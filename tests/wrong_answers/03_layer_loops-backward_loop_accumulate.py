# A loop over the images by index, each image's gradient a (n_l, 1) @ (1, n_(l-1)) product added
# to a running sum: right numbers, one pass of Python per image.
# exercise: 03_layer_loops
# fails: backward_loops
# message: it loops over the images
# %% replace backward
def backward(params, activations, zs, Y):
    L, B = len(params), len(Y)
    grads = {}
    D = activations[L] - Y
    for l in range(L, 0, -1):
        A = activations[l - 1]
        total = np.zeros((D.shape[1], A.shape[1]))
        for i in range(B):
            total += D[i:i + 1].T @ A[i:i + 1]
        grads[f"W{l}"] = total / B
        if l > 1:
            D = (D @ params[f"W{l}"]) * sigmoid_prime(zs[l - 2])
    return grads
