"""One epoch in NumPy, PyTorch and Keras: the benchmark's table (``python -m nnscratch.bench``).

Every implementation starts from the same initial weights (``Network(seed=0)``), trains on the same
data with plain SGD at the same learning rate, and is timed per epoch (training only: the
evaluation that ``train``/``fit`` runs after each epoch is excluded). The table's rows:

* NumPy per-sample SGD (``Network.train(batch_size=1)``, chapter 5's learning-rate schedule);
* NumPy mini-batch (``Network.train(batch_size=64)``);
* PyTorch, batch 64: ``torch_net.fit`` with index batches (the NumPy run's batches), and with the
  usual ``DataLoader`` (default collate);
* Keras, batch 64: ``keras_net.fit`` (``model.fit``).

Columns: seconds per epoch (median and fastest over the timed epochs; the first epoch of each is a
warm-up and not counted), validation accuracy after the last epoch, and peak memory growth
(:class:`~nnscratch.bench.memory.RSSSampler`). NumPy mini-batch and PyTorch epochs are interleaved,
so that a change in the machine's load hits both alike. Below the table, what bounds each: the time
the matrix products alone take at the network's shapes, and the epoch's arithmetic at the peak rate
measured here (its FLOP at the best rate NumPy reached on a large matrix product, measured several
times: before, between and after the epochs). That is a yardstick, not a bound: on a busy machine
the peak can be measured low, so a warning is printed if the products alone come out faster than it.
A note says when the machine was busy (load average above its number of CPUs). The last line is
``numpy/pytorch epoch time ratio: R``.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from nnscratch.bench.arithmetic import (
    flops_per_image,
    gemm_epoch_numpy,
    gemm_epoch_torch,
    gemm_rate,
)
from nnscratch.bench.machine import busy_note, libraries, load_average, peak_rss_mb
from nnscratch.bench.memory import RSSSampler
from nnscratch.data import mnist_splits
from nnscratch.network import Network
from nnscratch.optim import MINIBATCH_LR, SGD_SCHEDULE, step_schedule

LR = MINIBATCH_LR  # mini-batch SGD learning rate, batch 64 (all frameworks alike)
BATCH = 64
SIZES = (784, 128, 64, 10)


@dataclass
class Result:
    """One row of the table."""

    name: str
    batch: int
    lr: str
    seconds: list[float] = field(default_factory=list)  # every epoch's training time, warm-up first
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

    def __init__(self, result: Result, epoch: Callable[[int], tuple[float, float]], sampler):
        self.result, self._epoch, self._sampler = result, epoch, sampler

    def epoch(self, e: int) -> None:
        baseline = self._sampler.rss()
        start = time.perf_counter()
        seconds, accuracy = self._epoch(e)
        # the training loop ran first in the call: [start, start + seconds] (+ 2 ms, the shuffle)
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
        h = net.train(data.train, data.val, 1, lr=rate, batch_size=batch, seed=e, verbose=False)
        return h.seconds[0], h.val_accuracy[0]

    label = "chapter 5 schedule" if callable(lr) else f"{lr:g}"
    return Runner(Result(name, batch, label), epoch, sampler)


def torch_runner(name, data, params, lr, batch, loader, sampler) -> Runner:
    import torch

    from nnscratch.frameworks import torch_net

    torch.manual_seed(0)
    model = torch_net.load_params(torch_net.TorchNet(), params)

    def epoch(e):
        h = torch_net.fit(
            model,
            data.train,
            data.val,
            epochs=1,
            lr=lr,
            batch_size=batch,
            seed=e,
            loader=loader,
            verbose=False,
        )
        return h.seconds[0], h.val_accuracy[0]

    return Runner(Result(name, batch, f"{lr:g}"), epoch, sampler)


def run_keras(data, params, lr, batch, epochs, sampler) -> Result:
    """Keras in one ``fit`` call (a call per epoch would rebuild its input pipeline every time)."""
    from nnscratch.frameworks import keras_net

    model = keras_net.load_params(keras_net.build_model(), params)
    timer = keras_net.EpochTimer()
    baseline = sampler.rss()
    history = keras_net.fit(
        model,
        data.train,
        data.val,
        epochs=epochs,
        lr=lr,
        batch_size=batch,
        seed=0,
        verbose=False,
        timer=timer,
    )
    result = Result(
        "Keras, model.fit",
        batch,
        f"{lr:g}",
        seconds=list(history.seconds),
        val_accuracy=history.val_accuracy[-1],
    )
    mem = sampler.peak_growth(baseline, timer.intervals)
    if mem is not None:
        result.memory.append(mem)
    return result


def run(
    quick: bool = False,
    epochs: int | None = None,
    lr: float = LR,
    seed: int = 0,
    threads: int | None = None,
    out: Callable[[str], None] = print,
    measures: dict | None = None,
) -> dict[str, Result]:
    """Run the benchmark, print the table with ``out``, return the results by name.

    ``threads`` limits NumPy's BLAS, PyTorch and TensorFlow to that many threads (default: each
    library's own choice, usually one per core). ``measures``, if given, receives the numbers
    printed around the table: ``n_train`` (images per epoch), ``gemm_rate`` (FLOP/s, the best of
    the large products measured before, between and after the epochs), ``bound`` (the epoch's
    arithmetic at that peak rate, s), ``gemm_numpy`` and ``gemm_torch`` (the matrix products alone,
    s per epoch), ``load_before`` and ``load_after`` (load averages).
    """
    measures = {} if measures is None else measures
    import torch  # imported before timing and before the memory baseline
    from threadpoolctl import threadpool_limits

    from nnscratch.frameworks import keras_net  # imports TensorFlow, quietly

    if threads is None:
        return _run(quick, epochs, lr, seed, out, measures)
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        keras_net.tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already initialized in this process: it keeps its setting
        out("(TensorFlow was already initialized: it keeps its own number of threads)")
    try:
        with threadpool_limits(threads):  # NumPy's BLAS (and OpenMP pools)
            return _run(quick, epochs, lr, seed, out, measures)
    finally:
        torch.set_num_threads(torch_threads)


def _run(quick, epochs, lr, seed, out, measures) -> dict[str, Result]:
    epochs = epochs or (2 if quick else 6)
    data = mnist_splits(limit=3000 if quick else None)
    n = len(data.train)
    params = Network(SIZES, seed=seed).params
    load_before = load_average()
    rates = [gemm_rate(repeat=3)]  # the peak rate: the best of several, measured as we go
    with RSSSampler() as sampler:
        schedule = step_schedule(*SGD_SCHEDULE)
        per_sample = numpy_runner("NumPy per-sample SGD", data, params, schedule, 1, sampler)
        for e in range(min(epochs, 4)):  # slow: at most 4 epochs (warm-up + 3 timed)
            per_sample.epoch(e)
        minibatch = numpy_runner("NumPy mini-batch", data, params, lr, BATCH, sampler)
        torch_index = torch_runner(
            "PyTorch, index batches", data, params, lr, BATCH, "index", sampler
        )
        torch_loader = torch_runner(
            "PyTorch, DataLoader", data, params, lr, BATCH, "dataloader", sampler
        )
        for e in range(epochs):  # interleaved: load drift hits all three alike
            for runner in (minibatch, torch_index, torch_loader):
                runner.epoch(e)
            rates.append(gemm_rate(repeat=3))
        keras_result = run_keras(data, params, lr, BATCH, epochs, sampler)
    rates.append(gemm_rate(repeat=3))
    rate = max(rates)
    runners = (per_sample, minibatch, torch_index, torch_loader)
    results = {r.name: r for r in [x.result for x in runners] + [keras_result]}
    gemm_np, gemm_t = gemm_epoch_numpy(SIZES, n, BATCH), gemm_epoch_torch(SIZES, n, BATCH)
    mb, tr = minibatch.result, torch_index.result
    per_sample.result.bound = "calls + matrix-vector kernels per image (bench --sgd)"
    mb.bound = f"GEMMs {gemm_np / mb.median:.0%}, rest elementwise + calls"
    tr.bound = f"GEMMs {gemm_t / tr.median:.0%}, rest autograd/optimizer calls"
    torch_loader.result.bound = "as above + collating 64 single rows per batch"
    keras_result.bound = "per-step tf.function + tf.data dispatch"
    bound = flops_per_image(SIZES) * n / rate
    measures.update(
        n_train=n,
        gemm_rate=rate,
        bound=bound,
        gemm_numpy=gemm_np,
        gemm_torch=gemm_t,
        load_before=load_before,
        load_after=load_average(),
    )
    _print_header(out, data, seed, load_before, rate, bound)
    _print_table(out, results)
    out(
        f"Matrix products alone, one epoch at the network's shapes: NumPy {gemm_np:.3f} s, PyTorch "
        f"{gemm_t:.3f} s (small GEMMs run below the {rate / 1e9:.0f} GFLOP/s of a large one)."
    )
    if gemm_np < bound:  # a timing: reported, never asserted
        out(
            f"Warning: NumPy's products alone ({gemm_np:.3f} s) took less than the epoch's "
            f"arithmetic at the peak rate measured here ({bound:.3f} s): the large products were "
            "measured at busier moments, and the peak rate is too low."
        )
    if peak_rss_mb() is not None:
        out(
            "Peak RSS of the whole process (all of the above, libraries and data included): "
            f"{peak_rss_mb():.0f} MB."
        )
    out(
        f"NumPy mini-batch epoch / its arithmetic at the peak rate: {mb.median:.3f} / "
        f"{bound:.3f} s = {mb.median / bound:.2f}x"
    )
    out(f"numpy/pytorch epoch time ratio: {mb.median / tr.median:.2f}")
    return results


def _print_header(out, data, seed, load_before, rate, bound) -> None:
    n = len(data.train)
    out(
        f"Benchmark: 784-128-64-10 sigmoid network, float32, {n:,} training / {len(data.val):,} "
        f"validation images; same initial weights (Network(seed={seed})); plain SGD. "
        f"{os.cpu_count()} CPUs, load average {load_before} before, {load_average()} after."
    )
    out(libraries())
    out(
        f"Peak GEMM rate of NumPy here (float32 1024x1024, the best of every measurement before, "
        f"between and after the epochs): {rate / 1e9:.0f} GFLOP/s. The epoch's arithmetic at that "
        f"rate: {flops_per_image(SIZES):,} FLOP/image x {n:,} = "
        f"{flops_per_image(SIZES) * n / 1e9:.1f} GFLOP -> {bound:.3f} s."
    )
    note = busy_note()
    if note:
        out(note)
    out("")


def _print_table(out, results: dict[str, Result]) -> None:
    header = (
        f"{'implementation':<26} {'batch':>5} {'lr':>18} {'s/epoch':>8} {'min':>7} {'epochs':>6} "
        f"{'val acc':>8} {'+RSS MB':>8}  what bounds it"
    )
    out(header)
    out("-" * len(header))
    for r in results.values():
        mem = f"{max(r.memory):8.1f}" if r.memory else f"{'n/a':>8}"
        out(
            f"{r.name:<26} {r.batch:>5} {r.lr:>18} {r.median:>8.3f} {min(r.timed):>7.3f} "
            f"{len(r.seconds):>6} {r.val_accuracy:>8.4f} {mem}  {r.bound}"
        )
    out("-" * len(header))
    out(
        "s/epoch, min: median and fastest training time per epoch (the first epoch, a warm-up, is "
        "not counted; evaluation is not timed). val acc: after the last epoch."
    )
    out(
        "+RSS MB: peak resident memory during the training loops above the process's RSS just "
        "before the call (sampled every 2 ms; includes temporaries, framework caches and any copy "
        "of the data; not the dataset already loaded)."
    )
