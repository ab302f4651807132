# The bias gradient summed over the batch instead of averaged.
# exercise: 02_biases
# fails: backward_biases
# message: times the true gradient
# %% replace backward
def backward(params, activations, zs, Y):
    X, A1, A2, A3 = activations
    Z1, Z2, Z3 = zs
    B = len(X)
    delta3 = A3 - Y
    delta2 = (delta3 @ params["W3"]) * sigmoid_prime(Z2)
    delta1 = (delta2 @ params["W2"]) * sigmoid_prime(Z1)
    grads = {"W3": delta3.T @ A2 / B, "W2": delta2.T @ A1 / B, "W1": delta1.T @ X / B}
    grads["b3"] = delta3.sum(axis=0)
    grads["b2"] = delta2.sum(axis=0)
    grads["b1"] = delta1.sum(axis=0)
    return grads
