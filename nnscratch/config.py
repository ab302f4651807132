"""Run-time settings shared by every notebook: quick mode and seeding.

Quick mode (``NNSCRATCH_QUICK=1``) runs the *same* code on a small slice of MNIST with fewer
epochs, so the test suite stays fast. Without it, notebooks use the full settings that the
published site shows. This module is the one place that decides; notebooks call :func:`pick`.
"""

from __future__ import annotations

import os
import random
import sys
from typing import TypeVar

import numpy as np

QUICK_ENV = "NNSCRATCH_QUICK"
T = TypeVar("T")


def is_quick() -> bool:
    """True when the environment variable ``NNSCRATCH_QUICK`` is set to a true value."""
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def pick(full: T, quick: T) -> T:
    """``quick`` in quick mode, else ``full``; e.g. ``epochs = pick(full=10, quick=1)``."""
    return quick if is_quick() else full


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's global, and (if already imported) PyTorch's and Keras's generators.

    Course code passes explicit ``np.random.default_rng(seed)`` generators where it can; this is for
    the frameworks' own global state.
    """
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)
