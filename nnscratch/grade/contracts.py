"""Contracts a probe checks in the learner's kernel, the only place they can be seen.

That a function leaves its inputs alone (:func:`unchanged`) and returns a new array
(:func:`shares_memory`); that it is the learner's own (:func:`own`) and runs the learner's own code:
:func:`forbidden` makes the package's (or a library's) equivalents raise while it runs, however
they are reached (a method, ``super()``, an unbound ``Network.backward(net, ...)``, a name imported
earlier); that an update rule's state is plain (:func:`plain_state`). A determined learner can
switch them off in their kernel (``teachers/guarantees.md``); they are there for honest learners'
feedback, and no verdict on values depends on them.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from types import FunctionType
from typing import Any

import numpy as np

from nnscratch.grade.harness import CheckFailed, with_hint


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
            f"assignment).{with_hint(hint)}"
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
