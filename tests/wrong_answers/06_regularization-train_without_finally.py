# train switches back to evaluation mode only when Network.train returns: a train that fails leaves
# the network in training mode, against the statement (found by a red-team review: accepted).
# exercise: 06_regularization
# fails: dropout_switch
# message: when train fails too
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def train(self, *args, **kwargs):
        self.training = True
        history = Network.train(self, *args, **kwargs)
        self.training = False
        return history
