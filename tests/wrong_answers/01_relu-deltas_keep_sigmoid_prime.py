# ReLU in the forward pass, but backpropagation still multiplies by the sigmoid's derivative.
# exercise: 01_relu
# fails: relu_network
# message: sigmoid_prime
# %% replace relu-network
class ReLUNetwork(Network):
    def forward(self, X):
        activations, zs = [np.asarray(X, dtype=self.dtype)], []
        for l in range(1, self.num_layers + 1):
            z = activations[-1] @ self.params[f"W{l}"].T
            zs.append(z)
            activations.append(softmax(z) if l == self.num_layers else relu(z))
        return activations, zs

    def deltas(self, activations, zs, Y):
        delta = activations[-1] - Y
        deltas = [delta]
        for l in range(self.num_layers - 1, 0, -1):
            delta = (delta @ self.params[f"W{l + 1}"]) * sigmoid_prime(zs[l - 1])
            deltas.append(delta)
        return deltas[::-1]
