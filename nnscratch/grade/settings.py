"""The settings of a grade, in one place, fixed by the grader before the learner's code runs.

A grade is *quick* (``python -m nnscratch.grade --quick``: the notebook trains on 5,000 images for
1-5 epochs, and the training checks accept lower accuracies) or *full* (the default: the settings
of the published site). The grader decides, not the notebook: it starts the kernel with
``NNSCRATCH_QUICK`` set or unset accordingly and with one BLAS thread, and the prologue it puts
before every check cell calls :func:`fix` with its :class:`Settings`. The checks read them with
:func:`current`, never from the environment or :mod:`nnscratch.config`, so a notebook that sets
``%env NNSCRATCH_QUICK=1`` or changes ``nnscratch.config`` still gets the grade's thresholds and is
evaluated on the grade's data.

Outside the grader (a learner running a check cell in Jupyter, or ``pytest --nbval-lax``, which is
a self-check and not a grade) :func:`current` follows the environment, as the notebook does.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

#: Largest relative error of a gradient against central differences. A correct float64 gradient
#: gives 1e-9 to 1e-7 (the deep sigmoid networks of exercise 3 near 1e-7), one computed in
#: float32 a few times 1e-7; a wrong one is off by far more (a missing factor, a wrong layer).
GRAD_TOL = 1e-6

#: Lowest validation accuracy each training check accepts, in a full grade and in a quick one.
MIN_ACCURACY = {
    "relu": {"full": 0.95, "quick": 0.80},
    "biases": {"full": 0.94, "quick": 0.80},
    "loops": {"full": 0.93, "quick": 0.75},
    "loops_softmax": {"full": 0.87, "quick": 0.75},  # sizes (784, 10): a linear classifier
    # Five sigmoid layers learn slowly. After 5 quick epochs the worked solution's five-layer net
    # reached 0.11-0.77 on the quick validation images depending on its random draws (240 seeds);
    # after the notebook's 10 quick epochs, 0.82 or more (about 105 seeds, measured).
    "loops_deep": {"full": 0.85, "quick": 0.70},
    "minibatch": {"full": 0.94, "quick": 0.80},
    "optimizers": {"full": 0.94, "quick": 0.80},
    "regularization": {"full": 0.92, "quick": 0.70},  # 5,000 training images (1,000 quick)
    "capstone": {"full": 0.98, "quick": 0.90},  # the validation run; teachers/grading.md
}

#: Highest test error of the capstone's ensemble, measured by the grader on the grade's test split
#: (10,000 images in a full grade, 1,000 in a quick one). 1.6% is the best single network of the
#: papers the capstone compares with. The worked solution over seeds 0-4
#: (``python -m nnscratch.bench.capstone``, README): 1.32-1.49% in full mode, 5.1-5.6% in quick.
MAX_TEST_ERROR = {"capstone": {"full": 0.016, "quick": 0.08}}

#: Seconds a grade allows each cell and each notebook (the command's defaults). Measured full
#: grades of the worked solutions are in teachers/grading.md ("How long a grade takes").
CELL_TIMEOUT, NOTEBOOK_TIMEOUT = 300.0, 900.0


@dataclass(frozen=True)
class Settings:
    """What a grade fixes: its mode, time limits and BLAS threads (per kernel)."""

    quick: bool = False
    cell_timeout: float = CELL_TIMEOUT
    notebook_timeout: float = NOTEBOOK_TIMEOUT
    threads: int = 1
    graded: bool = True  # False: a self-check outside the grader
    #: The seed of the probes' inputs (:func:`.harness.inputs_rng`): drawn per grade from
    #: ``secrets`` unless the teacher gives one (``--seed``); never sent to the kernel.
    seed: int | None = None

    @property
    def mode(self) -> str:
        return "quick" if self.quick else "full"

    def min_accuracy(self, key: str) -> float:
        """The lowest validation accuracy the training check ``key`` accepts in this mode."""
        return MIN_ACCURACY[key][self.mode]

    def max_test_error(self, key: str) -> float:
        """The highest test error the check ``key`` accepts in this mode."""
        return MAX_TEST_ERROR[key][self.mode]

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    def for_kernel(self) -> Settings:
        """What the kernel is told: these settings without the seed."""
        return replace(self, seed=None)

    def seeded(self) -> Settings:
        """These settings with a seed: their own, or one drawn now from ``secrets``."""
        import secrets

        return self if self.seed is not None else replace(self, seed=secrets.randbits(32))


_fixed: Settings | None = None


def fix(settings: Settings | str | dict) -> Settings:
    """Fix the settings of this kernel's grade (the grader's prologue calls this)."""
    global _fixed
    if isinstance(settings, str):
        settings = json.loads(settings)
    if isinstance(settings, dict):
        settings = Settings(**settings)
    _fixed = settings
    return settings


def current() -> Settings:
    """The grade's settings if the grader fixed them, else a self-check's (quick from the
    environment, as the notebook's own ``pick``)."""
    if _fixed is not None:
        return _fixed
    from nnscratch.config import is_quick

    return Settings(quick=is_quick(), graded=False)
