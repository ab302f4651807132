# A forward pass whose softmax only handles batches: one image gets its logits back (found by
# the red team of issue 23: the single image's output was checked for its shape only).
# exercise: 01_relu
# fails: relu_network
# message: a single image must go through the same layers
# %% replace relu-network
class ReLUNetwork(Network):
    # softmax written for batches only: one image (a vector) gets its logits back
    def forward(self, X):
        W1, W2, W3 = (self.params[k] for k in ("W1", "W2", "W3"))
        X = np.asarray(X, dtype=self.dtype)
        Z1 = X @ W1.T; A1 = relu(Z1)
        Z2 = A1 @ W2.T; A2 = relu(Z2)
        Z3 = A2 @ W3.T
        A3 = softmax(Z3) if Z3.ndim == 2 else Z3
        return [X, A1, A2, A3], [Z1, Z2, Z3]

    def deltas(self, activations, zs, Y):
        Z1, Z2, _ = zs
        D3 = activations[-1] - Y
        D2 = (D3 @ self.params["W3"]) * relu_prime(Z2)
        D1 = (D2 @ self.params["W2"]) * relu_prime(Z1)
        return [D1, D2, D3]
