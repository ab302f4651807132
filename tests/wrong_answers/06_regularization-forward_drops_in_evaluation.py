# Dropout in every forward pass, evaluation included: predictions are random thinned networks.
# exercise: 06_regularization
# fails: dropout_network
# message: In evaluation mode
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def forward(self, X):
        training, self.training = self.training, True
        try:
            return super().forward(X)
        finally:
            self.training = training
