"""Benchmarks: how fast this machine trains the course network, measured, in one table.

``python -m nnscratch.bench`` (about a minute; ``--quick``: seconds) trains the same network in
NumPy, PyTorch and Keras from the same weights and prints one table of epoch times, accuracies and
memory, what bounds each, and last ``numpy/pytorch epoch time ratio: R`` (:mod:`.epochs`).
``python -m nnscratch.bench --sgd`` prints chapter 5's per-sample SGD over several seeds and what
one step costs (:mod:`.sgd`). They print measurements only; the project's targets are in
CONTRIBUTING.md. Pieces: :mod:`.arithmetic` (FLOP, GEMM rates), :mod:`.memory` (resident memory),
:mod:`.machine` (load average, library threads).

The benchmarks use the course's maths (:mod:`nnscratch.network`, :mod:`nnscratch.fast`) and
frameworks (:mod:`nnscratch.frameworks`, imported only when a benchmark runs); nothing imports them.
"""

from nnscratch.bench.arithmetic import flops_per_image
from nnscratch.bench.epochs import run

__all__ = ["flops_per_image", "run"]
