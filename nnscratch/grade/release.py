"""Generate the exercise notebooks from the worked solutions: ``make release``.

The same as ``python -m nnscratch.grade.release``. It reads every ``solutions/*.ipynb`` and writes
``exercises/`` from them (same file names) and ``nnscratch/grade/manifest.json`` (the exercises and
their canonical check cells, which the grader restores before it runs a learner's notebook).
``--check`` writes nothing and exits with status 1 when either is out of date, so that a test
catches a stale release.

Conventions in a solution notebook (``solutions/NN_name.ipynb``):

- **Solution regions.** In a code cell, the lines from ``### BEGIN SOLUTION`` to
  ``### END SOLUTION`` (markers included) become a stub, ``raise NotImplementedError(...)`` at the
  same indentation; all else (signature, docstring, hints in comments above the region) is kept.
  In a markdown cell, the text between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``
  becomes "*Your answer here.*"
- **Check cells** are code cells tagged ``check`` that import one check from the exercise's module
  of checks and call it (see :mod:`nnscratch.grade.checks`); they are released unchanged and hold
  no region. The check's id comes from its declaration (``@check def check_relu_prime`` ->
  ``relu_prime``): the release writes it into the cell's metadata and the manifest. Every check the
  module declares needs its cell.
- **Cells tagged** ``solution-only`` are left out of the exercise. Cells tagged ``exercise-only``
  are also tagged ``remove-cell`` (hidden on the solution's page); the exercise keeps them, without
  those two tags.
- The notebook's metadata names its exercise, ``{"nnscratch": {"exercise": "01_relu"}}``; its
  title ``# Solution 1: ReLU`` becomes ``# Exercise 1: ReLU``.
- The exercise may not cite computed numbers (``{eval}`name```, or the old ``{glue:...}``):
  exercises are shown, not executed, in the book, so put such prose in ``solution-only`` cells or
  in markdown solution regions.

Outputs and execution counts are cleared; cell ids are kept, so that the grader can find in a
learner's notebook the places where the check cells belong.

``--class-site`` (used by ``make class-site``, :mod:`nnscratch.book.classsite`) writes the
exercises of a class site without the solutions: every markdown line that links a solution
(the how-to box's "Stuck? The worked solution is ...") is left out, and a release that would keep
any other mention of ``solutions/`` fails; a link to a figure (``[the curve](#fig-name)``)
becomes its text, since an exercise draws no figure and the link would reach the solution's.
Cell ids are kept, so the grader (which locates cells by id first) grades these exercises with
the same manifest; no manifest is written.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat

from nnscratch.grade import checks
from nnscratch.grade.stubs import BEGIN, ReleaseError, compiles, stub_code, stub_markdown

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).resolve().with_name("manifest.json")

CHECK_TAG, SOLUTION_ONLY, EXERCISE_ONLY, HIDDEN = (
    "check",
    "solution-only",
    "exercise-only",
    "remove-cell",
)


def check_id(cell: dict) -> str | None:
    """The id the release wrote into a check cell (``metadata.nnscratch.check``), else None."""
    return cell.get("metadata", {}).get("nnscratch", {}).get("check")


def check_metadata(cid: str) -> dict:
    """The metadata of a released check cell."""
    return {"tags": [CHECK_TAG], "nnscratch": {"check": cid}}


def digest(text: str) -> str:
    """A short fingerprint of a cell's source, to find unchanged cells in a learner's notebook."""
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Check cells: the id comes from the check's declaration
# --------------------------------------------------------------------------------------------


def declared_check(source: str, exercise: str, where: str) -> str:
    """The id of the check a check cell calls, read from the check's declaration."""
    module = checks.module_name(exercise)
    example = f"from {module} import check_NAME\ncheck_NAME(...)"
    try:
        body = ast.parse(source).body
    except SyntaxError as err:
        raise ReleaseError(f"{where}: the check cell is not valid Python ({err.msg})") from None
    shape_ok = (
        len(body) == 2
        and isinstance(body[0], ast.ImportFrom)
        and len(body[0].names) == 1
        and isinstance(body[1], ast.Expr)
        and isinstance(body[1].value, ast.Call)
        and isinstance(body[1].value.func, ast.Name)
    )
    if not shape_ok or body[0].module != module or body[0].names[0].asname:
        raise ReleaseError(
            f"{where}: a check cell imports one check from its exercise's module and calls "
            f"it:\n{example}"
        )
    name = body[0].names[0].name
    if body[1].value.func.id != name:
        raise ReleaseError(f"{where}: the check cell imports {name} but calls another function")
    try:
        cid = getattr(getattr(checks.module(exercise), name, None), "check_id", None)
    except ModuleNotFoundError:
        raise ReleaseError(f"{where}: no module of checks {module} (one per exercise)") from None
    if cid is None:
        raise ReleaseError(f"{where}: {module} declares no check {name} (decorated with @check)")
    return cid


