"""One module of checks per exercise: ``exNN_name`` checks ``exercises/NN_name.ipynb``.

A check cell of an exercise imports one check from its exercise's module and calls it on the
learner's function or trained network::

    # Check (do not edit: the grader restores this cell).
    from nnscratch.grade.checks.ex01_relu import check_relu_prime
    check_relu_prime(relu_prime)

Checks store no expected arrays: each is a probe and a judge (:func:`.harness.probe`); the judge
tests properties, compares gradients with central differences and computes its references at
grading time (the course network, PyTorch's optimizers) on small inputs drawn from a seed: the
grade's own in a grade, :data:`.harness.SELF_CHECK_SEED` in a check cell.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

PACKAGE = __name__


def module_name(exercise: str) -> str:
    """The module of an exercise's checks: ``01_relu`` -> ``nnscratch.grade.checks.ex01_relu``."""
    return f"{PACKAGE}.ex{exercise}"


def module(exercise: str) -> ModuleType:
    """The imported module of an exercise's checks (ModuleNotFoundError when there is none)."""
    return importlib.import_module(module_name(exercise))


def declared(exercise: str) -> dict[str, Callable]:
    """The checks an exercise's module declares, by id, in the order they are defined."""
    found = (getattr(f, "check_id", None) for f in vars(module(exercise)).values())
    return {cid: getattr(module(exercise), f"check_{cid}") for cid in found if cid}


def warm(exercise: str) -> None:
    """Import ``exercise``'s checks and what their judges import (the module's ``JUDGES_IMPORT``)
    in this process: the grader's workers, forked after, inherit them. What fails to import, the
    worker meets again and reports."""
    try:
        for name in getattr(module(exercise), "JUDGES_IMPORT", ()):
            importlib.import_module(name)
    except ImportError:
        pass
