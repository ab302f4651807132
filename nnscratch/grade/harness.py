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
import numbers
import textwrap
import traceback
import warnings
from collections.abc import Callable, Iterator
from types import FunctionType
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


def check(fn: Callable[..., str]) -> Callable[..., None]:
    """Declare a check: its id is ``fn``'s name without ``check_``; on success it prints the PASS
    line with the detail ``fn`` returns."""
    if not fn.__name__.startswith("check_"):
        raise ValueError(f"a check's name starts with 'check_', got {fn.__name__!r}")
    check_id = fn.__name__.removeprefix("check_")

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        passed = _passed_record()
        passed.pop(check_id, None)
        detail = fn(*args, **kwargs)
        if not isinstance(detail, str) or not detail:
            raise TypeError(f"check {check_id!r} returned {detail!r} instead of a line of detail")
        passed[check_id] = detail
        print(pass_line(check_id, detail))

    run.check_id = check_id
    return run


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


# --------------------------------------------------------------------------------------------
# Contracts: inputs left alone, the learner's own code, plain state
# --------------------------------------------------------------------------------------------


def _snapshot(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_snapshot(v) for v in value]
    return value


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        return (
            isinstance(after, np.ndarray)
            and before.shape == after.shape
            and np.array_equal(before, after, equal_nan=True)
        )
    if isinstance(before, dict):
        return (
            isinstance(after, dict)
            and before.keys() == after.keys()
            and all(_same(before[k], after[k]) for k in before)
        )
    if isinstance(before, list):
        return (
            isinstance(after, (list, tuple))
            and len(before) == len(after)
            and all(_same(b, a) for b, a in zip(before, after))
        )
    return True


@contextlib.contextmanager
def unchanged(what: str, hint: str = "", **inputs: Any) -> Iterator[None]:
    """Raise CheckFailed after the block if ``what`` changed one of ``inputs`` (arrays, or dicts and
    lists of them), e.g. ``with unchanged("relu_prime(z)", z=z): relu_prime(z)``."""
    before = {name: _snapshot(value) for name, value in inputs.items()}
    yield
    changed = [name for name, value in inputs.items() if not _same(before[name], value)]
    if changed:
        names = " and ".join(f"`{n}`" for n in changed)
        raise CheckFailed(
            f"{what} changed {names}, which it must leave as it was: compute the result into new "
            f"arrays instead of writing into its inputs (e.g. with -=, /=, out= or a slice "
            f"assignment).{_hint(hint)}"
        )


def shares_memory(out: Any, z: np.ndarray, what: str) -> None:
    """CheckFailed if ``out`` is ``z`` or a view of it: the contract asks for a new array."""
    if isinstance(out, np.ndarray) and np.shares_memory(out, z):
        raise CheckFailed(
            f"{what} returned z itself (or a view of it): return a new array, so that changing "
            "the result later cannot change z."
        )


LIBRARIES = ("nnscratch", "torch", "tensorflow", "keras", "jax", "sklearn")


def own(fn: Any, what: str, instead: str) -> None:
    """CheckFailed if the function ``fn`` comes from the course package or a learning library."""
    module = getattr(fn, "__module__", None) or ""
    if module.split(".")[0] in LIBRARIES:
        raise CheckFailed(
            f"{what} is {module}.{getattr(fn, '__qualname__', fn)!s}, not your own function: "
            f"{instead}"
        )


def _attributes(value: Any) -> list[Any] | None:
    """The attributes of an object of the learner's own class (or a SimpleNamespace), else None:
    a library's object, or one of Python's (a function, a ``functools.partial``, a generator)."""
    import sys
    import types

    cls = type(value)
    top = (cls.__module__ or "").split(".")[0]
    if top in LIBRARIES or (top in sys.stdlib_module_names and cls is not types.SimpleNamespace):
        return None
    slots = [n for c in cls.__mro__ for n in getattr(c, "__slots__", ()) if isinstance(n, str)]
    found = [getattr(value, n) for n in slots if n != "__dict__" and hasattr(value, n)]
    return found + list(getattr(value, "__dict__", {}).values())


