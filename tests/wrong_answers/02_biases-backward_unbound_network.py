# The gradients taken from the course network's backward, called unbound on a network with biases.
# exercise: 02_biases
# fails: backward_biases
# message: called Network.
# %% replace backward
def backward(params, activations, zs, Y):
    sizes = [params["W1"].shape[1]] + [len(params[f"b{l}"]) for l in (1, 2, 3)]
    net = Network(sizes, biases=True)
    net.params = params
    return Network.backward(net, activations, zs, Y)
