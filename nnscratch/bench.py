"""Benchmark: the same network trained by NumPy, PyTorch and Keras in one process, on this machine.

Run ``python -m nnscratch.bench`` (about a minute) or ``--quick`` (a small slice, seconds). Every
implementation starts from the same initial weights (``Network(seed=0)``), trains on the same data with
plain SGD at the same learning rate, and is timed per epoch (training only: the evaluation that
``train``/``fit`` runs after each epoch is excluded). It prints one table:

* NumPy per-sample SGD (``Network.train(batch_size=1)``, chapter 5's learning-rate schedule);
* NumPy mini-batch (``Network.train(batch_size=64)``);
* PyTorch, batch 64: :func:`nnscratch.torch_net.fit` with index batches (the NumPy run's batches), and
  with the usual ``DataLoader`` (default collate);
* Keras, batch 64: :func:`nnscratch.keras_net.fit` (``model.fit``).

Columns: seconds per epoch (median over the timed epochs; the first epoch of each is a warm-up and
not counted), validation accuracy after the last epoch, and peak memory (see :class:`RSSSampler`).
NumPy mini-batch and PyTorch epochs are interleaved, so that a change in the machine's load hits both
alike. Below the table, what bounds each, measured: the time the matrix products alone take at the
network's shapes, against the whole epoch. The last line is ``numpy/pytorch epoch time ratio: R``.

The arithmetic bound of an epoch is its floating-point work (:func:`flops_per_image` times the number
of images; 27 GFLOP for 60,000 images, 23 GFLOP for our 51,000) at the GEMM rate NumPy reaches on
this machine, measured at the start of the run (:func:`gemm_rate`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from nnscratch.data import mnist_splits
from nnscratch.network import Network

LR = 1.0  # mini-batch SGD learning rate, batch 64 (all frameworks alike)
BATCH = 64
TARGET_RATIO, TARGET_BOUND = 0.7, 2.5


# ----------------------------------------------------------------------------------------------
# Arithmetic: FLOP per image, GEMM rate
# ----------------------------------------------------------------------------------------------


def flops_per_image(sizes: Sequence[int] = (784, 128, 64, 10)) -> int:
    """Multiply-adds x 2 for one image, forward and backward, of a fully connected net without biases.

    Forward ``z_l = W_l a_{l-1}``: ``2 n_l n_{l-1}`` per layer; backward ``dW_l = delta_l a_{l-1}^T``:
    the same again; and ``delta_{l-1} = W_l^T delta_l`` for every layer but the first. 454,400 for
    784-128-64-10. Elementwise work (sigmoid, softmax, the update) is O(n) and left out.
    """
    products = [n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return 2 * (2 * sum(products) + sum(products[1:]))


def gemm_rate(n: int = 1024, repeat: int = 10) -> float:
    """Best float32 matrix-product rate of NumPy (its BLAS, default threads), in FLOP/s, for ``n x n``."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    out = np.empty((n, n), dtype=np.float32)
    np.matmul(a, b, out=out)  # warm-up
    best = min(_timed(lambda: np.matmul(a, b, out=out)) for _ in range(repeat))
    return 2 * n**3 / best


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _gemm_shapes(sizes: Sequence[int], batch: int) -> list[tuple[int, int, int]]:
    """``(m, k, n)`` of the matrix products of one mini-batch step (forward, dW, deltas)."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    forward = [(batch, n_in, n_out) for n_in, n_out in layers]  # a_{l-1} @ W_l.T
    weight_grads = [(n_out, batch, n_in) for n_in, n_out in layers]  # delta_l.T @ a_{l-1}
    deltas = [(batch, n_out, n_in) for n_in, n_out in layers[1:]]  # delta_l @ W_l
    return forward + weight_grads + deltas


def gemm_epoch_numpy(sizes: Sequence[int], n_images: int, batch: int, repeat: int = 5) -> float:
    """Seconds that NumPy's matrix products alone take for one epoch at the network's shapes."""
    rng = np.random.default_rng(0)
    ops = [(rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32), np.empty((m, n), np.float32))
           for m, k, n in _gemm_shapes(sizes, batch)]
    steps = 100

    def run():
        for _ in range(steps):
            for a, b, out in ops:
                np.matmul(a, b, out=out)

    run()
    return min(_timed(run) for _ in range(repeat)) / steps * (n_images / batch)


def gemm_epoch_torch(sizes: Sequence[int], n_images: int, batch: int, repeat: int = 5) -> float:
    """Seconds that PyTorch's matrix products alone take for one epoch at the network's shapes."""
    import torch

    ops = [(torch.rand(m, k), torch.rand(k, n), torch.empty(m, n)) for m, k, n in _gemm_shapes(sizes, batch)]
    steps = 100

    def run():
        for a, b, out in ops:
            torch.mm(a, b, out=out)

    def many():
        for _ in range(steps):
            run()

    many()
    return min(_timed(many) for _ in range(repeat)) / steps * (n_images / batch)


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Share of all CPUs that *other* programs kept busy during ``seconds`` (Linux ``/proc/stat``).

    0 on an idle machine, 1 when every core is taken. The CPU time of this process in the same
    interval (e.g. BLAS threads still spinning after the last product) is subtracted. None where
    ``/proc/stat`` does not exist.
    """
    def read() -> tuple[int, int, float]:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
        own = os.times()
        return sum(values), idle, own.user + own.system

    try:
        total0, idle0, own0 = read()
        time.sleep(seconds)
        total1, idle1, own1 = read()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = max(total1 - total0, 1)
    busy = (total - (idle1 - idle0)) - (own1 - own0) * ticks
    return min(max(busy / total, 0.0), 1.0)


