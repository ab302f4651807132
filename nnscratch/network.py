"""The fully connected network of the course: forward pass, backpropagation, training (chapters 2-5).

Conventions, as in PyTorch's ``nn.Linear``:

* a batch is rows, ``X: (B, 784)``; one sample is a vector ``x: (784,)``;
* weights are ``(out, in)``: ``W1: (128, 784)``, ``W2: (64, 128)``, ``W3: (10, 64)``; optional
  biases ``b1: (128,)``, ``b2: (64,)``, ``b3: (10,)``;
* layer l computes ``z_l = a_{l-1} @ W_l.T (+ b_l)`` for a batch (``z_l = W_l @ a_{l-1}`` for one
  sample) and ``a_l = sigmoid(z_l)``, except the last layer, which applies ``softmax``;
* ``activations = [a_0 = X, a_1, ..., a_L]`` and ``zs = [z_1, ..., z_L]``; the loss is the mean
  cross-entropy of ``a_L`` against one-hot targets ``Y: (B, 10)``.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
from scipy.linalg.blas import get_blas_funcs
from threadpoolctl import threadpool_limits

from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.losses import cross_entropy, cross_entropy_grad
from nnscratch.optim import sgd

#: Standard deviation of the initial weights of a layer with ``n_in`` inputs and ``n_out`` outputs.
INIT_SCALES: dict[str, Callable[[int, int], float]] = {
    "tutorial": lambda n_in, n_out: np.sqrt(1.0 / n_out),  # the original tutorial's rule
    "xavier": lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out)),  # Glorot & Bengio (2010)
    "he": lambda n_in, n_out: np.sqrt(2.0 / n_in),  # He et al. (2015), for ReLU
}


@lru_cache(maxsize=None)
def blas_ger(dtype: np.dtype):
    """BLAS's rank-1 update ``A <- A + alpha * u v^T`` for ``dtype`` (sger for float32, dger for float64)."""
    return get_blas_funcs("ger", dtype=dtype)


@dataclass
class History:
    """What ``Network.train`` measured, one entry per epoch."""

    train_loss: list[float] = field(default_factory=list)  # mean cross-entropy on the training split
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # training time of the epoch (evaluation excluded)
    lr: list[float | None] = field(default_factory=list)  # learning rate used (None with a custom optimizer)

    @property
    def epochs(self) -> int:
        return len(self.val_accuracy)

    @property
    def best_epoch(self) -> int:
        """The (1-based) epoch with the highest validation accuracy."""
        return int(np.argmax(self.val_accuracy)) + 1


