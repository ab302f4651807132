"""Memory: the process's resident set size, sampled by a background thread (Linux)."""

from __future__ import annotations

import os
import threading
import time


class RSSSampler:
    """Samples the process's resident memory (``/proc/self/statm``) every ``interval`` seconds.

    ``peak_growth(start, windows)`` is the largest RSS seen inside the time ``windows``
    (perf_counter intervals, e.g. the training loops of the epochs) minus the RSS at ``start``: the
    memory an implementation's training adds on top of what the process already holds (the dataset,
    the libraries). It counts temporaries, buffers, framework caches and any copy of the data made
    during the call; it is blind to memory reused from pools freed earlier in the process. Linux
    only; elsewhere ``available`` is False.
    """

    def __init__(self, interval: float = 0.002):
        self.interval = interval
        self.available = os.path.exists("/proc/self/statm")
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE") if self.available else 0

    def rss(self) -> int:
        """Resident set size now, in bytes (0 where unavailable)."""
        if not self.available:
            return 0
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self._page

    def _run(self):
        while not self._stop.is_set():
            self.samples.append((time.perf_counter(), self.rss()))
            time.sleep(self.interval)

    def __enter__(self) -> RSSSampler:
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
