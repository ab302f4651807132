"""Clear messages for bad input to :class:`~nnscratch.network.Network`: what was expected, how
to fix it.

Each function returns its input as the network uses it, or raises ``ValueError`` / ``TypeError``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def layer_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """``sizes`` as a tuple of ints: at least two positive layer widths."""
    if len(sizes) < 2 or any(int(n) != n or n < 1 for n in sizes):
        raise ValueError(
            "sizes must list at least two positive layer widths, e.g. (784, 128, 64, 10); got "
            f"{sizes!r}"
        )
    return tuple(int(n) for n in sizes)


def choice(name: str, value: str, known: Sequence[str]) -> str:
    """``value`` if it is one of ``known``."""
    if value not in known:
        raise ValueError(f"{name} must be one of {sorted(known)}, got {value!r}")
    return value


def inputs(X: np.ndarray, n: int, dtype: np.dtype, where: str) -> np.ndarray:
    """``X`` as an array of ``dtype``, a batch ``(B, n)`` or one sample ``(n,)``."""
    X = np.asarray(X, dtype=dtype)
    if X.ndim not in (1, 2) or X.shape[-1] != n:
        raise ValueError(
            f"Network.{where}: expected inputs of shape (B, {n}) or ({n},), got shape {X.shape}. "
            "Flatten 28x28 images to 784 values first (nnscratch.data.flatten)."
        )
    return X


def targets(Y: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """One-hot targets ``Y`` of the network output's ``shape``, as ``dtype``."""
    Y = np.asarray(Y, dtype=dtype)
    if Y.shape != shape:
        raise ValueError(
            f"targets Y have shape {Y.shape}, but the network output has shape {shape}; pass "
            "one-hot targets (e.g. split.y), one row per input."
        )
    return Y


def labels(labels: np.ndarray, n_inputs: int) -> np.ndarray:
    """Integer ``labels: (B,)``, one per input."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(
            f"accuracy expects integer labels of shape (B,), got shape {labels.shape}; pass "
            "split.labels, or y.argmax(axis=1) for one-hot targets y."
        )
    if len(labels) != n_inputs:
        raise ValueError(f"accuracy: {n_inputs} inputs but {len(labels)} labels.")
    return labels


def train_args(net, train, val, lr, batch_size: int, optimizer) -> None:
    """The arguments of ``Network.train``: a learning rate or an optimizer, Splits that fit."""
    if optimizer is None and lr is None:
        raise ValueError("train needs a learning rate: pass lr=0.1 (plain SGD) or an optimizer.")
    if optimizer is not None and lr is not None:
        raise ValueError(
            "pass the learning rate inside the optimizer, e.g. optimizer=functools.partial(adam, "
            "lr=1e-3), and leave lr out."
        )
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    for name, split in (("train", train), ("val", val)):
        if not all(hasattr(split, a) for a in ("x", "y", "labels")):
            raise TypeError(
                f"{name} must be a Split with x, y and labels (see nnscratch.data.mnist_splits); "
                f"got {type(split).__name__}"
            )
        inputs(split.x[:1], net.sizes[0], net.dtype, f"train ({name}.x)")
