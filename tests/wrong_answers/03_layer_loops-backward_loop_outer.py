# The mean of the per-image outer products, by a Python loop over the images: right numbers, but
# the statement asks for the batch as a matrix (the speed of mini-batches comes from it).
# exercise: 03_layer_loops
# fails: backward_loops
# passes: init_params, forward_loops
# message: it loops over the images
# %% replace backward
def backward(params, activations, zs, Y):
    L, B = len(params), len(Y)
    grads = {}
    D = activations[L] - Y
    for l in range(L, 0, -1):
        pairs = zip(D, activations[l - 1])
        grads[f"W{l}"] = sum(np.outer(d, a) for d, a in pairs) / B
        if l > 1:
            D = (D @ params[f"W{l}"]) * sigmoid_prime(zs[l - 2])
    return grads
