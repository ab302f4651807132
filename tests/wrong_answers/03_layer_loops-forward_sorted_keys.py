# The layers taken in sorted(params) order: W1, W10, W2, ... from ten layers on.
# exercise: 03_layer_loops
# fails: forward_loops
# passes: init_params, backward_loops
# message: 'W10' comes before 'W2'
# %% replace forward
def forward(params, X):
    L = len(params)
    activations, zs = [X], []
    for l, key in enumerate(sorted(params), start=1):
        Z = activations[-1] @ params[key].T
        zs.append(Z)
        activations.append(softmax(Z) if l == L else sigmoid(Z))
    return activations, zs
