# ReLUNetwork.deltas that turns zs into relu'(z) in place, so the caller's zs change.
# exercise: 01_relu
# fails: relu_network
# message: changed `zs`
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
            z = zs[l - 1]
            z[...] = z > 0
            delta = (delta @ self.params[f"W{l + 1}"]) * z
            deltas.append(delta)
        return deltas[::-1]
