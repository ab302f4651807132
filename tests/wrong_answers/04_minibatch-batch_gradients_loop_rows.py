# A loop over the images hidden in a list comprehension on plain arrays, each image's product
# broadcast: no per-image function call, yet one pass of Python per image.
# exercise: 04_minibatch
# fails: batch_gradients
# message: it loops over the images
# %% replace batch-gradients
def batch_gradients(net, X, Y):
    activations, zs = net.forward(X)
    deltas = net.deltas(activations, zs, Y)
    grads = {}
    for l, D in enumerate(deltas, start=1):
        A = np.asarray(activations[l - 1])
        products = [d[:, None] * a[None, :] for d, a in zip(np.asarray(D), A)]
        grads[f"W{l}"] = np.mean(products, axis=0)
    return grads
