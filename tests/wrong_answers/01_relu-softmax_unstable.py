# The network's own softmax without subtracting the row's maximum: exp overflows for large logits.
# exercise: 01_relu
# fails: relu_network
# passes: relu, relu_prime
# message: np.exp overflows
# %% replace relu-network
class ReLUNetwork(Network):
    def forward(self, X):
        activations, zs = [np.asarray(X, dtype=self.dtype)], []
        for l in range(1, self.num_layers + 1):
            Z = activations[-1] @ self.params[f"W{l}"].T
            zs.append(Z)
            if l == self.num_layers:
                E = np.exp(Z)
                activations.append(E / E.sum(axis=-1, keepdims=True))
            else:
                activations.append(relu(Z))
        return activations, zs

    def deltas(self, activations, zs, Y):
        D = activations[-1] - Y
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            D = (D @ self.params[f"W{l + 1}"]) * relu_prime(zs[l - 1])
            deltas.append(D)
        return deltas[::-1]
