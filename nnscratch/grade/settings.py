"""The settings of the checks, in one place: tolerances and the accuracy each training must reach.

Quick mode (``NNSCRATCH_QUICK=1``, what ``python -m nnscratch.grade --quick`` sets) trains on 5,000
images for 1-5 epochs, so its accuracy thresholds are lower.
"""

from __future__ import annotations

from nnscratch.config import pick

#: Largest relative error of a gradient against central differences (a correct float64 gradient
#: gives about 1e-9).
GRAD_TOL = 1e-7

#: Lowest validation accuracy each training check accepts.
MIN_ACCURACY = {
    "relu": pick(full=0.95, quick=0.80),
    "biases": pick(full=0.94, quick=0.80),
    "loops": pick(full=0.93, quick=0.75),
    "loops_softmax": pick(full=0.87, quick=0.75),  # sizes (784, 10): a linear classifier
    "loops_deep": pick(full=0.85, quick=0.50),  # five sigmoid layers learn slowly
    "minibatch": pick(full=0.95, quick=0.80),
    "optimizers": pick(full=0.94, quick=0.80),
}
