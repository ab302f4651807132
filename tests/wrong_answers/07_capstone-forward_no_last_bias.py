# No bias in the last layer: the output layer computes Z_L = A_(L-1) W_L^T only.
# exercise: 07_capstone
# fails: gradients
# message: leaves out its bias
# %% replace forward
def forward(params, X):
    L = len(params) // 2
    activations, zs = [X], []
    for l in range(1, L + 1):
        Z = activations[-1] @ params[f"W{l}"].T
        if l < L:
            Z = Z + params[f"b{l}"]
        zs.append(Z)
        activations.append(softmax(Z) if l == L else relu(Z))
    return activations, zs