# --------------------------------------------------------------------------------------------
# One notebook
# --------------------------------------------------------------------------------------------


def exercise_name(nb: nbformat.NotebookNode, path: Path) -> str:
    name = nb.metadata.get("nnscratch", {}).get("exercise")
    if name != path.stem:
        raise ReleaseError(
            f"{path}: the notebook metadata must name its exercise, {{'nnscratch': {{'exercise': "
            f"'{path.stem}'}}}} (found {name!r})"
        )
    return name


SOLUTION_LINK = re.compile(r"^.*\]\((?:\.\./)?solutions/[^)]*\).*(?:\n|$)", re.M)


FIGURE_LINK = re.compile(r"\[([^\]]*)\]\(#fig-[^)]*\)")


def without_solution_links(source: str, where: str) -> str:
    """A markdown cell of a class site's exercise: lines linking a solution left out, and links
    to figures made plain text (an exercise is not executed, so it draws no figure: on the full
    site such a link reaches the solution's figure, on the class site nothing)."""
    source = FIGURE_LINK.sub(r"\1", SOLUTION_LINK.sub("", source))
    if "solutions/" in source:
        raise ReleaseError(
            f"{where}: the class site's exercise would still mention solutions/ outside a line "
            "that links a solution; put the link on a line of its own"
        )
    return source


def make_exercise(
    solution: nbformat.NotebookNode, path: Path, class_site: bool = False
) -> nbformat.NotebookNode:
    """The exercise notebook generated from one solution notebook (which is left unchanged);
    ``class_site``: without links to the solutions."""
    exercise = exercise_name(solution, path)
    nb = copy.deepcopy(solution)
    cells, seen_checks, seen_ids = [], [], set()
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
                raise ReleaseError(
                    f"{where}: an '{EXERCISE_ONLY}' cell must also be tagged '{HIDDEN}' so that "
                    "the solution's page hides it"
                )
            tags = [t for t in tags if t not in (EXERCISE_ONLY, HIDDEN)]
        cell.metadata.pop("tags", None)
        if tags:
            cell.metadata["tags"] = tags
        if cell.cell_type == "code":
            _release_code_cell(cell, tags, exercise, where, seen_checks)
        elif cell.cell_type == "markdown":
            source = stub_markdown(cell.source, where)
            cell.source = re.sub(r"^# Solution (\d+):", r"# Exercise \1:", source, flags=re.M)
            if class_site:
                cell.source = without_solution_links(cell.source, where)
            if "{eval}" in cell.source or "{glue" in cell.source:
                raise ReleaseError(
                    f"{where}: the exercise would cite a computed number ({{eval}}), which only "
                    "an executed notebook shows; move that text into a solution-only cell or a "
                    "solution region"
                )
        cells.append(cell)
    missing = [cid for cid in checks.declared(exercise) if cid not in seen_checks]
    if missing:
        raise ReleaseError(
            f"{path}: {checks.module_name(exercise)} declares {', '.join(missing)}, but no check "
            f"cell (tag '{CHECK_TAG}') calls {'it' if len(missing) == 1 else 'them'}"
        )
    nb.cells = cells
    return nb


def _release_code_cell(cell, tags: list[str], exercise: str, where: str, seen: list[str]) -> None:
    """A check cell gets its id from the declaration; any other code cell gets its stubs."""
    if check_id(cell) is not None:
        raise ReleaseError(
            f"{where}: remove metadata 'nnscratch.check': the release writes a check's id, from "
            "its declaration"
        )
    if CHECK_TAG in tags:
        if BEGIN in cell.source:
            raise ReleaseError(f"{where}: a check cell may not hold a solution region")
        cid = declared_check(cell.source, exercise, where)
        if cid in seen:
            raise ReleaseError(f"{where}: check {cid!r} is called by a second check cell")
        seen.append(cid)
        cell.metadata["nnscratch"] = {"check": cid}
    else:
        if checks.PACKAGE in cell.source:
            raise ReleaseError(f"{where}: a cell that calls a check must be tagged '{CHECK_TAG}'")
        cell.source = stub_code(cell.source, where)
        if not compiles(cell.source):
            raise ReleaseError(
                f"{where}: the generated stub is not valid Python; check the indentation of the "
                "solution markers"
            )
    cell.outputs, cell.execution_count = [], None


