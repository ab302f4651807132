"""The check harness: how a check is declared, calls the learner's code and reports.

A check is a function declared with :func:`check`; its id is its name without ``check_``
(``check_relu_prime`` -> ``relu_prime``). It returns one line of detail, and the declaration prints
``PASS relu_prime: <detail>``; or it raises :class:`CheckFailed` with a message a learner can act
on: which function, which input, what was expected and what was measured. The release writes the
id into the check cell's metadata and the manifest, and the grader looks for that ``PASS`` line:
all three come from the declaration.

The helpers below call the learner's code (:func:`call`) and inspect what it returns, turning
every mistake (an exception, None, a wrong type, shape or key, NaN) into a CheckFailed.
"""

from __future__ import annotations

import contextlib
import functools
import textwrap
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

PASS = "PASS"
# A notebook's outputs fit 79 columns (the site cuts longer lines off): a long PASS line goes on
# over indented lines, which the grader reads as part of it.
WIDTH, CONTINUATION = 79, "    "


class CheckFailed(AssertionError):
    """A check found a mistake; the message says what was wrong, on which input, how to fix it."""


def pass_prefix(check_id: str) -> str:
    """The start of the line a passing check prints, e.g. ``PASS relu_prime: ``."""
    return f"{PASS} {check_id}: "


def pass_line(check_id: str, detail: str) -> str:
    """What a passing check prints: ``PASS <id>: <detail>``, wrapped to ``WIDTH`` columns."""
    return textwrap.fill(
        pass_prefix(check_id) + detail,
        width=WIDTH,
        subsequent_indent=CONTINUATION,
        break_on_hyphens=False,
        break_long_words=False,
    )


def check(fn: Callable[..., str]) -> Callable[..., None]:
    """Declare a check: its id is ``fn``'s name without ``check_``; on success it prints the PASS
    line with the detail ``fn`` returns."""
    if not fn.__name__.startswith("check_"):
        raise ValueError(f"a check's name starts with 'check_', got {fn.__name__!r}")
    check_id = fn.__name__.removeprefix("check_")

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        detail = fn(*args, **kwargs)
        if not isinstance(detail, str) or not detail:
            raise TypeError(f"check {check_id!r} returned {detail!r} instead of a line of detail")
        print(pass_line(check_id, detail))

    run.check_id = check_id
    return run


@contextlib.contextmanager
def quiet():
    """Silence NumPy and Python warnings: checks judge the values (NaN, inf), not the warnings."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def learner_line(exc: BaseException) -> str:
    """' (in relu, line 3: `return ...`)' for the innermost frame of the learner's notebook code."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if "ipykernel" in f.filename or f.filename.startswith("<ipython-input")
    ]
    if not frames:
        return ""
    f = frames[-1]
    code = f" `{f.line.strip()}`" if f.line else ""
    return f" (in {f.name}, line {f.lineno}:{code})"


def call(fn: Callable, what: str, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; any exception becomes a CheckFailed naming the call and the line."""
    if not callable(fn):
        raise CheckFailed(f"{what}: expected a function, but got {type(fn).__name__} {fn!r:.60}.")
    try:
        with quiet():
            return fn(*args, **kwargs)
    except CheckFailed:
        raise
    except NotImplementedError as exc:
        raise CheckFailed(
            f"{what} raised NotImplementedError ({exc or 'a stub'}): write that code first."
        ) from None
    except Exception as exc:  # noqa: BLE001 (the learner's code may raise anything)
        raise CheckFailed(f"{what} raised {type(exc).__name__}: {exc}{learner_line(exc)}") from None


def array(value: Any, what: str) -> np.ndarray:
    """``value`` as a numeric array, or CheckFailed if it is None or of a wrong type."""
    if value is None:
        raise CheckFailed(f"{what} is None: did the function forget to `return` its result?")
    if not isinstance(value, np.ndarray):
        if isinstance(value, (list, tuple, float, int, np.number)):
            value = np.asarray(value)
        else:
            raise CheckFailed(f"{what} should be a NumPy array, got {type(value).__name__}.")
    if value.dtype == object or not (np.issubdtype(value.dtype, np.number) or value.dtype == bool):
        raise CheckFailed(f"{what} should hold numbers, got an array of dtype {value.dtype}.")
    return value


def _hint(hint: str) -> str:
    return f" {hint}" if hint else ""


def finite(value: np.ndarray, what: str, hint: str = "") -> None:
    bad = ~np.isfinite(value)
    if bad.any():
        kind = "NaN" if np.isnan(value).any() else "inf"
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CheckFailed(
            f"{what} contains {kind} ({int(bad.sum())} of {value.size} entries), first at index "
            f"{where}.{_hint(hint)}"
        )


def shape(value: np.ndarray, expected: tuple, what: str, hint: str = "") -> None:
    if value.shape != tuple(expected):
        raise CheckFailed(
            f"{what} has shape {value.shape}, expected {tuple(expected)}.{_hint(hint)}"
        )


def pair(value: Any, what: str, names: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        length = f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""
        raise CheckFailed(
            f"{what} should return a pair {names}, got {type(value).__name__}{length}."
        )
    return tuple(value)


def keyed(value: Any, what: str, keys: list[str], hint: str = "") -> dict:
    """``value`` if it is a dict with exactly ``keys``."""
    if value is None:
        raise CheckFailed(f"{what} is None: did the function forget to `return` the dictionary?")
    if not isinstance(value, dict):
        raise CheckFailed(f"{what} should be a dict with keys {keys}, got {type(value).__name__}.")
    missing = [k for k in keys if k not in value]
    extra = [k for k in value if k not in keys]
    if missing or extra:
        parts = [f"missing {missing}" if missing else "", f"unexpected {extra}" if extra else ""]
        raise CheckFailed(
            f"{what} has keys {sorted(value)}, expected exactly {keys} "
            f"({', '.join(p for p in parts if p)}).{_hint(hint)}"
        )
    return value
