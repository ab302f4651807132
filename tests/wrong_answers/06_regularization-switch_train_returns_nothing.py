# train runs Network.train in training mode but forgets to return its History.
# exercise: 06_regularization
# fails: dropout_switch
# message: returned NoneType
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def train(self, *args, **kwargs):
        self.training = True
        super().train(*args, **kwargs)
        self.training = False
