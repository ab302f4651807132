# A loop over the images by index, each image's gradient a (n_l, 1) @ (1, n_(l-1)) product added
# to a running sum: right numbers, one pass of Python per image.
# exercise: 04_minibatch
# fails: batch_gradients
# message: it loops over the images
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    activations, zs = net.forward(X)
    deltas = net.deltas(activations, zs, Y)
    B = len(X)
    grads = {}
    for l, D in enumerate(deltas, start=1):
        A = activations[l - 1]
        total = np.zeros((D.shape[1], A.shape[1]))
        for i in range(B):
            total += D[i:i + 1].T @ A[i:i + 1]
        grads[f"W{l}"] = total / B
    return grads
