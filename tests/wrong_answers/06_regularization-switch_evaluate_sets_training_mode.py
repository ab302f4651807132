# evaluate that switches to evaluation mode and then to training mode, whatever mode it found:
# inside Network.train it works, but called on its own it leaves the network dropping units.
# exercise: 06_regularization
# fails: dropout_switch
# message: put back the mode evaluate found
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def evaluate(self, split):
        self.training = False
        result = Network.evaluate(self, split)
        self.training = True
        return result