# ----------------------------------------------------------------------------------------------
# Memory: resident set size sampled by a background thread
# ----------------------------------------------------------------------------------------------


class RSSSampler:
    """Samples the process's resident memory (``/proc/self/statm``) every ``interval`` seconds.

    ``peak_growth(start, windows)`` is the largest RSS seen inside the time ``windows`` (perf_counter
    intervals, e.g. the training loops of the epochs) minus the RSS at ``start``: the memory an
    implementation's training adds on top of what the process already holds (the dataset, the
    libraries). It counts temporaries, buffers, framework caches and any copy of the data made
    during the call; it is blind to memory reused from pools freed earlier in the process.
    Linux only; elsewhere ``available`` is False.
    """

    def __init__(self, interval: float = 0.002):
        self.interval = interval
        self.available = os.path.exists("/proc/self/statm")
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE") if self.available else 0

    def rss(self) -> int:
        """Resident set size now, in bytes."""
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self._page

    def _run(self):
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), self.rss()))
            time.sleep(self.interval)

    def __enter__(self) -> "RSSSampler":
        if self.available:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self.available:
            self._thread.join()

    def peak_growth(self, baseline: int, windows: list[tuple[float, float]]) -> float | None:
        """Peak RSS inside ``windows`` minus ``baseline``, in MB (None when unavailable)."""
        if not self.available:
            return None
        inside = [rss for t, rss in list(self.samples) if any(a <= t <= b for a, b in windows)]
        return (max(inside) - baseline) / 2**20 if inside else 0.0


# ----------------------------------------------------------------------------------------------
# The implementations, one epoch at a time
# ----------------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    batch: int
    lr: str
    seconds: list[float] = field(default_factory=list)  # training time of every epoch, warm-up first
    val_accuracy: float = float("nan")
    memory: list[float] = field(default_factory=list)  # peak RSS growth per call, MB
    bound: str = ""

    @property
    def timed(self) -> list[float]:
        """The epochs that count: all but the warm-up."""
        return self.seconds[1:] or self.seconds

    @property
    def median(self) -> float:
        return statistics.median(self.timed)


class Runner:
    """Trains one implementation one epoch per call, recording time, accuracy and memory."""

    def __init__(self, result: Result, epoch: Callable[[int], tuple[float, float]], sampler: RSSSampler):
        self.result, self._epoch, self._sampler = result, epoch, sampler

    def epoch(self, e: int) -> None:
        baseline = self._sampler.rss() if self._sampler.available else 0
        start = time.perf_counter()
        seconds, accuracy = self._epoch(e)
        # the training loop ran first in the call: [start, start + seconds] (+ 2 ms for the shuffle)
        mem = self._sampler.peak_growth(baseline, [(start, start + seconds + 0.002)])
        self.result.seconds.append(seconds)
        self.result.val_accuracy = accuracy
        if mem is not None:
            self.result.memory.append(mem)


def numpy_runner(name, data, params, lr, batch, sampler) -> Runner:
    net = Network(dtype=np.float32)
    net.params = {k: v.copy() for k, v in params.items()}

    def epoch(e):
        rate = lr(e + 1) if callable(lr) else lr  # schedules are 1-based
        h = net.train(data.train, data.val, epochs=1, lr=rate, batch_size=batch, seed=e, verbose=False)
        return h.seconds[0], h.val_accuracy[0]

    label = "chapter 5 schedule" if callable(lr) else f"{lr:g}"
    return Runner(Result(name, batch, label), epoch, sampler)


