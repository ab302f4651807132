# A forward pass that never drops: the mode is not looked at, so training is the plain network's.
# exercise: 06_regularization
# fails: dropout_network
# passes: dropout
# message: drops no unit
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def forward(self, X):
        return Network.forward(self, X)

    def deltas(self, activations, zs, Y):
        return Network.deltas(self, activations, zs, Y)
