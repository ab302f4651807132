# One number per layer as the bias gradient (the mean of all of Delta_l): every bias of the layer moves alike.
# exercise: 02_biases
# fails: backward_biases, biases_training
# passes: init_biases, forward_biases
# message: db2 has shape ()
# %% replace backward
def backward(params, activations, zs, Y):
    X, A1, A2, A3 = activations
    Z1, Z2, Z3 = zs
    B = len(X)
    D3 = A3 - Y
    D2 = (D3 @ params["W3"]) * sigmoid_prime(Z2)
    D1 = (D2 @ params["W2"]) * sigmoid_prime(Z1)
    grads = {"W3": D3.T @ A2 / B, "W2": D2.T @ A1 / B, "W1": D1.T @ X / B}
    grads["b3"] = D3.mean(axis=0)
    grads["b2"] = D2.mean()
    grads["b1"] = D1.mean(axis=0)
    return grads
