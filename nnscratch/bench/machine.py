"""What the machine is doing while a benchmark runs: its load, memory, libraries and threads."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable


def load_average() -> str:
    """The 1-minute load average (processes running or waiting for a CPU), or ``n/a``."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):  # not on this platform
        return "n/a"


def busy_note() -> str | None:
    """A note when the 1-minute load average exceeds the number of CPUs (None when it does not).

    On a busy machine other processes compete for the CPUs, so timings come out slower and less
    steady than the machine can do; a page or a table measured then should say so.
    """
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on this platform
        return None
    cpus = os.cpu_count() or 1
    if load <= cpus:
        return None
    return (
        f"Note: this machine is busy (load average {load:.2f} on {cpus} CPUs): other processes "
        "compete for the CPUs, so the timings are slower and less steady than it can do."
    )


def report_load(out: Callable[[str], None] = print, width: int = 79) -> None:
    """Print the number of CPUs and the load average, then :func:`busy_note` if there is one."""
    out(f"{os.cpu_count()} CPUs, load average {load_average()}")
    note = busy_note()
    if note:
        out(textwrap.fill(note, width))


def peak_rss_mb() -> float | None:
    """The largest resident memory this process has held so far, in MB (None off Unix)."""
    try:
        import resource
    except ImportError:  # not on this platform
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def libraries() -> str:
    """NumPy, PyTorch and Keras versions and the threads each uses (imports the frameworks)."""
    import numpy as np
    import torch
    from threadpoolctl import threadpool_info

    from nnscratch.frameworks import keras_net  # imports TensorFlow, quietly

    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return (
        f"NumPy {np.__version__} (BLAS threads: {max(blas, default='?')}), PyTorch "
        f"{torch.__version__} (threads: {torch.get_num_threads()}), Keras "
        f"{keras_net.keras.__version__} (TensorFlow {keras_net.tf.__version__})."
    )
