# A forward pass that forgets to add the biases.
# exercise: 02_biases
# fails: forward_biases
# message: ignores the bias
# %% replace forward
def forward(params, X):
    Z1 = X @ params["W1"].T
    A1 = sigmoid(Z1)
    Z2 = A1 @ params["W2"].T
    A2 = sigmoid(Z2)
    Z3 = A2 @ params["W3"].T
    return [X, A1, A2, softmax(Z3)], [Z1, Z2, Z3]
