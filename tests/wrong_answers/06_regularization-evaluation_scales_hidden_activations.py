# In evaluation mode the hidden activations it returns are scaled by p_keep (the output is the
# whole network's): what a later reader of the activations gets is wrong (found by a red-team
# review: accepted, the checks compared the output only).
# exercise: 06_regularization
# fails: dropout_network
# message: a hidden layer's activations differ
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def forward(self, X):
        if self.training:
            return super().forward(X)
        acts, zs = Network.forward(self, X)
        hidden = [a * self.p_keep for a in acts[1:-1]]
        return [acts[0], *hidden, acts[-1]], zs
