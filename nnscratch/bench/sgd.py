"""Per-sample SGD: accuracy over several seeds, and what one step costs (``--sgd`` mode).

``python -m nnscratch.bench --sgd`` (5 seeds x 10 epochs, a few minutes; ``--quick``: seconds, on
5,000 images) trains the 784-128-64-10 sigmoid network with chapter 5's settings (Xavier init, no
biases, one image per step, :data:`nnscratch.optim.SGD_SCHEDULE`), 10 epochs in one call per seed,
and prints one table, a row per seed: the best epoch and its validation accuracy, the accuracy
after the last epoch, and the median training time per epoch, also scaled to 59,500 images (the
training split of the original tutorial; ours has 51,000). Below it, what one step costs: with one
BLAS thread per core (:func:`step_threads`) and, in :func:`speed_breakdown`, with one thread, its
forward pass alone, the same step on a 1-1-1-1 network (the same Python and NumPy calls with almost
no arithmetic) and the BLAS kernels alone (chapter 13). Which of these is largest depends on the
machine and its load, so the command prints their shares of a step and no verdict; the load
average is printed with them, and a note when the machine is busy."""

from __future__ import annotations

import os
import statistics
import timeit
from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from nnscratch.bench.machine import busy_note, load_average
from nnscratch.data import mnist_splits
from nnscratch.fast import blas_ger, one_blas_thread, sgd_step
from nnscratch.network import Network
from nnscratch.optim import SGD_SCHEDULE, step_schedule

TUTORIAL_IMAGES = 59_500  # images per epoch in the original tutorial


def per_image(fn, n: int, repeat: int) -> float:
    """Best-of-``repeat`` seconds per call of ``fn(i)`` over ``i = 0..n-1``.

    The minimum over several short passes is the figure least disturbed by other work.
    """
    return min(timeit.repeat(lambda: [fn(i) for i in range(n)], number=1, repeat=repeat)) / n


def speed_breakdown(x: np.ndarray, y: np.ndarray, repeat: int = 5) -> list[tuple[str, float]]:
    """Seconds per image of per-sample SGD and of its parts, on ``x (n, 784)``, ``y (n, 10)``.

    Returns ``(name, seconds per image)`` rows, all with one BLAS thread: the step, the same maths
    with an ``np.outer`` update, the forward pass alone, the step on a 1-1-1-1 network (call
    overhead with almost no arithmetic), and the eight BLAS kernels of a step called directly.
    """
    n, rows = len(x), []
    net = Network(seed=0)
    with one_blas_thread():
        rows.append(
            (
                "sgd_step, 1 BLAS thread (as in Network.train)",
                per_image(lambda i: sgd_step(net, x[i], y[i], 0.01), n, repeat),
            )
        )

        def straightforward(i):  # the same maths with W -= lr * np.outer(delta, a_prev)
            activations, zs = net.forward(x[i])
            for l, delta in enumerate(net.deltas(activations, zs, y[i]), start=1):
                net.params[f"W{l}"] -= np.float32(0.01) * np.outer(delta, activations[l - 1])

        rows.append(
            (
                "  same, update with np.outer (straightforward)",
                per_image(straightforward, n, repeat),
            )
        )
        rows.append(("  forward pass alone", per_image(lambda i: net.forward(x[i]), n, repeat)))
        tiny = Network((1, 1, 1, 1), seed=0)
        x1, y1 = np.ones((n, 1), np.float32), np.ones((n, 1), np.float32)
        rows.append(
            (
                "  Python + NumPy call overhead: sgd_step on a 1-1-1-1 net",
                per_image(lambda i: sgd_step(tiny, x1[i], y1[i], 0.01), n, repeat),
            )
        )
        W1, W2, W3 = (net.params[k] for k in ("W1", "W2", "W3"))
        a1, a2, d1, d2, d3 = (np.full(m, 0.5, np.float32) for m in (128, 64, 128, 64, 10))
        ger = blas_ger(W1.dtype)

        def kernels(i):  # forward GEMVs, backward GEMVs, rank-1 updates; no elementwise work
            W1 @ x[i], W2 @ a1, W3 @ a2
            d3 @ W3, d2 @ W2
            ger(-1e-9, x[i], d1, a=W1.T, overwrite_a=True)
            ger(-1e-9, a1, d2, a=W2.T, overwrite_a=True)
            ger(-1e-9, a2, d3, a=W3.T, overwrite_a=True)

        rows.append(("  BLAS kernels alone: 5 GEMV + 3 GER", per_image(kernels, n, repeat)))
    return rows


