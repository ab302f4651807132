# ReLUNetwork.forward written out for the three layers and deltas as a loop over them: the
# statement asks for the three layers, either way (a wrong answer once, when exercise 1 asked for
# any number of layers; exercise 3 owns the loops now).
# exercise: 01_relu
# passes: relu, relu_prime, relu_network
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
        delta = activations[-1] - Y
        deltas = [delta]
        for l in range(self.num_layers - 1, 0, -1):
            delta = (delta @ self.params[f"W{l + 1}"]) * relu_prime(zs[l - 1])
            deltas.append(delta)
        return deltas[::-1]
