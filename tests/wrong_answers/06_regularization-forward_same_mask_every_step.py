# A generator made from a fixed seed at every forward pass: every step drops the same units.
# exercise: 06_regularization
# fails: dropout_network
# message: two forward passes dropped the same units
# %% insert-after dropout-network
class DropoutNetwork(DropoutNetwork):
    def forward(self, X):
        self.rng = np.random.default_rng(0)
        return super().forward(X)
