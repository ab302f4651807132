"""Activation functions and their derivatives, written so that they cannot overflow (chapter 2).

Every function works elementwise on an array of any shape and keeps its dtype; ``softmax``
normalizes along one axis (the last by default, i.e. each row of a batch ``(B, 10)``). ReLU is not
here: it is exercise 1's answer, which the learner writes (no chapter uses it).
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), computed as (1 + tanh(z / 2)) / 2.

    The two are equal for every z. The textbook form is accurate: it keeps full relative precision
    down to where ``exp(-z)`` overflows, z below about -88.7 in float32 (-709 in float64), and
    there it returns the right 1 / inf = 0 (the true value is below the smallest normal float);
    but NumPy warns at every overflow (``scipy.special.expit`` and ``torch.sigmoid`` on the CPU
    compute the same textbook form in compiled code, without a warning). ``tanh`` is bounded by 1,
    so this form never overflows or warns, for any input. Its price is the far negative tail: it
    keeps the absolute precision of numbers near 1/2, so a tiny true value loses its relative
    precision, and sigmoid(z) rounds to exactly 0 for z below about -38 in float64 (-20 in
    float32), where the true value is 3e-17 (2e-9). A piecewise form, ``exp(z) / (1 + exp(z))``
    for z < 0, has neither flaw. In float32 all three are within machine epsilon of the true value
    everywhere (chapter 2 measures it), and this network only needs the absolute error: a hidden
    unit's output is multiplied by weights and summed, never divided by or passed to a log. Above
    about +37 (+17 in float32) the forms round to exactly 1.
    """
    return 0.5 * np.tanh(0.5 * z) + 0.5


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    """d sigmoid / dz = sigmoid(z) * (1 - sigmoid(z)), without overflow for any input.

    Exactly 0 where ``sigmoid`` rounds to 0 or 1 (|z| above about 37 in float64, 17 to 20 in
    float32), where the true slope is below 1e-16 (1e-7 in float32). The tutorial's ``exp(-z) /
    (exp(-z) + 1) ** 2`` overflows instead, and returns nan below about z = -710 (chapter 2).
    """
    s = sigmoid(z)
    return s * (1 - s)


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """exp(z) / sum(exp(z)) along ``axis``, e.g. ``(B, 10)`` logits -> ``(B, 10)`` probabilities.

    Subtracting the maximum first changes nothing mathematically (the factor exp(-max) cancels) but
    makes every exponent <= 0, so ``exp`` cannot overflow; the largest term is exp(0) = 1, so the
    sum is at least 1 and the division is safe. Very negative exponents underflow to exactly 0,
    which is the correct probability to float precision (NumPy ignores underflow by default).
    """
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
