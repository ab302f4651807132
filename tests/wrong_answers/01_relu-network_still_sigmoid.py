# The subclass only overrides deltas: the forward pass still applies the sigmoid.
# exercise: 01_relu
# fails: relu_network, relu_training
# message: which uses the sigmoid
# %% replace relu-network
class ReLUNetwork(Network):
    def deltas(self, activations, zs, Y):
        delta = activations[-1] - Y
        deltas = [delta]
        for l in range(self.num_layers - 1, 0, -1):
            delta = (delta @ self.params[f"W{l + 1}"]) * relu_prime(zs[l - 1])
            deltas.append(delta)
        return deltas[::-1]
