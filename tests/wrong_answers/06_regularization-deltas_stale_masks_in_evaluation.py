# deltas in evaluation mode uses the masks a training pass left behind (the whole network only
# before any training pass): the errors of a thinned network where the whole one's are asked.
# exercise: 06_regularization
# fails: dropout_network
# message: after a training pass
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def deltas(self, activations, zs, Y):
        if not self.masks:
            return Network.deltas(self, activations, zs, Y)
        D = activations[-1] - Y
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            D = (D @ self.params[f"W{l + 1}"]) * self.masks[l - 1]
            D = D / self.p_keep * sigmoid_prime(zs[l - 1])
            deltas.append(D)
        return deltas[::-1]