def step_threads(
    x: np.ndarray, y: np.ndarray, threads: Sequence[int] = (1, 2), repeat: int = 5
) -> dict[int, float]:
    """Seconds per image of :func:`~nnscratch.fast.sgd_step` with NumPy's BLAS limited to each
    number of ``threads`` (``Network.train`` itself always uses one for per-sample SGD)."""
    net = Network(seed=0)
    times = {}
    for n in threads:
        with threadpool_limits(limits=n, user_api="blas"):
            times[n] = per_image(lambda i: sgd_step(net, x[i], y[i], 0.01), len(x), repeat)
    return times


def run(quick: bool = False, seeds: int | None = None, epochs: int | None = None) -> None:
    """Print the per-seed table and the cost of one step."""
    seeds = range(seeds or (2 if quick else 5))
    epochs = epochs or (1 if quick else 10)
    data = mnist_splits(limit=5000 if quick else None)
    train, val = data.train, data.val
    rates, ends = SGD_SCHEDULE
    print(
        f"Per-sample SGD, 784-128-64-10 sigmoid, Xavier init, no biases; lr {rates} after epochs "
        f"{ends}; {len(train):,} training / {len(val):,} validation images; NumPy "
        f"{np.__version__}; {os.cpu_count()} CPUs; load average {load_average()}"
    )
    note = busy_note()
    if note:
        print(note)
    print()
    print(
        f"{'seed':>4} | {'best epoch':>10} | {'best val acc':>12} | "
        f"{f'val acc, epoch {epochs}':>18} | {'s/epoch (median)':>16} | "
        f"{f's per {TUTORIAL_IMAGES:,}':>12}"
    )
    print("-" * 89)
    finals, per_epoch = [], []
    for seed in seeds:
        history = Network(seed=seed).train(
            train, val, epochs=epochs, lr=step_schedule(*SGD_SCHEDULE), seed=seed, verbose=False
        )
        seconds = statistics.median(history.seconds)
        finals.append(history.val_accuracy[-1])
        per_epoch.append(seconds)
        print(
            f"{seed:>4} | {history.best_epoch:>10} | {max(history.val_accuracy):>12.4f} | "
            f"{history.val_accuracy[-1]:>18.4f} | {seconds:>16.2f} | "
            f"{seconds / len(train) * TUTORIAL_IMAGES:>12.2f}",
            flush=True,
        )
    print("-" * 89)
    print(
        f"final validation accuracy over {len(finals)} seeds: min {min(finals):.4f}, median "
        f"{statistics.median(finals):.4f}, max {max(finals):.4f}; seconds per "
        f"{TUTORIAL_IMAGES:,}-image epoch (median over seeds): "
        f"{statistics.median(per_epoch) / len(train) * TUTORIAL_IMAGES:.2f}"
    )
    print()
    n, repeat = (1000, 3) if quick else (2000, 10)
    rows = speed_breakdown(train.x[:n], train.y[:n], repeat)
    print(
        f"What one step costs (best of {repeat} passes over {n:,} images; "
        f"load average {load_average()})"
    )
    print(f"{'':58} | {'us/image':>8} | {f's per {TUTORIAL_IMAGES:,}':>12}")
    print("-" * 86)
    cores = os.cpu_count() or 1
    if cores > 1:  # the same step with one BLAS thread per core
        t = step_threads(train.x[:n], train.y[:n], (cores,), repeat)[cores]
        name = f"sgd_step, {cores} BLAS threads"
        print(f"{name:58} | {t * 1e6:>8.1f} | {t * TUTORIAL_IMAGES:>12.2f}")
    for name, t in rows:
        print(f"{name:58} | {t * 1e6:>8.1f} | {t * TUTORIAL_IMAGES:>12.2f}")
    step, forward, overhead, kernels = (rows[i][1] for i in (0, 2, 3, 4))
    print("-" * 86)
    print(
        f"shares of a step: forward pass {forward / step:.0%}, call overhead "
        f"{overhead / step:.0%}, BLAS kernels {kernels / step:.0%} (the last two overlap)"
    )
