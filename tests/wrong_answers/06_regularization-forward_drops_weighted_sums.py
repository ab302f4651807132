# Dropout applied to the weighted sums before the sigmoid: a dropped unit outputs sigmoid(0) = 1/2,
# not 0, and Z no longer holds the weighted sums.
# exercise: 06_regularization
# fails: dropout_network
# message: dropout applies to a hidden layer's activations
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def forward(self, X):
        if not self.training:
            return Network.forward(self, X)
        activations, zs, self.masks = [np.asarray(X, dtype=self.dtype)], [], []
        for l in range(1, self.num_layers + 1):
            Z = activations[-1] @ self.params[f"W{l}"].T
            if l == self.num_layers:
                zs.append(Z)
                activations.append(softmax(Z))
            else:
                Z, mask = dropout(Z, self.p_keep, self.rng)
                self.masks.append(mask)
                zs.append(Z)
                activations.append(sigmoid(Z))
        return activations, zs
