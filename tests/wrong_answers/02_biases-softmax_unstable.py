# Its own softmax without subtracting the row's maximum: exp overflows for large logits.
# exercise: 02_biases
# fails: forward_biases
# passes: init_biases, bias_gradients
# message: np.exp overflows
# %% replace forward
def forward(params, X):
    Z1 = X @ params["W1"].T + params["b1"]
    A1 = sigmoid(Z1)
    Z2 = A1 @ params["W2"].T + params["b2"]
    A2 = sigmoid(Z2)
    Z3 = A2 @ params["W3"].T + params["b3"]
    E = np.exp(Z3)
    return [X, A1, A2, E / E.sum(axis=1, keepdims=True)], [Z1, Z2, Z3]
