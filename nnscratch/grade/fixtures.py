"""What the checks share: seeded toy problems, reference networks, test doubles, and the hints that
name a common mistake from the numbers it produces.

Everything is generated here with fixed seeds at grading time; no expected value is stored.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnscratch.data import Split
from nnscratch.gradcheck import rel_error
from nnscratch.grade.harness import CheckFailed, call
from nnscratch.network import Network

# --------------------------------------------------------------------------------------------
# Toy problems and reference networks
# --------------------------------------------------------------------------------------------


def toy_batch(n_in: int, n_out: int, batch: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random float64 inputs ``(batch, n_in)`` in [0, 1) and one-hot targets ``(batch, n_out)``."""
    rng = np.random.default_rng(seed)
    return rng.random((batch, n_in)), np.eye(n_out)[rng.integers(0, n_out, batch)]


def toy_split(n: int, seed: int, n_in: int = 6, n_out: int = 3) -> Split:
    """A :class:`~nnscratch.data.Split` of ``n`` toy samples."""
    X, Y = toy_batch(n_in, n_out, n, seed)
    return Split(X, Y, Y.argmax(axis=1))


def network(sizes: tuple[int, ...], seed: int, biases: bool = False, cls: type = Network):
    """A float64 reference network; with ``biases``, drawn at random so that they matter."""
    net = cls(sizes, seed=seed, biases=biases, dtype=np.float64)
    if biases:
        rng = np.random.default_rng(seed + 100)
        for l in range(1, len(sizes)):
            net.params[f"b{l}"] = rng.normal(0.0, 0.5, sizes[l])
    return net


def weight_keys(sizes: tuple[int, ...]) -> list[str]:
    return [f"W{l}" for l in range(1, len(sizes))]


# --------------------------------------------------------------------------------------------
# Test doubles
# --------------------------------------------------------------------------------------------


class NoBackward(Network):
    """A network whose ``backward`` is off limits, so that a check sees the learner's own code."""

    def backward(self, activations, zs, Y):  # noqa: D102
        raise CheckFailed(
            "batch_gradients called net.backward: compute the gradients yourself from net.forward "
            "and net.deltas (that is the point of the exercise)."
        )


class CountingNetwork(Network):
    """A network that records the size of every batch it runs forward."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    def forward(self, X):  # noqa: D102
        self.batches.append(len(np.atleast_2d(X)))
        return super().forward(X)


# --------------------------------------------------------------------------------------------
# Hints from the numbers
# --------------------------------------------------------------------------------------------


def gradient_ratio(mine: np.ndarray, true: np.ndarray) -> float | None:
    """The factor c when ``mine`` is about c * ``true`` (least squares), else None."""
    denom = float(np.sum(true * true))
    if denom == 0:
        return None
    c = float(np.sum(mine * true) / denom)
    return c if rel_error(mine, c * true) < 1e-6 else None


def gradient_hint(key: str, mine: np.ndarray, true: np.ndarray, batch: int) -> str:
    """A sentence naming the mistake when ``mine`` is a multiple of the true gradient, else ''."""
    c = gradient_ratio(mine, true)
    if c is None:
        return ""
    if abs(c - batch) < 1e-6 * batch:
        return (
            f" It is exactly {batch} (the batch size) times the true gradient: the loss is the "
            "*mean* over the batch, so average the per-sample gradients instead of summing them."
        )
    if abs(c + 1) < 1e-6:
        return f" It is the true gradient with the opposite sign: check the sign of d{key}."
    if abs(c) > 1e-12:
        return f" It is {c:.4g} times the true gradient: look for a missing or extra factor."
    return ""


def trained_accuracy(net: Any, val: Any, minimum: float, what: str) -> float:
    """The validation accuracy of a trained network, or CheckFailed below ``minimum``."""
    if not isinstance(net, Network):
        raise CheckFailed(
            f"{what} should be a trained network (a nnscratch Network), got {type(net).__name__}."
        )
    acc = call(net.accuracy, f"{what}.accuracy(val.x, val.labels)", val.x, val.labels)
    if not isinstance(acc, float) or not np.isfinite(acc):
        raise CheckFailed(
            f"{what}.accuracy returned {acc!r}: the network's outputs are not finite numbers. Look "
            "for NaN in the parameters (a learning rate that is too large?)."
        )
    if acc < minimum:
        raise CheckFailed(
            f"{what} reaches a validation accuracy of {acc:.4f}, below the {minimum:.2f} this "
            "exercise expects after the training in this notebook. Make the earlier checks pass "
            "first; then check the learning rate and the number of epochs."
        )
    return acc
