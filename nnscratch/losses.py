"""The cross-entropy loss of a softmax output and its gradient (chapter 4)."""

from __future__ import annotations

import numpy as np


def cross_entropy(probs: np.ndarray, y: np.ndarray) -> float:
    """Mean over the batch of -sum_k y_k log p_k.

    Args:
        probs: softmax outputs ``(B, 10)`` (or one sample ``(10,)``), rows summing to 1.
        y: one-hot targets of the same shape.

    Every probability below the smallest *normal* float of its dtype (``np.finfo(dtype).tiny``,
    1.2e-38 in float32), a subnormal or an underflowed 0, is raised to it before the log. So a
    confident mistake gives a large finite loss instead of ``inf`` and a warning, but each image's
    loss is capped at ``-log(tiny)``: 87.34 in float32 (708.40 in float64), reported for every
    mistake whose true-class score trails by more than about that much (at a gap of 100 the exact
    loss is 100). The log-sum-exp form, from the scores rather than the probabilities, has no cap
    (chapter 4).
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
