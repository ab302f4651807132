# deltas that keeps no masks: a hidden unit's sigmoid is never 0, so the units dropped are the 0s of
# the activations forward returned.
# exercise: 06_regularization
# passes: dropout, dropout_network, dropout_switch
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def deltas(self, activations, zs, Y):
        if not self.training:
            return Network.deltas(self, activations, zs, Y)
        D = activations[-1] - Y
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            kept = activations[l] != 0
            D = (D @ self.params[f"W{l + 1}"]) * kept / self.p_keep
            deltas.append(D * sigmoid_prime(zs[l - 1]))
            D = deltas[-1]
        return deltas[::-1]
