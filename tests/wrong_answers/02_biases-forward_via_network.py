# The forward pass delegated to a course network with biases, given the parameters.
# exercise: 02_biases
# fails: forward_biases
# message: called Network
# %% replace forward
def forward(params, X):
    net = Network((len(X[0]),) + tuple(len(params[f"b{l}"]) for l in (1, 2, 3)), biases=True)
    net.params = params
    return net.forward(X)
