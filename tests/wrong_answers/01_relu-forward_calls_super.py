# ReLUNetwork.forward that runs the course network's forward (sigmoid) and replaces nothing.
# exercise: 01_relu
# fails: relu_network
# message: called Network.forward
# %% replace relu-network
class ReLUNetwork(Network):
    def forward(self, X):
        return super().forward(X)

    def deltas(self, activations, zs, Y):
        delta = activations[-1] - Y
        deltas = [delta]
        for l in range(self.num_layers - 1, 0, -1):
            delta = (delta @ self.params[f"W{l + 1}"]) * relu_prime(zs[l - 1])
            deltas.append(delta)
        return deltas[::-1]
