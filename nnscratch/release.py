"""Generate the exercise notebooks from the worked solutions: ``python -m nnscratch.release``.

The solution notebooks in ``solutions/`` are the single source of every exercise. This command
writes ``exercises/`` from them (same file names) and ``nnscratch/released_checks.py`` (the canonical
check cells, which the grader restores before it runs a learner's notebook). ``--check`` writes
nothing and exits with status 1 when either is out of date, so a test can catch a stale release.

Conventions in a solution notebook (``solutions/NN_name.ipynb``):

- **Solution regions.** In a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION``
  (markers included) become a stub, ``raise NotImplementedError(...)`` at the same indentation; all
  else (signature, docstring, hints in comments above the region) is kept. In a markdown cell, the
  text between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` becomes "*Your answer here.*"
- **Check cells** are code cells tagged ``check`` with a stable id in their metadata,
  ``{"nnscratch": {"check": "relu_prime"}}``. They are released unchanged and may hold no region.
- **Cells tagged** ``solution-only`` are left out of the exercise. Cells tagged ``exercise-only`` are
  also tagged ``remove-cell`` (hidden on the solution's page); the exercise keeps them, without those
  two tags.
- The notebook's metadata names its exercise: ``{"nnscratch": {"exercise": "01_relu"}}``; its title
  ``# Solution 1: ReLU`` becomes ``# Exercise 1: ReLU``.
- The exercise may not refer to glued numbers (``{glue:...}``): exercises are shown, not executed, in
  the book, so put such prose in ``solution-only`` cells or in markdown solution regions.

Outputs and execution counts are cleared; cell ids are kept, so the grader can find in a learner's
notebook the places where the check cells belong.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import pprint
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = Path(__file__).resolve().with_name("released_checks.py")

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
MD_STUB = "*Your answer here.*"
CHECK_TAG, SOLUTION_ONLY, EXERCISE_ONLY, HIDDEN = "check", "solution-only", "exercise-only", "remove-cell"


class ReleaseError(ValueError):
    """A solution notebook breaks one of the conventions above; the message says where."""


def check_id(cell: dict) -> str | None:
    """The stable id of a check cell (``metadata.nnscratch.check``), or None for other cells."""
    return cell.get("metadata", {}).get("nnscratch", {}).get("check")


def digest(text: str) -> str:
    """A short fingerprint of a cell's source, used to find unchanged cells in a learner's notebook."""
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Turning solution regions into stubs
# --------------------------------------------------------------------------------------------


def _enclosing_function(lines: list[str], index: int, indent: int) -> str | None:
    """Name of the innermost ``def`` above line ``index`` that the region at ``indent`` belongs to."""
    for line in reversed(lines[:index]):
        match = re.match(r"(\s*)(?:async\s+)?def\s+(\w+)", line)
        if match and len(match.group(1)) < indent:
            return match.group(2)
    return None


def stub_code(source: str, where: str) -> str:
    """Replace every solution region of a code cell's source by a stub that raises."""
    lines, out, i = source.split("\n"), [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == END:
            raise ReleaseError(f"{where}: '{END}' on line {i + 1} without a '{BEGIN}' above it")
        if line.strip() != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        try:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() in (BEGIN, END))
        except StopIteration:
            raise ReleaseError(f"{where}: '{BEGIN}' on line {i + 1} has no '{END}'") from None
        if lines[end].strip() == BEGIN:
            raise ReleaseError(f"{where}: '{BEGIN}' on line {i + 1} is followed by another before any '{END}'")
        name = _enclosing_function(lines, i, indent)
        what = f"{name}()" if name else "this cell"
        pad = " " * indent
        out += [f"{pad}# YOUR CODE HERE", f'{pad}raise NotImplementedError("{what}: replace this line with your code")']
        i = end + 1
    return "\n".join(out)


def stub_markdown(source: str, where: str) -> str:
    """Replace every ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` span by a placeholder."""
    if source.count(MD_BEGIN) != source.count(MD_END):
        raise ReleaseError(f"{where}: unbalanced '{MD_BEGIN}' / '{MD_END}' markers")
    return re.sub(re.escape(MD_BEGIN) + r".*?" + re.escape(MD_END), MD_STUB, source, flags=re.S)


def _compiles(source: str) -> bool:
    """Whether a code cell's source is valid Python once IPython's magics (% and !) become ``pass``."""
    code = "\n".join(line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))
    try:
        compile(code, "<cell>", "exec")
    except SyntaxError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# One notebook
# --------------------------------------------------------------------------------------------


def exercise_name(nb: nbformat.NotebookNode, path: Path) -> str:
    name = nb.metadata.get("nnscratch", {}).get("exercise")
    if name != path.stem:
        raise ReleaseError(
            f"{path}: the notebook metadata must name its exercise, {{'nnscratch': {{'exercise': '{path.stem}'}}}} "
            f"(found {name!r})"
        )
    return name


