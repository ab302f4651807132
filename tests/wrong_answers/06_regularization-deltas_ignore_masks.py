# Errors backpropagated as in the course network, through every unit: the masks are forgotten.
# exercise: 06_regularization
# fails: dropout_network
# message: They ignore the mask
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def deltas(self, activations, zs, Y):
        return Network.deltas(self, activations, zs, Y)
