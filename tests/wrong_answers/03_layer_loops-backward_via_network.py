# backward delegated to a course network built from the parameters.
# exercise: 03_layer_loops
# fails: backward_loops
# message: called Network.
# %% replace backward
def backward(params, activations, zs, Y):
    sizes = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, len(params) + 1)]
    net = Network(sizes, dtype=np.float64)
    net.params = params
    return net.backward(activations, zs, Y)
