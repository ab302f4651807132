# A forward pass that normalizes the inputs in place (the caller's X changes).
# exercise: 02_biases
# fails: forward_biases
# message: changed `X`
# %% replace forward
def forward(params, X):
    X /= X.max()
    Z1 = X @ params["W1"].T + params["b1"]
    A1 = sigmoid(Z1)
    Z2 = A1 @ params["W2"].T + params["b2"]
    A2 = sigmoid(Z2)
    Z3 = A2 @ params["W3"].T + params["b3"]
    return [X, A1, A2, softmax(Z3)], [Z1, Z2, Z3]
