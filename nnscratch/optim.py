"""Optimizers: rules that turn a gradient into a parameter update (chapter 5).

The interface every optimizer follows, so that ``Network.train`` can use any of them::

    update(w, dw, state, **hyper) -> (w, state)

``w`` is one parameter array (e.g. ``W1: (128, 784)``), ``dw`` its gradient (same shape), ``state``
whatever the rule keeps between steps for that parameter (``None`` at the first step). The network
keeps one state per parameter key and passes hyper-parameters with ``functools.partial``, e.g.
``optimizer=partial(sgd, lr=0.1)``. Momentum, AdaGrad and Adam are built in the exercises.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def sgd(w: np.ndarray, dw: np.ndarray, state: Any = None, lr: float = 0.1) -> tuple[np.ndarray, Any]:
    """Plain gradient descent, ``w <- w - lr * dw``, in place. It keeps no state."""
    w -= lr * dw
    return w, state