def plain_state(state: Any, what: str) -> None:
    """CheckFailed unless ``state`` holds only NumPy arrays and numbers, however it is structured:
    in dicts, lists, tuples, or the attributes of an object of the learner's own class."""
    seen: set[int] = set()

    def bad(value: Any) -> Any:
        if value is None or isinstance(value, (numbers.Number, np.generic)):
            return None
        if isinstance(value, np.ndarray) and value.dtype != object:
            return None
        if id(value) in seen:
            return None
        seen.add(id(value))
        if isinstance(value, dict):
            inside = list(value.values())
        elif isinstance(value, (list, tuple)) or isinstance(value, np.ndarray):
            inside = list(np.ravel(value)) if isinstance(value, np.ndarray) else list(value)
        else:
            inside = _attributes(value)
        if inside is None:
            return value
        return next((b for b in map(bad, inside) if b is not None), None)

    found = bad(state)
    if isinstance(found, type):
        raise CheckFailed(
            f"{what} returned a state holding a class, {found.__qualname__}, not an object of "
            "it: the attributes of a class are shared by every parameter. Create one object per "
            f"parameter, {found.__qualname__}(...), at its first step."
        )
    if found is not None:
        kind = f"{type(found).__module__}.{type(found).__qualname__}"
        raise CheckFailed(
            f"{what} returned a state holding a {kind}: the state holds only what the rule "
            "remembers, NumPy arrays and numbers (in a dict, a tuple or an object of your own "
            "class, as you like), and the rule computes the update itself with NumPy."
        )


_HOOK = "__nnscratch_forbidden__"


def _poisoned_code(key: str):
    """The code of a function that calls ``__nnscratch_forbidden__(key)`` of its module."""
    namespace: dict[str, Any] = {}
    exec(f"def forbidden(*args, **kwargs):\n    return {_HOOK}({key!r})\n", namespace)
    return namespace["forbidden"].__code__


@contextlib.contextmanager
def forbidden(who: str, banned: list[tuple[Any, str, str]], advice: str) -> Iterator[None]:
    """While the block runs (``who``, the learner's function, is called in it), each banned
    function raises CheckFailed: ``banned`` holds ``(owner, attribute, label)``, e.g.
    ``(Network, "backward", "Network.backward")``.

    A plain Python function gets the code of a function that raises, so every way of reaching it
    fails (``net.backward``, ``super().backward``, ``Network.backward(net, ...)``, a name imported
    before); anything else (a builtin, a wrapper with a closure) is replaced on its owner. All are
    put back afterwards, whatever happens.
    """
    messages: dict[str, str] = {}
    swapped: list[tuple[FunctionType, Any, dict]] = []
    replaced: list[tuple[Any, str, Any]] = []

    def hook(key: str) -> None:
        raise CheckFailed(messages[key])

    try:
        for owner, name, label in banned:
            original = getattr(owner, name, None)
            if original is None:
                continue
            key = label
            messages[key] = f"{who} called {label}: {advice}"
            if isinstance(original, FunctionType) and not original.__closure__:
                if any(fn is original for fn, _, _ in swapped):
                    continue
                swapped.append((original, original.__code__, original.__globals__))
                original.__globals__[_HOOK] = hook
                original.__code__ = _poisoned_code(key)
            else:
                own_attr = vars(owner).get(name, _MISSING)
                replaced.append((owner, name, own_attr))

                def refuse(*args: Any, _key: str = key, **kwargs: Any) -> None:
                    raise CheckFailed(messages[_key])

                setattr(owner, name, refuse)
        yield
    finally:
        for fn, code, module_globals in swapped:
            fn.__code__ = code
            module_globals.pop(_HOOK, None)
        for owner, name, original in reversed(replaced):
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


_MISSING = object()
