# train switches training mode on and never off: after training, predictions drop units.
# exercise: 06_regularization
# fails: dropout_switch
# message: after net.train returned
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def train(self, *args, **kwargs):
        history = super().train(*args, **kwargs)
        self.training = True
        return history