def torch_runner(name, data, params, lr, batch, loader, sampler) -> Runner:
    import torch

    from nnscratch.frameworks import torch_net

    torch.manual_seed(0)
    model = torch_net.load_params(torch_net.TorchNet(), params)

    def epoch(e):
        h = torch_net.fit(model, data.train, data.val, epochs=1, lr=lr, batch_size=batch, seed=e,
                          loader=loader, verbose=False)
        return h.seconds[0], h.val_accuracy[0]

    return Runner(Result(name, batch, f"{lr:g}"), epoch, sampler)


def run_keras(data, params, lr, batch, epochs, sampler) -> Result:
    """Keras in one ``fit`` call (a call per epoch would rebuild its input pipeline every time)."""
    from nnscratch.frameworks import keras_net

    model = keras_net.load_params(keras_net.build_model(), params)
    timer = keras_net.EpochTimer()
    baseline = sampler.rss() if sampler.available else 0
    history = keras_net.fit(model, data.train, data.val, epochs=epochs, lr=lr, batch_size=batch, seed=0,
                            verbose=False, timer=timer)
    result = Result("Keras, model.fit", batch, f"{lr:g}", seconds=list(history.seconds),
                    val_accuracy=history.val_accuracy[-1])
    mem = sampler.peak_growth(baseline, timer.intervals)
    if mem is not None:
        result.memory.append(mem)
    return result


# ----------------------------------------------------------------------------------------------
# The benchmark
# ----------------------------------------------------------------------------------------------


def run(quick: bool = False, epochs: int | None = None, lr: float = LR, seed: int = 0, threads: int | None = None,
        out: Callable[[str], None] = print) -> dict[str, Result]:
    """Run the benchmark, print the table with ``out``, return the results by name.

    ``threads`` limits NumPy's BLAS, PyTorch and TensorFlow to that many threads (default: each
    library's own choice, usually one per core).
    """
    import torch  # imported before timing and before the memory baseline
    from threadpoolctl import threadpool_limits

    from nnscratch.frameworks import keras_net  # imports TensorFlow, quietly

    if threads is None:
        return _run(quick, epochs, lr, seed, out)
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        keras_net.tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already initialised in this process: it keeps its setting
        out("(TensorFlow was already initialised: it keeps its own number of threads)")
    try:
        with threadpool_limits(threads):  # NumPy's BLAS (and OpenMP pools)
            return _run(quick, epochs, lr, seed, out)
    finally:
        torch.set_num_threads(torch_threads)


