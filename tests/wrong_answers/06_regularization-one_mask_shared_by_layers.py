# One mask per forward pass, reused (resized) by every hidden layer: the layers' masks are not
# independent (found by the red team of issue 23).
# exercise: 06_regularization
# fails: dropout_network
# message: dropped the same units (layer 2's mask repeats layer 1's)
# %% replace dropout-network
class DropoutNetwork(Network):
    def __init__(self, sizes=(784, 128, 64, 10), p_keep=0.5, seed=0, **kwargs):
        super().__init__(sizes, seed=seed, **kwargs)
        self.p_keep = p_keep
        self.rng = np.random.default_rng(seed)
        self.training = False
        self.masks = []

    def forward(self, X):
        if not self.training:
            return super().forward(X)
        activations, zs = [np.asarray(X, dtype=self.dtype)], []
        self.masks = []
        first = None  # one mask per forward pass, reused (resized) by every hidden layer
        for l in range(1, self.num_layers + 1):
            Z = activations[-1] @ self.params[f"W{l}"].T
            zs.append(Z)
            if l == self.num_layers:
                activations.append(softmax(Z))
                continue
            A = sigmoid(Z)
            if first is None:
                A, first = dropout(A, self.p_keep, self.rng)
                mask = first
            else:
                mask = np.resize(first.T, A.shape[::-1]).T
                A = (A * mask / self.p_keep).astype(A.dtype)
            self.masks.append(mask)
            activations.append(A)
        return activations, zs

    def deltas(self, activations, zs, Y):
        if not self.training:
            return super().deltas(activations, zs, Y)
        D = activations[-1] - Y
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            D = (D @ self.params[f"W{l + 1}"]) * self.masks[l - 1]
            D = D / self.p_keep * sigmoid_prime(zs[l - 1])
            deltas.append(D)
        return deltas[::-1]

    def train(self, *args, **kwargs):
        self.training = True
        try:
            return super().train(*args, **kwargs)
        finally:
            self.training = False

    def evaluate(self, split):
        training, self.training = self.training, False
        try:
            return super().evaluate(split)
        finally:
            self.training = training
