"""The toy network of the course: 2 inputs, 2 hidden sigmoid units, 2 softmax outputs, no biases.

Small enough to follow by hand: chapter 2 computes its forward pass number by number before the
matrix form, chapter 4 its gradients along the computational graph, chapter 9 the same gradients
with a scalar automatic differentiation. The numbers are chosen so that the first layer's weighted
sums come out round: ``z1 = W1 @ x = (0, 1)``.

Shapes follow the course network (``network.py``): weights are ``(out, in)``, one sample is a
vector, ``x: (2,)``, ``W1: (2, 2)``, ``W2: (2, 2)``, ``y: (2,)`` one-hot.
"""

from __future__ import annotations

import numpy as np

__all__ = ["toy_params", "toy_sample"]


def toy_params(dtype: type = np.float64) -> dict[str, np.ndarray]:
    """The toy network's weights ``{"W1": (2, 2), "W2": (2, 2)}``, a new copy at every call."""
    return {
        "W1": np.array([[1.0, -2.0], [0.5, 1.0]], dtype=dtype),  # (2, 2): hidden x input
        "W2": np.array([[1.0, -1.0], [-1.0, 2.0]], dtype=dtype),  # (2, 2): output x hidden
    }


def toy_sample(dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """One input ``x: (2,)`` and its one-hot target ``y: (2,)`` (the true class is 1)."""
    return np.array([1.0, 0.5], dtype=dtype), np.array([0.0, 1.0], dtype=dtype)
