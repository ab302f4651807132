# The batch gradient as one einsum per layer on odd layers, and as a broadcast product summed over
# the batch on even ones: no Python loop over the images in either, so both pass.
# exercise: 03_layer_loops
# passes: init_params, forward_loops, backward_loops
# %% replace backward
def backward(params, activations, zs, Y):
    L = len(params)
    grads = {}
    D = activations[L] - Y
    for l in range(L, 0, -1):
        A = activations[l - 1]
        if l % 2:
            grads[f"W{l}"] = np.einsum("bi,bj->ij", D, A) / len(Y)
        else:
            grads[f"W{l}"] = (D[:, :, None] * A[:, None, :]).mean(axis=0)
        if l > 1:
            D = (D @ params[f"W{l}"]) * sigmoid_prime(zs[l - 2])
    return grads
