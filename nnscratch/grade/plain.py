"""Plain data between a learner's kernel and the grader: NumPy arrays, numbers, short strings.

A check's probe (in the kernel) returns its measurements as plain data, and the grader reads them
without unpickling: :func:`encode` writes a nested value (dicts with string keys, lists and tuples
of arrays, numbers, booleans, None and strings) as the bytes of an ``.npz`` archive, whose arrays
are the leaves and whose ``__tree__`` entry is the structure in JSON; :func:`decode` reads it back
with ``allow_pickle=False`` and refuses what is not plain (an object array, a deep or huge tree)
with :class:`NotPlain`. Tuples come back as lists. The grader's inputs to a probe travel the same
way, so that a check sees the same types in JupyterLab and in a grade.
"""

from __future__ import annotations

import io
import json
import numbers
import zipfile
from typing import Any

import numpy as np

#: Bounds on what :func:`decode` accepts: bytes of the archive and of its arrays once read, nodes
#: of the tree, its depth, the length of a string.
MAX_BYTES = 64 * 2**20
MAX_NODES = 100_000
MAX_DEPTH = 12
MAX_STRING = 10_000
TREE = "__tree__"


class NotPlain(ValueError):
    """The value is not plain data (or breaks one of the bounds above); the message says where."""


def encode(value: Any) -> bytes:
    """``value`` as the bytes of an ``.npz`` archive (raises NotPlain for anything else)."""
    arrays: dict[str, np.ndarray] = {}

    def tree(v: Any, where: str, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise NotPlain(f"{where}: nested deeper than {MAX_DEPTH} levels")
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (np.bool_,)):
            return bool(v)
        if isinstance(v, numbers.Integral):
            return {"$int": str(int(v))}
        if isinstance(v, numbers.Real):
            return {"$float": repr(float(v))}
        if isinstance(v, np.ndarray):
            if v.dtype == object or not (np.issubdtype(v.dtype, np.number) or v.dtype == bool):
                raise NotPlain(f"{where}: an array of dtype {v.dtype}, not of numbers")
            key = f"a{len(arrays)}"
            arrays[key] = np.array(v, order="C")  # a copy; 0-d arrays stay 0-d
            return {"$array": key}
        if isinstance(v, (list, tuple)):
            return [tree(x, f"{where}[{i}]", depth + 1) for i, x in enumerate(v)]
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise NotPlain(f"{where}: a dict whose keys are not all strings")
            return {"$dict": {k: tree(x, f"{where}[{k!r}]", depth + 1) for k, x in v.items()}}
        raise NotPlain(f"{where}: a {type(v).__name__}, not plain data")

    structure = json.dumps(tree(value, "the value", 0)).encode()
    buffer = io.BytesIO()
    np.savez(buffer, **{TREE: np.frombuffer(structure, dtype=np.uint8)}, **arrays)
    return buffer.getvalue()


def decode(data: bytes, max_bytes: int = MAX_BYTES) -> Any:
    """The value :func:`encode` wrote, read without unpickling; NotPlain for anything else."""
    if not isinstance(data, bytes) or len(data) > max_bytes:
        raise NotPlain(f"not an archive of at most {max_bytes} bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > max_bytes:
            raise NotPlain(f"its arrays take {unpacked} bytes, over {max_bytes}")
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        structure = json.loads(arrays.pop(TREE).tobytes())
    except NotPlain:
        raise
    except Exception as exc:  # noqa: BLE001 (any malformed archive is refused the same way)
        raise NotPlain(f"not a readable archive ({type(exc).__name__}: {exc})") from None
    nodes, referenced = [0], [0]

    def value(node: Any, depth: int) -> Any:
        nodes[0] += 1
        if nodes[0] > MAX_NODES or depth > MAX_DEPTH + 1:
            raise NotPlain(f"more than {MAX_NODES} values or {MAX_DEPTH} levels")
        if node is None or isinstance(node, bool):
            return node
        if isinstance(node, str):
            if len(node) > MAX_STRING:
                raise NotPlain(f"a string of {len(node)} characters")
            return node
        if isinstance(node, list):
            return [value(x, depth + 1) for x in node]
        if isinstance(node, dict) and len(node) == 1:
            ((kind, x),) = node.items()
            if kind == "$int" and isinstance(x, str) and len(x) <= 40:
                return int(x)
            if kind == "$float" and isinstance(x, str) and len(x) <= 40:
                return float(x)
            if kind == "$array" and isinstance(x, str) and x in arrays:
                a = arrays[x]
                referenced[0] += a.nbytes  # an array named twice counts twice
                if referenced[0] > max_bytes:
                    raise NotPlain(f"its arrays, each time named, take over {max_bytes} bytes")
                if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
                    raise NotPlain(f"an array of dtype {a.dtype}")
                return a
            if kind == "$dict" and isinstance(x, dict):
                return {str(k): value(v, depth + 1) for k, v in x.items()}
        raise NotPlain(f"an unknown node {str(node)[:60]}")

    return value(structure, 0)


def roundtrip(value: Any) -> Any:
    """``decode(encode(value))``: what the grader would read of ``value``."""
    return decode(encode(value))
