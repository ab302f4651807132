"""The cross-entropy loss of a softmax output and its gradient (chapter 4)."""

from __future__ import annotations

import numpy as np


def cross_entropy(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean over the batch of -sum_k y_k log p_k.

    Args:
        probs: softmax outputs ``(B, 10)`` (or one sample ``(10,)``), rows summing to 1.
        y: one-hot targets of the same shape.

    A probability that underflowed to exactly 0 is raised to the smallest positive float before the
    log, so a confident mistake gives a large finite loss instead of ``inf`` and a warning.
    """
    probs, y = np.atleast_2d(probs), np.atleast_2d(y)
    if probs.shape != y.shape:
        raise ValueError(
            f"cross_entropy: probs has shape {probs.shape} but y has shape {y.shape}; pass one-hot "
            "targets with one row per prediction."
        )
    log_p = np.log(np.maximum(probs, np.finfo(probs.dtype).tiny))
    return float(-np.sum(y * log_p) / len(probs))


def cross_entropy_grad(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The output errors ``Delta_L = P - Y``: row i is ``delta_L = p - y`` of sample i, the
    gradient of its loss with respect to its logits ``z_L``, softmax included.

    Shape of ``probs``, e.g. ``(B, 10)``. The softmax Jacobian and the derivative of the log cancel
    to this simple difference (derived in chapter 4). For the *mean* loss, divide by B.
    """
    return probs - y