class Network:
    """A fully connected network with sigmoid hidden layers and a softmax output.

    Args:
        sizes: neurons per layer, input first, e.g. ``(784, 128, 64, 10)``.
        seed: seed of the generator that draws the initial weights.
        init: ``"xavier"``, ``"he"`` or ``"tutorial"``; see :data:`INIT_SCALES`.
        biases: add a bias vector to every layer (initialised to zero).
        dtype: ``np.float32`` (fast) or ``np.float64`` (for gradient checks).
    """

    def __init__(self, sizes: Sequence[int] = (784, 128, 64, 10), seed: int = 0, init: str = "xavier",
                 biases: bool = False, dtype: type = np.float32):
        if len(sizes) < 2 or any(int(n) != n or n < 1 for n in sizes):
            raise ValueError(f"sizes must list at least two positive layer widths, e.g. (784, 128, 64, 10); "
                             f"got {sizes!r}")
        if init not in INIT_SCALES:
            raise ValueError(f"init must be one of {sorted(INIT_SCALES)}, got {init!r}")
        self.sizes = tuple(int(n) for n in sizes)
        self.init, self.biases, self.dtype = init, bool(biases), np.dtype(dtype)
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
        return (f"Network(sizes={self.sizes}, init={self.init!r}, biases={self.biases}, "
                f"dtype={self.dtype.name})")

    def astype(self, dtype: type) -> "Network":
        """A copy of the network with every parameter cast to ``dtype``."""
        other = copy.deepcopy(self)
        other.dtype = np.dtype(dtype)
        other.params = {k: v.astype(other.dtype) for k, v in self.params.items()}
        return other

    # ------------------------------------------------------------------------------------------
    # Forward and backward
    # ------------------------------------------------------------------------------------------

    def forward(self, X: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Run a batch ``X: (B, 784)`` (or one sample ``(784,)``) through the network.

        Returns:
            ``activations = [X, a_1 (B, 128), a_2 (B, 64), a_3 (B, 10)]`` (``a_3``: softmax
            probabilities, rows summing to 1) and ``zs = [z_1 (B, 128), z_2 (B, 64), z_3 (B, 10)]``.
        """
        X = self._check_input(X, "forward")
        activations, zs = [X], []
        for l in range(1, self.num_layers + 1):
            z = activations[-1] @ self.params[f"W{l}"].T  # (B, n_{l-1}) @ (n_{l-1}, n_l) -> (B, n_l)
            if self.biases:
                z = z + self.params[f"b{l}"]  # (n_l,) broadcast over the rows
            zs.append(z)
            activations.append(softmax(z) if l == self.num_layers else sigmoid(z))
        return activations, zs

    def deltas(self, activations: list[np.ndarray], zs: list[np.ndarray], Y: np.ndarray) -> list[np.ndarray]:
        """Backpropagate the error: ``[delta_1, ..., delta_L]``, ``delta_l = dloss_i / dz_l`` per sample.

        ``delta_L = a_L - Y`` (softmax with cross-entropy), then for each hidden layer going back
        ``delta_l = (delta_{l+1} @ W_{l+1}) * sigmoid'(z_l)``; ``delta_l`` has the shape of ``z_l``.
        """
        Y = np.asarray(Y, dtype=self.dtype)
        if Y.shape != activations[-1].shape:
            raise ValueError(f"targets Y have shape {Y.shape}, but the network output has shape "
                             f"{activations[-1].shape}; pass one-hot targets (e.g. split.y), one row per input.")
        delta = cross_entropy_grad(activations[-1], Y)  # (B, 10)
        deltas = [delta]
        for l in range(self.num_layers - 1, 0, -1):
            # (B, n_{l+1}) @ (n_{l+1}, n_l) -> (B, n_l), times sigmoid'(z_l) elementwise
            delta = (delta @ self.params[f"W{l + 1}"]) * sigmoid_prime(zs[l - 1])
            deltas.append(delta)
        return deltas[::-1]

    def backward(self, activations: list[np.ndarray], zs: list[np.ndarray], Y: np.ndarray) -> dict[str, np.ndarray]:
        """Gradients of the mean cross-entropy over the batch, keyed like ``params``.

        ``dW_l = delta_l.T @ a_{l-1} / B``: the mean over the batch of the outer products
        ``outer(delta_l[i], a_{l-1}[i])``, shape ``(n_l, n_{l-1})`` like ``W_l``; ``db_l`` is the mean
        of ``delta_l``. A single sample ``(784,)`` counts as a batch of one.
        """
        grads = {}
        for l, delta in enumerate(self.deltas(activations, zs, Y), start=1):
            delta, a_prev = np.atleast_2d(delta), np.atleast_2d(activations[l - 1])
            grads[f"W{l}"] = delta.T @ a_prev / len(delta)  # (n_l, B) @ (B, n_{l-1}) -> (n_l, n_{l-1})
            if self.biases:
                grads[f"b{l}"] = delta.mean(axis=0)  # (n_l,)
        return grads

    def sgd_step(self, x: np.ndarray, y: np.ndarray, lr: float) -> None:
        """One step of per-sample SGD on a single image ``x: (784,)`` with one-hot ``y: (10,)``, in place.

        The maths is ``W_l <- W_l - lr * outer(delta_l, a_{l-1})`` with the same forward pass and
        deltas as for a batch. Only the update is done differently, for speed: ``W1 - lr * np.outer(...)``
        would build a (128, 784) temporary and then subtract it, two passes over 100,352 numbers plus an
        allocation. BLAS's rank-1 update ``ger`` does ``A <- A + alpha * u v^T`` in one pass, in place.
        It expects a column-major matrix, and ``W.T`` of our row-major ``W`` is exactly that, so
        ``ger(-lr, a_prev, delta, a=W.T)`` computes ``W.T += -lr * a_prev delta^T``, i.e.
        ``W += -lr * delta a_prev^T``.
        """
        activations, zs = self.forward(x)
        for l, delta in enumerate(self.deltas(activations, zs, y), start=1):
            W = self.params[f"W{l}"]
            if W.dtype not in (np.float32, np.float64) or not W.flags.c_contiguous:
                raise ValueError(f"params['W{l}'] must be a C-contiguous float32 or float64 array for the in-place "
                                 f"update, got {W.dtype.name}; use net.astype(np.float32) to convert the network.")
            blas_ger(W.dtype)(-lr, activations[l - 1], delta, a=W.T, overwrite_a=True)  # W -= lr * outer(delta, a_prev)
            if self.biases:
                self.params[f"b{l}"] -= lr * delta

    def sgd_batch_step(self, X: np.ndarray, Y: np.ndarray, lr: float) -> None:
        """One step of mini-batch SGD on ``X: (B, 784)`` with one-hot ``Y: (B, 10)``, in place.

        The maths is that of :meth:`backward` followed by ``sgd``: ``W_l <- W_l - lr * delta_l.T @ a_{l-1} / B``.
        Written that way, a step builds ``dW_l``, divides it by B, multiplies it by lr and subtracts it:
        four passes over W1's 100,352 numbers and two temporaries. Here the factor ``lr / B`` scales the
        small ``delta_l: (B, n_l)`` instead, the product is written into a buffer kept from step to step,
        and subtracted in place: two passes, no allocation. (Added for the benchmark of chapter 8.)
        """
        activations, zs = self.forward(X)
        scale = lr / len(activations[0])
        buffers = self.__dict__.setdefault("_step_buffers", {})
        for l, delta in enumerate(self.deltas(activations, zs, Y), start=1):
            W = self.params[f"W{l}"]
            step = buffers.get(l)
            if step is None or step.shape != W.shape or step.dtype != W.dtype:
                step = buffers[l] = np.empty_like(W)
            np.matmul((scale * delta).T, activations[l - 1], out=step)  # lr * dW_l: (n_l, n_{l-1})
            W -= step
            if self.biases:
                self.params[f"b{l}"] -= scale * delta.sum(axis=0)

    # ------------------------------------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------------------------------------

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted digit of each row of ``X: (B, 784)``: ``(B,)`` integers."""
        return self.forward(X)[0][-1].argmax(axis=-1)

    def accuracy(self, X: np.ndarray, labels: np.ndarray) -> float:
        """Fraction of rows of ``X: (B, 784)`` whose prediction equals ``labels: (B,)``, in [0, 1]."""
        labels = np.asarray(labels)
        if labels.ndim != 1:
            raise ValueError(f"accuracy expects integer labels of shape (B,), got shape {labels.shape}; "
                             "pass split.labels, or y.argmax(axis=1) for one-hot targets y.")
        if len(labels) != len(np.atleast_2d(X)):
            raise ValueError(f"accuracy: {len(np.atleast_2d(X))} inputs but {len(labels)} labels.")
        return float(np.mean(self.predict(X) == labels))

    def loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean cross-entropy of the predictions for ``X: (B, 784)`` against one-hot ``Y: (B, 10)``."""
        return cross_entropy(self.forward(X)[0][-1], np.asarray(Y, dtype=self.dtype))

    # ------------------------------------------------------------------------------------------
    # Training
    # ------------------------------------------------------------------------------------------

    def train(self, train, val, epochs: int, lr: float | Callable[[int], float] | None = None,
              batch_size: int = 1, optimizer: Callable | None = None, seed: int = 0,
              verbose: bool = True) -> History:
        """Train with stochastic gradient descent; evaluate on ``val`` after every epoch.

        Args:
            train, val: :class:`nnscratch.data.Split` objects (``x (N, 784)``, ``y (N, 10)``, ``labels (N,)``).
            epochs: passes over ``train``, each in a fresh random order.
            lr: learning rate of plain SGD: a number, or a function ``epoch (1-based) -> rate`` for a
                schedule. Leave it out when you pass ``optimizer``.
            batch_size: images per update; 1 is per-sample SGD.
            optimizer: an update rule ``update(w, dw, state) -> (w, state)`` (see :mod:`nnscratch.optim`),
                hyper-parameters bound with ``functools.partial``; default: plain SGD with ``lr``.
            seed: seed of the shuffling.
            verbose: print one line per epoch.

        Plain per-sample SGD (``optimizer=None, batch_size=1``) uses the fast in-place
        :meth:`sgd_step`, plain mini-batch SGD (``optimizer=None, batch_size > 1``) the in-place
        :meth:`sgd_batch_step`; with an optimizer, :meth:`backward` and the optimizer's update.
        """
        if optimizer is None and lr is None:
            raise ValueError("train needs a learning rate: pass lr=0.1 (plain SGD) or an optimizer.")
        if optimizer is not None and lr is not None:
            raise ValueError("pass the learning rate inside the optimizer, e.g. "
                             "optimizer=functools.partial(adam, lr=1e-3), and leave lr out.")
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        for name, split in (("train", train), ("val", val)):
            if not all(hasattr(split, a) for a in ("x", "y", "labels")):
                raise TypeError(f"{name} must be a Split with x, y and labels (see nnscratch.data.mnist_splits); "
                                f"got {type(split).__name__}")
            self._check_input(split.x[:1], f"train ({name}.x)")
        rng = np.random.default_rng(seed)
        states: dict[str, object] = {}
        history = History()
        for epoch in range(1, epochs + 1):
            eta = (lr(epoch) if callable(lr) else lr) if optimizer is None else None
            update = optimizer if optimizer is not None else (lambda w, dw, state: sgd(w, dw, state, lr=eta))
            order = rng.permutation(len(train))
            start = time.perf_counter()
            if optimizer is None and batch_size == 1:
                # One image is too little work to share between BLAS threads: on 2 cores the hand-offs
                # cost more than they save (and far more when the machine is busy), so use one thread.
                with threadpool_limits(limits=1, user_api="blas"):
                    for i in order:
                        self.sgd_step(train.x[i], train.y[i], eta)
            elif optimizer is None and type(self).backward is Network.backward:
                # plain mini-batch SGD, in place (a subclass with its own backward takes the general path)
                for first in range(0, len(order), batch_size):
                    rows = order[first:first + batch_size]
                    self.sgd_batch_step(train.x[rows], train.y[rows], eta)
            else:
                for first in range(0, len(order), batch_size):
                    rows = order[first:first + batch_size]
                    grads = self.backward(*self.forward(train.x[rows]), train.y[rows])
                    for key, grad in grads.items():
                        self.params[key], states[key] = update(self.params[key], grad, states.get(key))
            history.seconds.append(time.perf_counter() - start)
            history.lr.append(eta)
            for name, split in (("train", train), ("val", val)):
                getattr(history, f"{name}_loss").append(self.loss(split.x, split.y))
                getattr(history, f"{name}_accuracy").append(self.accuracy(split.x, split.labels))
            if verbose:
                rate = f"lr {eta:.4g}  " if eta is not None else ""
                print(f"epoch {epoch:2d}/{epochs}  {rate}train loss {history.train_loss[-1]:.4f}  "
                      f"val acc {history.val_accuracy[-1]:.4f}  {history.seconds[-1]:.2f} s", flush=True)
        return history

    # ------------------------------------------------------------------------------------------

    def _check_input(self, X: np.ndarray, where: str) -> np.ndarray:
        X = np.asarray(X, dtype=self.dtype)
        n = self.sizes[0]
        if X.ndim not in (1, 2) or X.shape[-1] != n:
            raise ValueError(f"Network.{where}: expected inputs of shape (B, {n}) or ({n},), got shape {X.shape}. "
                             f"Flatten 28x28 images to 784 values first (nnscratch.data.flatten).")
        return X
