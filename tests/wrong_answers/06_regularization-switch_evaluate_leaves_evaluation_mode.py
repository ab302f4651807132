# evaluate switches to evaluation mode and leaves it there: after the first epoch's measurement,
# the steps of the second epoch run without dropout.
# exercise: 06_regularization
# fails: dropout_switch
# message: step 6 of 10 ran without dropout
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def evaluate(self, split):
        self.training = False
        return Network.evaluate(self, split)
