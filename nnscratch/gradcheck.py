"""Gradient checking: compare backpropagation with central differences (chapter 4).

The partial derivative of a scalar function f with respect to one entry x_i is approximated by

    (f(x + h e_i) - f(x - h e_i)) / (2 h),

whose error shrinks like h^2. In float64 with h = 1e-5 the truncation error (~h^2) and the rounding
error (~1e-16 / h) are both around 1e-10, so a correct analytic gradient agrees to a relative error
of about 1e-9 or better; a wrong one is typically off by 1e-2 or more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits


def numerical_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    h: float = 1e-5,
    indices: np.ndarray | None = None,
) -> np.ndarray:
    """Central-difference gradient of the scalar ``f(x)`` with respect to the array ``x``.

    ``x`` is changed *in place*, one entry at a time, and restored, so ``f`` may read it through
    another reference (e.g. a network's ``params["W1"]``). Use float64: in float32 the rounding
    error of ``f`` swamps the differences.

    Args:
        f: function of ``x`` returning a float.
        x: float array of any shape.
        h: step size.
        indices: flat indices of the entries to differentiate (default: all). The others stay 0.

    Returns:
        An array shaped like ``x``.
    """
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient needs a float array to perturb, got dtype {x.dtype}")
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writing to it writes to x
    if not np.shares_memory(flat, x):
        raise ValueError(
            "numerical_gradient perturbs x in place, so x must be contiguous; pass "
            "np.ascontiguousarray(x)."
        )
    gflat = grad.reshape(-1)
    # Many small evaluations of f: one BLAS thread is faster than two handing tiny jobs back and
    # forth.
    with threadpool_limits(limits=1, user_api="blas"):
        for i in range(flat.size) if indices is None else indices:
            old = flat[i]
            flat[i] = old + h
            f_plus = f(x)
            flat[i] = old - h
            f_minus = f(x)
            flat[i] = old  # restore
            gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Relative error ``||a - b|| / (||a|| + ||b||)`` of two gradients (0 when both are 0).

    A norm over the whole array, not an entry-wise maximum: entries whose true value is tiny are
    dominated by rounding error and would make an entry-wise relative error meaningless.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_network_gradients(
    net,
    X: np.ndarray,
    Y: np.ndarray,
    h: float = 1e-5,
    max_entries: int | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """Relative error between ``net.backward`` and central differences, per parameter, in float64.

    Works on a float64 copy of ``net`` (the network itself is not changed).

    Args:
        net: a :class:`nnscratch.network.Network` (or anything with ``params``, ``forward``,
            ``backward``, ``loss`` and ``astype``).
        X: inputs ``(B, n_in)`` (or one sample ``(n_in,)``); Y: one-hot targets ``(B, n_out)``.
        max_entries: check at most this many randomly chosen entries per parameter (all if None);
            e.g. 300 keeps a check of the full 784-128-64-10 net to a few seconds.
        seed: seed for choosing those entries.

    Returns:
        ``{"W1": err, "W2": err, ...}``; below about 1e-7 means the gradients agree.
    """
    net64 = net.astype(np.float64)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    analytic = net64.backward(*net64.forward(X), Y)
    rng = np.random.default_rng(seed)
    errors = {}
    for key, param in net64.params.items():
        idx = None
        if max_entries is not None and param.size > max_entries:
            idx = np.sort(rng.choice(param.size, size=max_entries, replace=False))
        numeric = numerical_gradient(lambda _: net64.loss(X, Y), param, h=h, indices=idx)
        a = analytic[key] if idx is None else analytic[key].reshape(-1)[idx]
        n = numeric if idx is None else numeric.reshape(-1)[idx]
        errors[key] = rel_error(a, n)
    return errors
