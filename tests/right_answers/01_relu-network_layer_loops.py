# ReLUNetwork's forward and deltas as loops over self.num_layers (the worked solution's form when
# exercise 1 asked for any number of layers): right for the three layers the statement asks for.
# exercise: 01_relu
# passes: relu, relu_prime, relu_network
# %% replace relu-network
class ReLUNetwork(Network):
    def forward(self, X):
        activations, zs = [np.asarray(X, dtype=self.dtype)], []
        for l in range(1, self.num_layers + 1):
            Z = activations[-1] @ self.params[f"W{l}"].T
            zs.append(Z)
            last = l == self.num_layers
            activations.append(softmax(Z) if last else relu(Z))
        return activations, zs

    def deltas(self, activations, zs, Y):
        D = activations[-1] - Y
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            D = (D @ self.params[f"W{l + 1}"]) * relu_prime(zs[l - 1])
            deltas.append(D)
        return deltas[::-1]
