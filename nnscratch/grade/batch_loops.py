"""Whether a function that takes a batch loops over its images in Python (exercise 3's check
of ``backward``).

A vectorized batch gradient runs the same Python code for 4 images as for 16: its work on the
images happens inside NumPy's matrix products. A loop over the images (a ``for``, a comprehension,
``sum`` or ``map`` over the rows) runs some Python per image. :func:`python_events` counts what
Python runs: function calls and lines (``sys.settrace``) and calls of C functions
(``sys.setprofile``); the batch arrays handed to the function are :class:`Batch` arrays, whose
every view (a row, a slice) runs a Python method, so that even a loop in C over their rows shows.
A loop in C over plain arrays (``map(np.multiply.outer, np.asarray(D), ...)``) stays unseen.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.grade.fixtures import network, toy_batch
from nnscratch.grade.harness import CheckFailed, call
from nnscratch.network import Network


class Batch(np.ndarray):
    """An array of a batch whose every view (a row, a slice, a transpose) runs Python code, so
    that a loop over its rows shows in :func:`python_events` even when it runs in C (``map``)."""

    def __array_finalize__(self, obj: Any) -> None:  # noqa: D105
        pass


class BatchNetwork(Network):
    """A float64 network whose forward and deltas return :class:`Batch` arrays."""

    def forward(self, X):  # noqa: D102
        activations, zs = super().forward(X)
        return [np.asarray(a).view(Batch) for a in activations], [
            np.asarray(z).view(Batch) for z in zs
        ]

    def deltas(self, activations, zs, Y):  # noqa: D102
        return [np.asarray(d).view(Batch) for d in super().deltas(activations, zs, Y)]


def python_events(fn: Callable, what: str, *args: Any) -> int:
    """How much Python ``fn(*args)`` runs: function calls, lines and calls of C functions."""
    count = [0]

    def trace(frame: Any, event: str, arg: Any) -> Any:
        count[0] += 1
        return trace

    def profile(frame: Any, event: str, arg: Any) -> None:
        count[0] += event == "c_call"

    old_trace, old_profile, collecting = sys.gettrace(), sys.getprofile(), gc.isenabled()
    gc.disable()  # a collection could run Python code of its own
    sys.settrace(trace)
    sys.setprofile(profile)
    try:
        call(fn, what, *args)
    finally:
        sys.settrace(old_trace)
        sys.setprofile(old_profile)
        if collecting:
            gc.enable()
    return count[0]


def no_loop_over_images(backward: Callable) -> None:
    """CheckFailed if the Python work of ``backward(params, activations, zs, Y)`` grows with the
    number of images: a vectorized backward pass runs the same code for 4 images as for 16."""
    sizes, few, many = (6, 5, 4, 3), 4, 16
    net = network(sizes, seed=27, cls=BatchNetwork)
    events = []
    for batch in (few, few, many):  # the first call warms up (imports, caches)
        X, Y = toy_batch(sizes[0], sizes[-1], batch, seed=28)
        activations, zs = net.forward(X)
        params = {k: v.copy() for k, v in net.params.items()}
        what = f"backward(params, activations, zs, Y) for a batch of {batch}, sizes {sizes}"
        events.append(python_events(backward, what, params, activations, zs, Y.view(Batch)))
    extra = events[2] - events[1]
    if extra >= many - few:
        raise CheckFailed(
            f"backward runs more Python for {many} images than for {few} ({extra} more "
            "function calls and lines): it loops over the images, one outer product (or one "
            "row) at a time. The numbers are right, but the speed of mini-batches comes from "
            "treating the batch as a matrix: write each layer's gradient as one matrix product, "
            "Delta_l^T A_(l-1) / B, over all the images at once."
        )
