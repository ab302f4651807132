"""Optimizers: rules that turn a gradient into a parameter update (chapters 5 and 7).

The interface every optimizer follows, so that ``Network.train`` can use any of them::

    update(w, dw, state, **hyper) -> (w, state)

``w`` is one parameter array (e.g. ``W1: (128, 784)``), ``dw`` its gradient (same shape), ``state``
whatever the rule keeps between steps for that parameter (``None`` at the first step). The network
keeps one state per parameter key and passes hyper-parameters with ``functools.partial``, e.g.
``optimizer=partial(sgd, lr=0.1)``, or with L2 weight decay (chapter 8)
``optimizer=partial(sgd, lr=1.0, weight_decay=1e-4)``. Momentum, AdaGrad and Adam are built in the
exercises.

A learning-rate *schedule* (:func:`step_schedule`) is not an optimizer: it is passed as ``lr``.
:data:`SGD_SCHEDULE` is chapter 5's; the benchmark (``python -m nnscratch.bench``) uses it too.
:data:`MINIBATCH_LR` is chapter 7's rate for batches of 64, used by the later chapters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: Chapter 5's learning rates for per-sample SGD, chosen there on the validation set among a
#: constant 0.1, "0.1, then 0.01" and "0.1, 0.03, then 0.01" by the one-standard-error rule (the
#: two decaying schedules end within one standard error of each other and above the constant
#: rate; the simpler is kept): ``step_schedule(*SGD_SCHEDULE)`` gives 0.1 in epochs 1-5, then
#: 0.01. Chapter 5 asserts that this constant is the schedule it chose.
SGD_SCHEDULE = ([0.1, 0.01], [5])

#: Chapter 7's learning rate for mini-batches of 64, chosen there on the validation set: of the
#: two best rates (1 and 3) of a one-epoch grid on a slice of the training set, the one ahead
#: after ten epochs on the full set (the smaller if the two are within one standard error). The
#: later chapters train with it in NumPy, PyTorch and Keras; chapter 7 asserts that this constant
#: is the rate it chose.
MINIBATCH_LR = 1.0


def sgd(
    w: np.ndarray, dw: np.ndarray, state: Any = None, lr: float = 0.1, weight_decay: float = 0.0
) -> tuple[np.ndarray, Any]:
    """Plain gradient descent, ``w <- w - lr * dw``, in place. It keeps no state.

    ``weight_decay`` (lambda, chapter 8) adds the gradient of the L2 penalty
    ``lambda / 2 * ||w||^2``: ``w <- w - lr * (dw + lambda * w)``, which shrinks ``w`` by the factor
    ``1 - lr * lambda`` at every step besides the gradient step. Like PyTorch's
    ``SGD(weight_decay=...)``, it decays every parameter it is given, biases included on a network
    that has them (chapter 8 explains why biases are usually left out).
    """
    if weight_decay < 0:
        raise ValueError(
            f"weight_decay must be 0 or positive (it shrinks the weights), got {weight_decay!r}"
        )
    if weight_decay:
        w -= lr * (dw + weight_decay * w)
    else:
        w -= lr * dw
    return w, state


def step_schedule(rates: Sequence[float], epochs: Sequence[int]) -> Callable[[int], float]:
    """A learning-rate schedule for ``Network.train(lr=...)``: ``epoch (1-based) -> rate``.

    ``rates[0]`` for the first ``epochs[0]`` epochs, ``rates[1]`` for the next ``epochs[1]``, and so
    on; the last rate for every later epoch. E.g. ``step_schedule([0.1, 0.03, 0.01], [5, 3])`` gives
    0.1 in epochs 1-5, 0.03 in epochs 6-8 and 0.01 from epoch 9 on.
    """
    if len(rates) != len(epochs) + 1 or any(n < 1 for n in epochs):
        raise ValueError(
            "step_schedule needs one more rate than epoch counts (each >= 1), e.g. ([0.1, 0.01], "
            f"[5]); got rates={rates!r}, epochs={epochs!r}"
        )
    ends = np.cumsum(epochs)  # last epoch of each stage

    def rate(epoch: int) -> float:
        return float(rates[int(np.searchsorted(ends, epoch))])

    return rate