def _run(quick: bool, epochs: int | None, lr: float, seed: int, out: Callable[[str], None]) -> dict[str, Result]:
    import torch

    from nnscratch.frameworks import keras_net
    from nnscratch.bench_sgd import SCHEDULE
    from nnscratch.optim import step_schedule

    epochs = epochs or (2 if quick else 6)
    data = mnist_splits(limit=3000 if quick else None)
    n = len(data.train)
    sizes = (784, 128, 64, 10)
    params = Network(sizes, seed=seed).params
    busy_before = cpu_busy()
    rate = gemm_rate()
    flop_epoch = flops_per_image(sizes) * n
    bound = flop_epoch / rate

    with RSSSampler() as sampler:
        per_sample = numpy_runner("NumPy per-sample SGD", data, params, step_schedule(*SCHEDULE), 1, sampler)
        for e in range(min(epochs, 4)):  # slow: at most 4 epochs (warm-up + 3 timed)
            per_sample.epoch(e)
        minibatch = numpy_runner("NumPy mini-batch", data, params, lr, BATCH, sampler)
        torch_index = torch_runner("PyTorch, index batches", data, params, lr, BATCH, "index", sampler)
        torch_loader = torch_runner("PyTorch, DataLoader", data, params, lr, BATCH, "dataloader", sampler)
        for e in range(epochs):  # interleaved: load drift hits all three alike
            for runner in (minibatch, torch_index, torch_loader):
                runner.epoch(e)
        keras_result = run_keras(data, params, lr, BATCH, epochs, sampler)

    results = {r.name: r for r in (per_sample.result, minibatch.result, torch_index.result, torch_loader.result,
                                   keras_result)}
    gemm_np = gemm_epoch_numpy(sizes, n, BATCH)
    gemm_t = gemm_epoch_torch(sizes, n, BATCH)
    busy_after = cpu_busy()

    per_sample.result.bound = "Python/NumPy calls per image (see nnscratch.bench_sgd)"
    minibatch.result.bound = f"GEMMs {gemm_np / minibatch.result.median:.0%}, rest elementwise + calls"
    torch_index.result.bound = f"GEMMs {gemm_t / torch_index.result.median:.0%}, rest autograd/optimizer calls"
    torch_loader.result.bound = "as above + collating 64 single rows per batch"
    keras_result.bound = "per-step tf.function + tf.data dispatch"

    busy = "n/a" if busy_before is None else f"{busy_before:.0%} before, {busy_after:.0%} after"
    out(f"Benchmark: 784-128-64-10 sigmoid network, float32, {n:,} training / {len(data.val):,} validation "
        f"images; same initial weights (Network(seed={seed})); plain SGD. {os.cpu_count()} CPUs, kept busy "
        f"by other programs: {busy}.")
    from threadpoolctl import threadpool_info

    blas_threads = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default="?")
    if busy_before is not None and max(busy_before, busy_after) > 0.25:
        out("WARNING: other programs kept the CPUs busy: multi-threaded timings can be several times too slow. "
            "Rerun on an idle machine, or with --threads 1.")
    out(f"NumPy {np.__version__} (BLAS threads: {blas_threads}), PyTorch {torch.__version__} "
        f"(threads: {torch.get_num_threads()}), Keras {keras_net.keras.__version__} "
        f"(TensorFlow {keras_net.tf.__version__}).")
    out(f"GEMM rate of NumPy here (float32 {1024}x{1024}, best of 10): {rate / 1e9:.0f} GFLOP/s. "
        f"Arithmetic bound of an epoch: {flops_per_image(sizes):,} FLOP/image x {n:,} = "
        f"{flop_epoch / 1e9:.1f} GFLOP -> {bound:.3f} s.")
    out("")
    header = (f"{'implementation':<26} {'batch':>5} {'lr':>18} {'s/epoch':>8} {'min':>7} {'epochs':>6} {'val acc':>8} "
              f"{'+RSS MB':>8}  what bounds it")
    out(header)
    out("-" * len(header))
    for r in results.values():
        mem = f"{max(r.memory):8.1f}" if r.memory else f"{'n/a':>8}"
        out(f"{r.name:<26} {r.batch:>5} {r.lr:>18} {r.median:>8.3f} {min(r.timed):>7.3f} {len(r.seconds):>6} "
            f"{r.val_accuracy:>8.4f} {mem}  {r.bound}")
    out("-" * len(header))
    out("s/epoch, min: median and fastest training time per epoch (the first epoch, a warm-up, is not counted; "
        "evaluation is not timed). val acc: after the last epoch.")
    out("+RSS MB: peak resident memory during the training loops above the process's RSS just before the call "
        "(sampled every 2 ms; includes temporaries, framework caches and any copy of the data; not the dataset "
        "already loaded).")
    out(f"Matrix products alone, one epoch at the network's shapes: NumPy {gemm_np:.3f} s, PyTorch {gemm_t:.3f} s "
        f"(small GEMMs run below the {rate / 1e9:.0f} GFLOP/s of a large one).")
    try:
        import resource  # Unix only

        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        out(f"Peak RSS of the whole process (all of the above, libraries and data included): {maxrss:.0f} MB.")
    except ImportError:
        pass
    ratio_bound = minibatch.result.median / bound
    out(f"NumPy mini-batch epoch / arithmetic bound: {minibatch.result.median:.3f} / {bound:.3f} s = "
        f"{ratio_bound:.2f}x (target <= {TARGET_BOUND}x: {'met' if ratio_bound <= TARGET_BOUND else 'NOT met'})")
    ratio = minibatch.result.median / torch_index.result.median
    out(f"target numpy/pytorch <= {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'NOT met'}")
    out(f"numpy/pytorch epoch time ratio: {ratio:.2f}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnscratch.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3,000 training images, 2 epochs (seconds)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per implementation (default 6; quick 2)")
    parser.add_argument("--lr", type=float, default=LR, help=f"mini-batch learning rate (default {LR})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights (default 0)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for NumPy's BLAS, PyTorch and TensorFlow (default: the libraries' own)")
    args = parser.parse_args(argv)
    if args.epochs is not None and args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch is a warm-up)")
    run(quick=args.quick, epochs=args.epochs, lr=args.lr, seed=args.seed, threads=args.threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
