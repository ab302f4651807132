# deltas written out for the three layers, but returned from the last layer to the first, in the
# order they were computed: backward pairs deltas[0] with the input layer's activations.
# exercise: 01_relu
# fails: relu_network
# message: from the first layer to the last
# %% replace relu-network
class ReLUNetwork(Network):
    def forward(self, X):
        X = np.asarray(X, dtype=self.dtype)
        Z1 = X @ self.params["W1"].T
        A1 = relu(Z1)
        Z2 = A1 @ self.params["W2"].T
        A2 = relu(Z2)
        Z3 = A2 @ self.params["W3"].T
        return [X, A1, A2, softmax(Z3)], [Z1, Z2, Z3]

    def deltas(self, activations, zs, Y):
        D3 = activations[-1] - Y
        D2 = (D3 @ self.params["W3"]) * relu_prime(zs[1])
        D1 = (D2 @ self.params["W2"]) * relu_prime(zs[0])
        return [D3, D2, D1]
