"""The arithmetic of an epoch: FLOP per image, NumPy's GEMM rate, the matrix products alone."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np


def flops_per_image(sizes: Sequence[int] = (784, 128, 64, 10)) -> int:
    """Multiply-adds x 2 for one image, forward and backward, of a fully connected net, no biases.

    Forward ``z_l = W_l a_{l-1}``: ``2 n_l n_{l-1}`` per layer; backward ``dW_l = delta_l
    a_{l-1}^T``: the same again; and ``delta_{l-1} = W_l^T delta_l`` for every layer but the first.
    454,400 for 784-128-64-10. Elementwise work (sigmoid, softmax, the update) is O(n) and left out.
    """
    products = [n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return 2 * (2 * sum(products) + sum(products[1:]))


def timed(fn: Callable[[], object]) -> float:
    """Seconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def gemm_rate(n: int = 1024, repeat: int = 10) -> float:
    """Best float32 matrix-product rate of NumPy (its BLAS, its threads), in FLOP/s, ``n x n``."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)  # warm-up
    best = min(timed(lambda: np.matmul(a, b, out=out)) for _ in range(repeat))
    return 2 * n**3 / best


def gemm_shapes(sizes: Sequence[int], batch: int) -> list[tuple[int, int, int]]:
    """``(m, k, n)`` of the matrix products of one mini-batch step (forward, dW, deltas)."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    forward = [(batch, n_in, n_out) for n_in, n_out in layers]  # A_{l-1} @ W_l.T
    weight_grads = [(n_out, batch, n_in) for n_in, n_out in layers]  # Delta_l.T @ A_{l-1}
    deltas = [(batch, n_out, n_in) for n_in, n_out in layers[1:]]  # Delta_l @ W_l
    return forward + weight_grads + deltas


def gemm_epoch_numpy(sizes: Sequence[int], n_images: int, batch: int, repeat: int = 5) -> float:
    """Seconds that NumPy's matrix products alone take for one epoch at the network's shapes."""
    rng = np.random.default_rng(0)
    ops = [
        (rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32))
        for m, k, n in gemm_shapes(sizes, batch)
    ]
    ops = [(a, b, np.empty((a.shape[0], b.shape[1]), np.float32)) for a, b in ops]
    return _per_epoch(
        lambda: [np.matmul(a, b, out=out) for a, b, out in ops], n_images, batch, repeat
    )


def gemm_epoch_torch(sizes: Sequence[int], n_images: int, batch: int, repeat: int = 5) -> float:
    """Seconds that PyTorch's matrix products alone take for one epoch at the network's shapes."""
    import torch

    shapes = gemm_shapes(sizes, batch)
    ops = [(torch.rand(m, k), torch.rand(k, n), torch.empty(m, n)) for m, k, n in shapes]
    return _per_epoch(
        lambda: [torch.mm(a, b, out=out) for a, b, out in ops], n_images, batch, repeat
    )


def _per_epoch(step: Callable[[], object], n_images: int, batch: int, repeat: int) -> float:
    """Best-of-``repeat`` time of 100 calls of ``step`` (one batch), scaled to an epoch."""
    steps = 100

    def many():
        for _ in range(steps):
            step()

    many()  # warm-up
    return min(timed(many) for _ in range(repeat)) / steps * (n_images / batch)
