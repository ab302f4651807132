# A loop over the images hidden in a list comprehension on plain arrays, each image's product
# broadcast: no per-image function call, yet one pass of Python per image.
# exercise: 03_layer_loops
# fails: backward_loops
# message: it loops over the images
# %% replace backward
def backward(params, activations, zs, Y):
    L = len(params)
    grads = {}
    D = activations[L] - Y
    for l in range(L, 0, -1):
        A = np.asarray(activations[l - 1])
        products = [d[:, None] * a[None, :] for d, a in zip(np.asarray(D), A)]
        grads[f"W{l}"] = np.mean(products, axis=0)
        if l > 1:
            D = (D @ params[f"W{l}"]) * sigmoid_prime(zs[l - 2])
    return grads