def make_exercise(solution: nbformat.NotebookNode, path: Path) -> nbformat.NotebookNode:
    """The exercise notebook generated from one solution notebook (which is left unchanged)."""
    exercise_name(solution, path)
    nb = copy.deepcopy(solution)
    cells, seen_checks, seen_ids = [], set(), set()
    for index, cell in enumerate(nb.cells):
        where = f"{path.name}, cell {index} (id {cell.get('id')!r})"
        tags = list(cell.metadata.get("tags", []))
        if not cell.get("id") or cell["id"] in seen_ids:
            raise ReleaseError(f"{where}: every cell needs a unique id (nbformat 4.5)")
        seen_ids.add(cell["id"])
        if SOLUTION_ONLY in tags:
            continue
        if EXERCISE_ONLY in tags:
            if HIDDEN not in tags:
                raise ReleaseError(f"{where}: an '{EXERCISE_ONLY}' cell must also be tagged '{HIDDEN}' "
                                   "so that the solution's page hides it")
            tags = [t for t in tags if t not in (EXERCISE_ONLY, HIDDEN)]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        if cell.cell_type == "code":
            cid = check_id(cell)
            if (cid is None) != (CHECK_TAG not in tags):
                raise ReleaseError(f"{where}: a check cell needs both the tag '{CHECK_TAG}' and "
                                   "metadata {'nnscratch': {'check': '<id>'}}")
            if cid is not None:
                if BEGIN in cell.source or cid in seen_checks:
                    raise ReleaseError(f"{where}: check {cid!r} is repeated or holds a solution region")
                seen_checks.add(cid)
            else:
                cell.source = stub_code(cell.source, where)
                if not _compiles(cell.source):
                    raise ReleaseError(f"{where}: the generated stub is not valid Python; check the indentation "
                                       "of the solution markers")
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "markdown":
            cell.source = re.sub(r"^# Solution (\d+):", r"# Exercise \1:", stub_markdown(cell.source, where), flags=re.M)
            if "{glue" in cell.source:
                raise ReleaseError(f"{where}: the exercise would show a glued number, which only an executed "
                                   "notebook defines; move that text into a solution-only cell or a solution region")
        cells.append(cell)
    if not seen_checks:
        raise ReleaseError(f"{path}: no check cells (tag '{CHECK_TAG}')")
    nb.cells = cells
    return nb


def manifest_entry(exercise: nbformat.NotebookNode) -> dict:
    """What the grader needs of a released exercise: every cell's id and fingerprint, and the check cells."""
    cells = []
    for cell in exercise.cells:
        entry = {"id": cell["id"], "cell_type": cell.cell_type, "digest": digest(cell.source)}
        if check_id(cell) is not None:
            entry.update(check=check_id(cell), source=cell.source)
        cells.append(entry)
    title = next((line[2:].strip() for c in exercise.cells if c.cell_type == "markdown"
                  for line in c.source.split("\n") if line.startswith("# ")), "")
    return {"title": title, "cells": cells}


# --------------------------------------------------------------------------------------------
# The whole release
# --------------------------------------------------------------------------------------------


def render_manifest(entries: dict[str, dict]) -> str:
    body = pprint.pformat(entries, width=110, sort_dicts=False)
    return (
        '"""The canonical check cells of every exercise. GENERATED by `python -m nnscratch.release`\n'
        "from solutions/: do not edit. The grader (nnscratch.grade) puts these cells back into a learner's\n"
        "notebook before running it, at the places the cell ids and fingerprints of the release show.\n"
        '"""\n\n'
        f"EXERCISES = {body}\n"
    )


def build(solutions: Path) -> tuple[dict[str, str], str]:
    """Exercise notebooks (file name -> JSON text) and the manifest module's text, from ``solutions``."""
    paths = sorted(solutions.glob("*.ipynb"))
    if not paths:
        raise ReleaseError(f"no solution notebooks in {solutions}")
    notebooks, entries = {}, {}
    for path in paths:
        exercise = make_exercise(nbformat.read(path, as_version=4), path)
        nbformat.validate(exercise)
        notebooks[path.name] = nbformat.writes(exercise) + "\n"
        entries[path.stem] = manifest_entry(exercise)
    return notebooks, render_manifest(entries)


def stale(solutions: Path, exercises: Path, manifest: Path = MANIFEST) -> list[str]:
    """The generated files that differ from what ``solutions`` generates now (empty when up to date)."""
    notebooks, manifest_text = build(solutions)
    out = [str(exercises / name) for name, text in notebooks.items()
           if not (exercises / name).is_file() or (exercises / name).read_text() != text]
    wanted = {exercises / name for name in notebooks}
    out += [f"{p} (no solution notebook generates it)" for p in sorted(exercises.glob("*.ipynb")) if p not in wanted]
    if not manifest.is_file() or manifest.read_text() != manifest_text:
        out.append(str(manifest))
    return out


def release(solutions: Path, exercises: Path, manifest: Path = MANIFEST) -> list[Path]:
    """Write the exercise notebooks and the manifest; return the files written."""
    notebooks, manifest_text = build(solutions)
    exercises.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in notebooks.items():
        (exercises / name).write_text(text)
        written.append(exercises / name)
    manifest.write_text(manifest_text)
    return written + [manifest]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnscratch.release", description=__doc__.split("\n\n")[0])
    parser.add_argument("--solutions", type=Path, default=ROOT / "solutions", help="source notebooks (default: %(default)s)")
    parser.add_argument("--exercises", type=Path, default=ROOT / "exercises", help="generated notebooks (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the release is out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            out_of_date = stale(args.solutions, args.exercises)
            if out_of_date:
                print("The released exercises are out of date with solutions/:\n  " + "\n  ".join(out_of_date)
                      + "\nRegenerate them with: python -m nnscratch.release", file=sys.stderr)
                return 1
            print(f"exercises/ is up to date with {args.solutions}.")
            return 0
        for path in release(args.solutions, args.exercises):
            print(f"wrote {path}")
        return 0
    except ReleaseError as err:
        print(f"release failed: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
