# deltas always goes through the masks: a new network has none (IndexError), and in evaluation mode
# after a training pass it uses that pass's stale masks (found by a red-team review: accepted).
# exercise: 06_regularization
# fails: dropout_network
# message: In evaluation mode deltas uses no mask
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def deltas(self, activations, zs, Y):
        D = activations[-1] - Y
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            D = (D @ self.params[f"W{l + 1}"]) * self.masks[l - 1]
            D = D / self.p_keep * sigmoid_prime(zs[l - 1])
            deltas.append(D)
        return deltas[::-1]
