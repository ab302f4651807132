# Errors multiplied by the masks but not by 1/p_keep, which the forward pass applied.
# exercise: 06_regularization
# fails: dropout_network
# message: miss the factor 1/p_keep
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def deltas(self, activations, zs, Y):
        if not self.training:
            return Network.deltas(self, activations, zs, Y)
        D = activations[-1] - Y
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            D = (D @ self.params[f"W{l + 1}"]) * self.masks[l - 1]
            D = D * sigmoid_prime(zs[l - 1])
            deltas.append(D)
        return deltas[::-1]
