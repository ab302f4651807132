# A forward pass that casts to float32 instead of the network's dtype
# (red team of issue 23: the message now names the dtype).
# exercise: 01_relu
# fails: relu_network
# message: is in float32, but this network's weights are float64
# %% replace relu-network
class ReLUNetwork(Network):
    def forward(self, X):
        W1, W2, W3 = (self.params[k].astype(np.float32) for k in ("W1", "W2", "W3"))
        X = np.asarray(X, dtype=np.float32)
        Z1 = X @ W1.T; A1 = relu(Z1)
        Z2 = A1 @ W2.T; A2 = relu(Z2)
        Z3 = A2 @ W3.T
        return [X, A1, A2, softmax(Z3)], [Z1, Z2, Z3]

    def deltas(self, activations, zs, Y):
        Z1, Z2, _ = zs
        D3 = activations[-1] - Y
        D2 = (D3 @ self.params["W3"]) * relu_prime(Z2)
        D1 = (D2 @ self.params["W2"]) * relu_prime(Z1)
        return [D1, D2, D3]
