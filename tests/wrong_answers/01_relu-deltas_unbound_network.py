# ReLUNetwork.deltas through an unbound call of the course network's (sigmoid derivative).
# exercise: 01_relu
# fails: relu_network
# message: called Network.deltas
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
        return Network.deltas(self, activations, zs, Y)
