# A forward pass computed in float32 whatever the parameters' dtype
# (red team of issue 23: the message now names the dtype).
# exercise: 03_layer_loops
# fails: forward_loops
# message: is in float32, but the parameters are float64
# %% replace forward
def forward(params, X):
    L = len(params)
    activations, zs = [X.astype(np.float32)], []
    for l in range(1, L + 1):
        Z = activations[-1] @ params[f"W{l}"].astype(np.float32).T
        zs.append(Z)
        activations.append(softmax(Z) if l == L else sigmoid(Z))
    return activations, zs
