# The forward pass keeps half of the units whatever the network's p_keep.
# exercise: 06_regularization
# fails: dropout_network
# message: p_keep = 0.8
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def forward(self, X):
        p_keep, self.p_keep = self.p_keep, 0.5
        try:
            return super().forward(X)
        finally:
            self.p_keep = p_keep

    def deltas(self, activations, zs, Y):
        p_keep, self.p_keep = self.p_keep, 0.5
        try:
            return super().deltas(activations, zs, Y)
        finally:
            self.p_keep = p_keep
