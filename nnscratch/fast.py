"""Fast plain SGD: the same maths as ``Network.backward`` then ``sgd``, with in-place updates.

``Network.train`` runs these for plain SGD (``lr=...``, no optimizer) on a network whose class keeps
``Network``'s own ``backward`` and ``step`` (they call the network's own ``forward`` and
``deltas``); any other network takes the textbook path (``backward``, then the update rule).
Chapter 13 measures both; chapter 5 checks that ``Network.train`` is its open training loop run
with :func:`sgd_step`. Only the update differs from the textbook's, never the result beyond float
rounding:

* :func:`sgd_step`, one image: ``W_l -= lr * outer(delta_l, a_{l-1})`` by BLAS's rank-1 update
  ``ger``, in one pass and in place, with one BLAS thread (:func:`one_blas_thread`);
* :func:`sgd_batch_step`, a mini-batch: ``lr * dL/dW_l`` written into a buffer kept between steps,
  then subtracted in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np
from scipy.linalg.blas import get_blas_funcs
from threadpoolctl import threadpool_limits


@cache
def blas_ger(dtype: np.dtype):
    """BLAS's rank-1 update ``A <- A + alpha * u v^T`` for ``dtype`` (sger or dger)."""
    return get_blas_funcs("ger", dtype=dtype)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit NumPy's BLAS to one thread inside the ``with`` block.

    One image is little work to share between BLAS threads: the hand-offs to a second thread and
    the waits for it can cost more than they save, and far more when the machine is busy, so
    per-sample SGD runs with one (chapter 13 measures both on the machine that builds it).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def sgd_step(net, x: np.ndarray, y: np.ndarray, lr: float) -> None:
    """One step of per-sample SGD on one image ``x: (784,)`` with one-hot ``y: (10,)``, in place.

    The maths is ``W_l <- W_l - lr * outer(delta_l, a_{l-1})`` with ``net``'s forward pass and
    deltas. ``W1 - lr * np.outer(...)`` would build a (128, 784) temporary and then subtract it: two
    passes over 100,352 numbers and an allocation. ``ger`` does ``A <- A + alpha * u v^T`` in one
    pass, in place. It expects a column-major matrix, and ``W.T`` of our row-major ``W`` is exactly
    that, so ``ger(-lr, a_prev, delta, a=W.T)`` computes ``W.T += -lr * a_prev delta^T``, that is
    ``W += -lr * delta a_prev^T``.
    """
    activations, zs = net.forward(x)
    for l, delta in enumerate(net.deltas(activations, zs, y), start=1):
        W = net.params[f"W{l}"]
        if W.dtype not in (np.float32, np.float64) or not W.flags.c_contiguous:
            raise ValueError(
                f"params['W{l}'] must be a C-contiguous float32 or float64 array for the in-place "
                f"update, got {W.dtype.name}; use net.astype(np.float32) to convert the network."
            )
        # W -= lr * outer(delta, a_prev)
        blas_ger(W.dtype)(-lr, activations[l - 1], delta, a=W.T, overwrite_a=True)
        if net.biases:
            net.params[f"b{l}"] -= lr * delta


def sgd_batch_step(
    net, X: np.ndarray, Y: np.ndarray, lr: float, buffers: dict[int, np.ndarray] | None = None
) -> None:
    """One step of mini-batch SGD on ``X: (B, 784)`` with one-hot ``Y: (B, 10)``, in place.

    The maths is ``W_l <- W_l - lr * Delta_l.T @ A_{l-1} / B``. Written that way, a step builds
    ``dL/dW_l``, divides it by B, multiplies it by lr and subtracts it: four passes over W1's
    100,352 numbers and two temporaries. Here the factor ``lr / B`` scales the small
    ``Delta_l: (B, n_l)`` instead, and the product goes into ``buffers[l]`` (created on first use;
    pass the same dict to every step of a training run), then is subtracted in place: two passes,
    no allocation.
    """
    buffers = {} if buffers is None else buffers
    activations, zs = net.forward(X)
    scale = lr / len(activations[0])
    for l, delta in enumerate(net.deltas(activations, zs, Y), start=1):
        W = net.params[f"W{l}"]
        step = buffers.get(l)
        if step is None or step.shape != W.shape or step.dtype != W.dtype:
            step = buffers[l] = np.empty_like(W)
        np.matmul((scale * delta).T, activations[l - 1], out=step)  # lr * dW_l: (n_l, n_{l-1})
        W -= step
        if net.biases:
            net.params[f"b{l}"] -= scale * delta.sum(axis=0)


def applies_to(net) -> bool:
    """True unless ``net``'s class redefines Network's ``backward`` or ``step``.

    The fast steps call ``net.forward`` and ``net.deltas``, so a subclass's own forward pass and
    deltas (exercise 1's ReLU network) run here too; a class with its own gradients or update
    (``backward``, ``step``) takes the textbook path of ``Network.train`` instead.
    """
    from nnscratch.network import Network  # here: network.py imports this module

    methods = ("backward", "step")
    return all(getattr(type(net), m) is getattr(Network, m) for m in methods)


def sgd_epoch(
    net, x: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int, lr: float
) -> None:
    """One epoch of plain SGD over the rows ``order`` of ``x (N, 784)``, ``y (N, 10)``, in place."""
    if batch_size == 1:
        with one_blas_thread():
            for i in order:
                sgd_step(net, x[i], y[i], lr)
        return
    buffers: dict[int, np.ndarray] = {}
    for first in range(0, len(order), batch_size):
        rows = order[first : first + batch_size]
        sgd_batch_step(net, x[rows], y[rows], lr, buffers)
