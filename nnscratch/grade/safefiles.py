"""Only regular files: how the grader finds and reads what learners handed in.

A submissions folder is untrusted input. The grader reads a notebook only if it is a *regular
file* no larger than a size cap (:data:`MAX_NOTEBOOK_BYTES`, ``--max-size``); it never follows a
symbolic link (a link to ``solutions/01_relu.ipynb`` would be graded as the learner's work, a link
to ``/dev/zero`` would never end), never opens a FIFO (it would block) or a device, and never
descends into a folder that is a link. Each file it refuses is reported with its kind (a symbolic
link, a FIFO, a device, a socket, too large), never with its content.

The check is made twice: on the folder entry (``lstat``), and on the open file (opened with
``O_NOFOLLOW | O_NONBLOCK``, then ``fstat``), so that a file swapped for a link or a FIFO between
the two is refused as well.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import nbformat

from nnscratch.grade.report import Report
from nnscratch.grade.restore import GradingError

#: The largest notebook the grader reads (an exercise notebook with its outputs is well below 5 MB).
MAX_NOTEBOOK_BYTES = 20 * 2**20
#: How deep the grader looks inside a learner's folder.
MAX_DEPTH = 6
SKIPPED = (".ipynb_checkpoints", "__pycache__")


class Refused(Exception):
    """This path is not read; the message names its kind (never its content)."""


def kind(mode: int) -> str | None:
    """What a file is, in words, if it is not a regular file (None for a regular file)."""
    kinds = [
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    if stat.S_ISREG(mode):
        return None
    return next((words for test, words in kinds if test(mode)), "not a regular file")


def _too_large(size: int, cap: int) -> str:
    return (
        f"{size / 2**20:.1f} MB, larger than the grader's limit of {cap / 2**20:.0f} MB "
        "(clear the notebook's outputs, or raise the limit with --max-size)"
    )


def refusal(path: Path, cap: int = MAX_NOTEBOOK_BYTES) -> str | None:
    """Why ``path`` is not read as a notebook (its kind, or its size), or None if it may be."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    what = kind(st.st_mode)
    if what:
        return f"{what}, not a regular file: not read (the grader reads only regular files)"
    return _too_large(st.st_size, cap) if st.st_size > cap else None


def read_bytes(path: Path, cap: int = MAX_NOTEBOOK_BYTES) -> bytes:
    """The content of the regular file ``path`` (at most ``cap`` bytes), or :class:`Refused`."""
    why = refusal(path, cap)
    if why:
        raise Refused(why)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise Refused(f"cannot be read ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        what = kind(st.st_mode)
        if what:
            raise Refused(f"{what}, not a regular file: not read")
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:
            raise Refused(_too_large(size, cap))
        return b"".join(chunks)
    finally:
        os.close(fd)


def entries(folder: Path) -> list[os.DirEntry]:
    """The visible entries of ``folder`` (no hidden files, checkpoints or caches), sorted."""
    with os.scandir(folder) as it:
        found = [e for e in it if not e.name.startswith(".") and e.name not in SKIPPED]
    return sorted(found, key=lambda e: e.name)


def notebooks_below(
    folder: Path, depth: int = MAX_DEPTH, cap: int = MAX_NOTEBOOK_BYTES
) -> Iterator[tuple[Path, str | None]]:
    """``(path, refusal)`` for every ``*.ipynb`` below ``folder``, without following links.

    A link or another non-regular file named ``*.ipynb`` comes with the reason it is refused, and
    so does a sub-folder that is a link (it may hold notebooks: it is not followed). Deeper than
    ``depth`` levels, nothing is read.
    """
    for entry in entries(folder):
        path = Path(entry.path)
        if entry.is_symlink():
            if entry.name.endswith(".ipynb") or _points_to_folder(path):
                yield path, "a symbolic link, not followed (the grader reads only regular files)"
        elif entry.is_dir(follow_symlinks=False):
            if depth > 0:
                yield from notebooks_below(path, depth - 1, cap)
        elif entry.name.endswith(".ipynb"):
            yield path, refusal(path, cap)


def _points_to_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def parse_notebook(data: bytes, path: Path) -> nbformat.NotebookNode:
    """The notebook in ``data`` (read from ``path``), or GradingError saying why it is not one.
    The message never quotes the file (nbformat's own errors do, so they are not passed on), and
    nbformat's complaints about its schema are not logged (a slightly invalid notebook still
    runs)."""
    try:
        content = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise GradingError(
            f"{path}: not a readable Jupyter notebook (not UTF-8 text, byte {exc.start})"
        ) from None
    except json.JSONDecodeError as exc:
        raise GradingError(
            f"{path}: not a readable Jupyter notebook (not valid JSON: {exc.msg} at line "
            f"{exc.lineno}, column {exc.colno})"
        ) from None
    quiet = logging.getLogger("traitlets")
    level, quiet.level = quiet.level, logging.CRITICAL + 1
    try:
        if not isinstance(content, dict) or not isinstance(content.get("cells"), list):
            raise ValueError("no list of cells")
        nb = nbformat.reads(json.dumps(content), as_version=4, capture_validation_error={})
        for cell in nb.cells:  # what the grader reads from each cell
            if not (isinstance(cell.get("source"), str) and isinstance(cell.get("cell_type"), str)):
                raise ValueError("a cell without source")
        return nb
    except Exception as exc:  # noqa: BLE001 (any unreadable file is reported the same way)
        raise GradingError(
            f"{path}: not a readable Jupyter notebook (JSON, but not in the notebook format: "
            f"{type(exc).__name__})"
        ) from None
    finally:
        quiet.level = level


def read_notebook(path: Path, cap: int = MAX_NOTEBOOK_BYTES) -> nbformat.NotebookNode:
    """The notebook at ``path`` if it is a regular file below ``cap`` bytes, else GradingError
    saying why (its kind or size, never its content)."""
    try:
        data = read_bytes(path, cap)
    except Refused as why:
        raise GradingError(f"{path}: {why}") from None
    return parse_notebook(data, path)


def find_notebooks(
    paths: list[str], cap: int = MAX_NOTEBOOK_BYTES
) -> tuple[list[Path], list[Report]]:
    """Expand folders into their ``*.ipynb`` files (links not followed); report paths missing,
    not notebooks, or not regular files."""
    found, bad = [], []
    for p in map(Path, paths):
        if p.is_dir():  # a folder the teacher names is read, even through a link
            inside = list(notebooks_below(p, depth=0, cap=cap))
            if not inside:
                bad.append(Report(str(p), "?", error=f"{p}: the folder holds no .ipynb notebooks"))
            found += [q for q, why in inside if why is None]
            bad += [Report(str(q), "?", error=f"{q}: {why}") for q, why in inside if why]
        elif p.suffix == ".ipynb" and (p.exists() or p.is_symlink()):
            why = refusal(p, cap)
            if why:
                bad.append(Report(str(p), "?", error=f"{p}: {why}"))
            else:
                found.append(p)
        else:
            why = "no such file or folder" if not p.exists() else "not a .ipynb notebook"
            bad.append(
                Report(str(p), "?", error=f"{p}: {why}. Give notebooks or folders of notebooks.")
            )
    return found, bad