def manifest_entry(exercise: nbformat.NotebookNode) -> dict:
    """What the grader needs of a released exercise: every cell's id and fingerprint, the checks."""
    cells = []
    for cell in exercise.cells:
        entry = {"id": cell["id"], "cell_type": cell.cell_type, "digest": digest(cell.source)}
        if check_id(cell) is not None:
            entry.update(check=check_id(cell), source=cell.source)
        cells.append(entry)
    title = next(
        (
            line[2:].strip()
            for c in exercise.cells
            if c.cell_type == "markdown"
            for line in c.source.split("\n")
            if line.startswith("# ")
        ),
        "",
    )
    return {"title": title, "cells": cells}


# --------------------------------------------------------------------------------------------
# The whole release
# --------------------------------------------------------------------------------------------


def build(solutions: Path, class_site: bool = False) -> tuple[dict[str, str], str]:
    """Exercise notebooks (file name -> JSON text) and the manifest's text, from ``solutions``."""
    paths = sorted(solutions.glob("*.ipynb"))
    if not paths:
        raise ReleaseError(f"no solution notebooks in {solutions}")
    notebooks, entries = {}, {}
    for path in paths:
        exercise = make_exercise(nbformat.read(path, as_version=4), path, class_site)
        nbformat.validate(exercise)
        notebooks[path.name] = nbformat.writes(exercise) + "\n"
        entries[path.stem] = manifest_entry(exercise)
    return notebooks, render_manifest(entries)


def render_manifest(entries: dict[str, dict]) -> str:
    """The manifest as JSON text, one cell a line (short diffs when an exercise changes)."""
    parts = []
    for name, entry in entries.items():
        cells = ",\n".join(f"   {json.dumps(cell, ensure_ascii=False)}" for cell in entry["cells"])
        title = json.dumps(entry["title"], ensure_ascii=False)
        parts.append(f' {json.dumps(name)}: {{"title": {title}, "cells": [\n{cells}\n ]}}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


def stale(solutions: Path, exercises: Path, manifest: Path = MANIFEST) -> list[str]:
    """The generated files that differ from what ``solutions`` generates now (empty: up to date)."""
    notebooks, manifest_text = build(solutions)
    out = [
        str(exercises / name)
        for name, text in notebooks.items()
        if not (exercises / name).is_file() or (exercises / name).read_text() != text
    ]
    wanted = {exercises / name for name in notebooks}
    out += [
        f"{p} (no solution notebook generates it)"
        for p in sorted(exercises.glob("*.ipynb"))
        if p not in wanted
    ]
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
    parser = argparse.ArgumentParser(
        prog="python -m nnscratch.grade.release", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--solutions",
        type=Path,
        default=ROOT / "solutions",
        help="source notebooks (default: %(default)s)",
    )
    parser.add_argument(
        "--exercises",
        type=Path,
        default=ROOT / "exercises",
        help="generated notebooks (default: %(default)s)",
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the release is out of date"
    )
    parser.add_argument(
        "--class-site",
        action="store_true",
        help="write the exercises of a class site into --exercises: no link to a solution, "
        "no manifest",
    )
    args = parser.parse_args(argv)
    try:
        if args.class_site:
            notebooks, _ = build(args.solutions, class_site=True)
            args.exercises.mkdir(parents=True, exist_ok=True)
            for name, text in notebooks.items():
                (args.exercises / name).write_text(text)
                print(f"wrote {args.exercises / name}")
            return 0
        if args.check:
            out_of_date = stale(args.solutions, args.exercises)
            if out_of_date:
                print(
                    "The released exercises are out of date with solutions/:\n  "
                    + "\n  ".join(out_of_date)
                    + "\nRegenerate them with: make release (python -m nnscratch.grade.release)",
                    file=sys.stderr,
                )
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
