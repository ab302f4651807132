"""The network of the course: forward pass, backpropagation, training (chapters 2-5 and 7).

Conventions, as in PyTorch's ``nn.Linear``:

* a batch is rows, ``X: (B, 784)``; one sample is a vector ``x: (784,)``;
* weights are ``(out, in)``: ``W1: (128, 784)``, ``W2: (64, 128)``, ``W3: (10, 64)``; optional
  biases ``b1: (128,)``, ``b2: (64,)``, ``b3: (10,)``;
* layer l computes, for one sample, the column-vector form of chapters 2 and 4,
  ``z_l = W_l a_{l-1} (+ b_l)``, and for a batch, capital matrices with one row per sample,
  ``Z_l = A_{l-1} @ W_l.T (+ b_l)``; then ``A_l = sigmoid(Z_l)``, except the last layer, which
  applies ``softmax`` to each row;
* ``activations = [A_0 = X, A_1, ..., A_L]`` and ``zs = [Z_1, ..., Z_L]`` (vectors for one
  sample); the loss is the mean cross-entropy of ``A_L`` against one-hot targets ``Y: (B, 10)``;
* the errors ``Delta_l = dL/dZ_l`` (row i: the error ``delta_l`` of sample i) give the gradient
  ``dL/dW_l = Delta_l.T @ A_{l-1} / B``, the mean of the samples' ``delta_l a_{l-1}^T``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from nnscratch import fast, validate
from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.history import History
from nnscratch.losses import cross_entropy, cross_entropy_grad
from nnscratch.optim import sgd

__all__ = ["INIT_SCALES", "History", "Network"]

#: Standard deviation of the initial weights of a layer with ``n_in`` inputs and ``n_out`` outputs
#: (chapter 3): fan-in keeps the forward signal's variance, fan-out the backward signal's (the
#: original tutorial's rule), Xavier (Glorot) compromises between the two, He is fan-in for ReLU.
INIT_SCALES: dict[str, Callable[[int, int], float]] = {
    "fan_in": lambda n_in, n_out: np.sqrt(1.0 / n_in),  # LeCun et al. (1998)
    "fan_out": lambda n_in, n_out: np.sqrt(1.0 / n_out),  # the original tutorial's rule
    "xavier": lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)),  # Glorot & Bengio (2010)
    "he": lambda n_in, n_out: np.sqrt(2.0 / n_in),  # He et al. (2015), for ReLU
}


class Network:
    """A fully connected network with sigmoid hidden layers and a softmax output.

    Args:
        sizes: neurons per layer, input first, e.g. ``(784, 128, 64, 10)``.
        seed: seed of the generator that draws the initial weights.
        init: ``"xavier"``, ``"he"``, ``"fan_in"`` or ``"fan_out"``; see :data:`INIT_SCALES`.
        biases: add a bias vector to every layer (initialized to zero).
        dtype: ``np.float32`` (fast) or ``np.float64`` (for gradient checks).
    """

    def __init__(
        self,
        sizes: Sequence[int] = (784, 128, 64, 10),
        seed: int = 0,
        init: str = "xavier",
        biases: bool = False,
        dtype: type = np.float32,
    ):
        self.sizes = validate.layer_sizes(sizes)
        self.init = validate.choice("init", init, list(INIT_SCALES))
        self.biases, self.dtype = bool(biases), np.dtype(dtype)
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        for l, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:]), start=1):
            W = rng.standard_normal((n_out, n_in)) * INIT_SCALES[init](n_in, n_out)
            self.params[f"W{l}"] = W.astype(self.dtype)  # (n_out, n_in)
            if self.biases:
                self.params[f"b{l}"] = np.zeros(n_out, dtype=self.dtype)  # (n_out,)

    @property
    def num_layers(self) -> int:
        """Number of weight layers L (3 for 784-128-64-10)."""
        return len(self.sizes) - 1

    def __repr__(self) -> str:
        return (
            f"Network(sizes={self.sizes}, init={self.init!r}, biases={self.biases}, "
            f"dtype={self.dtype.name})"
        )

    def astype(self, dtype: type) -> Network:
        """A copy of the network with every parameter cast to ``dtype``."""
        other = copy.deepcopy(self)
        other.dtype = np.dtype(dtype)
        other.params = {k: v.astype(other.dtype) for k, v in self.params.items()}
        return other

    def forward(self, X: np.ndarray) -> tuple[list, list]:
        """Run a batch ``X: (B, 784)`` (or one sample ``(784,)``) through the network.

        Returns:
            ``activations = [X, A_1 (B, 128), A_2 (B, 64), A_3 (B, 10)]`` (``A_3``: softmax
            probabilities, rows summing to 1) and ``zs = [Z_1 (B, 128), Z_2 (B, 64), Z_3 (B, 10)]``;
            vectors for one sample. ``X`` and the parameters are left unchanged.
        """
        X = validate.inputs(X, self.sizes[0], self.dtype, "forward")
        activations, zs = [X], []
        for l in range(1, self.num_layers + 1):
            Z = activations[-1] @ self.params[f"W{l}"].T  # (B, n_{l-1}) @ (n_{l-1}, n_l)
            if self.biases:
                Z = Z + self.params[f"b{l}"]  # (n_l,) added to every row
            zs.append(Z)
            activations.append(softmax(Z) if l == self.num_layers else sigmoid(Z))
        return activations, zs

    def deltas(self, activations: list, zs: list, Y: np.ndarray) -> list[np.ndarray]:
        """Backpropagate the errors: ``[Delta_1, ..., Delta_L]``, ``Delta_l`` shaped like ``Z_l``,
        row i the error ``delta_l = dL_i / dz_l`` of sample i (a vector for one sample).

        ``Delta_L = A_L - Y`` (softmax with cross-entropy), then for each hidden layer going back
        ``Delta_l = (Delta_{l+1} @ W_{l+1}) * sigmoid'(Z_l)``. The inputs are left unchanged.
        """
        Y = validate.targets(Y, activations[-1].shape, self.dtype)
        D = cross_entropy_grad(activations[-1], Y)  # Delta_L: (B, 10)
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            # (B, n_{l+1}) @ (n_{l+1}, n_l) -> (B, n_l), times sigmoid'(Z_l) elementwise
            D = (D @ self.params[f"W{l + 1}"]) * sigmoid_prime(zs[l - 1])
            deltas.append(D)
        return deltas[::-1]

    def backward(self, activations: list, zs: list, Y: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the mean cross-entropy over the batch, keyed like ``params``.

        ``dL/dW_l = Delta_l.T @ A_{l-1} / B``: the mean over the batch of the samples' outer
        products ``delta_l a_{l-1}^T``, shape ``(n_l, n_{l-1})`` like ``W_l``; ``dL/db_l`` is the
        mean of the rows of ``Delta_l``. A single sample ``(784,)`` counts as a batch of one. The
        inputs and the parameters are left unchanged (``step`` updates the parameters).
        """
        grads = {}
        for l, D in enumerate(self.deltas(activations, zs, Y), start=1):
            D, A_prev = np.atleast_2d(D), np.atleast_2d(activations[l - 1])
            grads[f"W{l}"] = D.T @ A_prev / len(D)  # (n_l, B) @ (B, n_{l-1})
            if self.biases:
                grads[f"b{l}"] = D.mean(axis=0)  # (n_l,)
        return grads

    def step(self, grads: dict[str, np.ndarray], update: Callable, states: dict) -> None:
        """Apply the update rule to every parameter: ``W, state <- update(W, dW, state)``."""
        for key, grad in grads.items():
            self.params[key], states[key] = update(self.params[key], grad, states.get(key))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted digit of each row of ``X: (B, 784)``: ``(B,)`` integers."""
        return self.forward(X)[0][-1].argmax(axis=-1)

    def accuracy(self, X: np.ndarray, labels: np.ndarray) -> float:
        """Fraction of rows of ``X: (B, 784)`` predicted as ``labels: (B,)``, in [0, 1]."""
        labels = validate.labels(labels, len(np.atleast_2d(X)))
        return float(np.mean(self.predict(X) == labels))

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean cross-entropy of the outputs for ``X: (B, 784)`` against one-hot ``Y: (B, 10)``."""
        return cross_entropy(self.forward(X)[0][-1], np.asarray(Y, dtype=self.dtype))

    def evaluate(self, split) -> tuple[float, float]:
        """``(loss, accuracy)`` on a :class:`nnscratch.data.Split`, from one forward pass.

        The same numbers as ``loss(split.x, split.y)`` and ``accuracy(split.x, split.labels)``, at
        the cost of one forward pass instead of two (``train`` calls it twice per epoch).
        """
        labels = validate.labels(split.labels, len(np.atleast_2d(split.x)))
        probs = self.forward(split.x)[0][-1]  # (N, 10)
        loss = cross_entropy(probs, np.asarray(split.y, dtype=self.dtype))
        return loss, float(np.mean(probs.argmax(axis=-1) == labels))

    def train(
        self,
        train,
        val,
        epochs: int,
        lr: float | Callable[[int], float] | None = None,
        batch_size: int = 1,
        optimizer: Callable | None = None,
        seed: int = 0,
        verbose: bool = True,
    ) -> History:
        """Train with stochastic gradient descent; evaluate on ``train`` and ``val`` every epoch.

        ``train``, ``val``: :class:`nnscratch.data.Split`. ``epochs`` passes over ``train``, each in
        a fresh order drawn from ``seed``, ``batch_size`` images per update (1: per-sample SGD).
        ``lr``: plain SGD's learning rate, a number or a schedule ``epoch (1-based) -> rate``; or
        ``optimizer``, an update rule ``update(w, dw, state) -> (w, state)`` (see
        :mod:`nnscratch.optim`), hyper-parameters bound by ``functools.partial``. ``verbose``: a
        line per epoch.

        Each batch: ``forward``, ``backward``, then ``step``. Plain SGD on a network that keeps
        Network's ``backward`` and ``step`` does the same in place (:mod:`.fast`), still through
        the network's own ``forward`` and ``deltas``.
        """
        validate.train_args(self, train, val, lr, batch_size, optimizer)
        rng, states, history = np.random.default_rng(seed), {}, History()
        for epoch in range(1, epochs + 1):
            eta = (lr(epoch) if callable(lr) else lr) if optimizer is None else None
            update = optimizer if optimizer is not None else partial(sgd, lr=eta)
            order = rng.permutation(len(train))
            start = time.perf_counter()
            if optimizer is None and fast.applies_to(self):
                fast.sgd_epoch(self, train.x, train.y, order, batch_size, eta)
            else:
                for first in range(0, len(order), batch_size):
                    rows = order[first : first + batch_size]
                    grads = self.backward(*self.forward(train.x[rows]), train.y[rows])
                    self.step(grads, update, states)
            seconds = time.perf_counter() - start
            history.record(seconds, eta, self.evaluate(train), self.evaluate(val))
            if verbose:
                print(history.line(epochs), flush=True)
        return history
