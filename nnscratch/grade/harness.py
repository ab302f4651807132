"""The check harness: how a check is declared, calls the learner's code and reports.

A check is declared with :func:`probe` as three functions (issue 23): ``inputs(rng)`` draws what
the learner's code is called on; the *probe*, named ``check_<id>`` (its id is the name without
``check_``), calls the learner's code on them in the learner's kernel and returns what it measured
as plain data (:mod:`.plain`); the *judge* decides from the inputs and those outputs alone, and
returns one line of detail (printed as ``PASS <id>: <detail>``) or raises :class:`CheckFailed` with
a message a learner can act on: which function, which input, what was expected and what was
measured. A check cell runs all three in its kernel (instant feedback); a grade runs ``inputs`` and
the judge in the grader, from a seed of its own, and only the probe in the kernel
(:func:`serve_probe`, :class:`.verdict.Probe`). The release writes the id into the check cell's
metadata and the manifest.

The helpers below call the learner's code (:func:`call`) and inspect what it returns, turning
every mistake (an exception, None, a wrong type, shape or key, NaN) into a CheckFailed; check that
the inputs a contract says to leave alone are unchanged (:func:`unchanged`); and make sure that a
function the learner writes runs the learner's own code: :func:`forbidden` makes the package's (or a
library's) equivalents raise while it runs, however they are reached (a method, ``super()``, an
unbound ``Network.backward(net, ...)``, a name imported earlier). Those contracts are checked by
the probes, in the kernel, the only place they can be seen; a determined learner can switch them
off there (``teachers/guarantees.md``), but not a verdict on values.

A check cell also records its pass in ``nnscratch.grade.PASSED``, the kernel's own record of its
self-checks, which the grader does not read.
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

    def _render_traceback_(self) -> list[str]:
        """What Jupyter shows: the message alone, not the check's own code (IPython's hook)."""
        return [f"CheckFailed: {self}"]


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


#: The default seed of a check's inputs in a self-check (a check cell run in JupyterLab, nbval,
#: the tests). A grade draws its own seed (:attr:`.settings.Settings.seed`) and never tells the
#: notebook.
SELF_CHECK_SEED = 0


def inputs_rng(check_id: str, seed: int | None) -> np.random.Generator:
    """The generator of a check's inputs: one stream per check and seed."""
    import zlib

    seed = SELF_CHECK_SEED if seed is None else int(seed)
    return np.random.default_rng([seed, zlib.crc32(check_id.encode())])


def probe(
    inputs: Callable[[np.random.Generator], dict], judge: Callable[[dict, Any], str]
) -> Callable[[Callable[..., Any]], Callable[..., None]]:
    """Declare a check as a probe and a judge (issue 23: the verdict is not the kernel's).

    The decorated function is the *probe*, named ``check_<id>``: ``probe(*learner_objects,
    inputs)`` calls the learner's code on ``inputs`` and returns what it measured as plain data
    (:mod:`.plain`); it may raise CheckFailed for what only the kernel can see (an input changed,
    the package's function called instead of the learner's). ``inputs(rng)`` draws the probe's
    inputs (arrays, numbers, initial weights) from ``rng``; ``judge(inputs, outputs)`` decides,
    from those inputs and the probe's plain outputs alone, and returns the PASS line's detail or
    raises CheckFailed. The judge must treat ``outputs`` as untrusted (any structure, shape or
    dtype).

    A check cell (JupyterLab, nbval) runs all three in its kernel, with the inputs of
    :data:`SELF_CHECK_SEED`, through the same plain-data round trip as a grade. The grader draws the
    inputs from its own seed, sends them to the probe in the learner's kernel
    (:func:`serve_probe`), and runs the judge in its own process (:mod:`.runner`).
    """

    def declare(fn: Callable[..., Any]) -> Callable[..., None]:
        if not fn.__name__.startswith("check_"):
            raise ValueError(f"a check's name starts with 'check_', got {fn.__name__!r}")
        check_id = fn.__name__.removeprefix("check_")

        @functools.wraps(fn)
        def run(*args: Any) -> None:
            from nnscratch.grade import plain

            passed = _passed_record()
            passed.pop(check_id, None)
            given = plain.roundtrip(inputs(inputs_rng(check_id, None)))
            with quiet():
                measured = plain.roundtrip(fn(*args, given))
            detail = judged(run, given, measured)
            passed[check_id] = detail
            print(pass_line(check_id, detail))

        run.check_id, run.inputs, run.probe, run.judge = check_id, inputs, fn, judge
        return run

    return declare


def judged(split: Callable, given: dict, measured: Any) -> str:
    """The judge's detail for the probe's ``measured`` outputs on ``given`` inputs; raises
    CheckFailed for a wrong answer, and for outputs it cannot read (a value of the wrong type,
    shape or structure: the judge's own error, named, never a crash of the grader)."""
    try:
        with quiet():
            detail = split.judge(given, measured)
    except CheckFailed:
        raise
    except Exception as exc:  # noqa: BLE001 (the outputs are untrusted: any mistake in them)
        raise CheckFailed(
            f"the values returned for this check could not be judged ({type(exc).__name__}: "
            f"{str(exc)[:200]}): return what the exercise asks, in the form it asks."
        ) from None
    if not isinstance(detail, str) or not detail:
        raise TypeError(f"the judge of {split.check_id!r} returned {detail!r}, not a line")
    return detail


#: The MIME type of the display a probe sends the grader: ``<nonce>:<base64 of the .npz>``.
PROBE_MIME = "application/x-nnscratch-probe"


def serve_probe(exercise: str, check_id: str, nonce: str, blob: str, *args: Any) -> None:
    """Run a check's probe in the kernel for the grader: read the grader's inputs (``blob``: base64
    of plain data), call the probe on the learner's ``args``, and display its outputs (or the
    CheckFailed it raised) as plain data bound to ``nonce``. Nothing here decides a verdict."""
    import base64

    from IPython.display import display

    from nnscratch.grade import checks, plain

    split = checks.declared(exercise)[check_id]
    given = plain.decode(base64.b64decode(blob))
    try:
        with quiet():
            result = {"outputs": split.probe(*args, given)}
    except CheckFailed as failed:
        result = {"failed": str(failed)[:2000]}  # a message, however long the learner's error
    data = plain.encode({"nonce": nonce, "check": check_id, **result})
    display({PROBE_MIME: f"{nonce}:{base64.b64encode(data).decode()}"}, raw=True)


def _passed_record() -> dict[str, str]:
    """``nnscratch.grade.PASSED``, in the package, which the grader's prologue never reloads."""
    import nnscratch.grade

    return nnscratch.grade.PASSED


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


def with_hint(hint: str) -> str:
    return f" {hint}" if hint else ""


def finite(value: np.ndarray, what: str, hint: str = "") -> None:
    bad = ~np.isfinite(value)
    if bad.any():
        kind = "NaN" if np.isnan(value).any() else "inf"
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise CheckFailed(
            f"{what} contains {kind} ({int(bad.sum())} of {value.size} entries), first at index "
            f"{where}.{with_hint(hint)}"
        )


def shape(value: np.ndarray, expected: tuple, what: str, hint: str = "") -> None:
    if value.shape != tuple(expected):
        raise CheckFailed(
            f"{what} has shape {value.shape}, expected {tuple(expected)}.{with_hint(hint)}"
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
    allowed = set(keys)
    missing = [k for k in keys if k not in value]
    extra = [k for k in value if k not in allowed]
    if missing or extra:
        parts = [f"missing {missing}" if missing else "", f"unexpected {extra}" if extra else ""]
        raise CheckFailed(
            f"{what} has keys {sorted(value)}, expected exactly {keys} "
            f"({', '.join(p for p in parts if p)}).{with_hint(hint)}"
        )
    return value
