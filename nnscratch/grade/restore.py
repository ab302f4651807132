"""Before a notebook runs: which exercise it is, and its canonical check cells put back.

An edited check cell is replaced where it stands and a deleted one re-inserted at its place, from
the release's manifest (``manifest.json``), so that editing or deleting a check cannot make it
pass. Each restored check cell starts by reloading the check harness and the exercise's module of
checks, so that a check function the learner's code defined or patched is not the one that runs.
An exercise whose id changed keeps its old id as an alias (:data:`ALIASES`), so that a notebook
handed in under the old id is still graded, as the exercise it now is.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import nbformat

from nnscratch.grade import checks
from nnscratch.grade.release import MANIFEST, check_id, check_metadata, digest
from nnscratch.grade.settings import Settings


class GradingError(Exception):
    """This path cannot be graded; the message says why and what to do."""


@cache
def released() -> dict[str, dict]:
    """The manifest: each exercise's title and cells (id, type, fingerprint; check cells whole)."""
    return json.loads(MANIFEST.read_text())


#: The modules a check cell's prologue reloads, in this order (the check module of the exercise
#: last): the harness, the settings, and what the checks share.
CHECK_SUPPORT = [
    "nnscratch.grade.harness",
    "nnscratch.grade.contracts",
    "nnscratch.grade.settings",
    "nnscratch.grade.fixtures",
    "nnscratch.grade.trajectories",
    "nnscratch.grade.batch_loops",
    "nnscratch.grade.layer_loops_reference",
    "nnscratch.grade.capstone_reference",
    "nnscratch.grade.capstone_training",
    "nnscratch.grade.dropout_reference",
    "nnscratch.grade.relu_network",
    "nnscratch.grade.biases_network",
    "nnscratch.grade.dropout_network",
    "nnscratch.grade.epoch_replay",
    "nnscratch.grade.capstone_judges",
]


def prologue(exercise: str, settings: Settings) -> str:
    """The lines the grader puts before a check cell's source: reload the checks as released and
    fix the grade's settings (so that nothing the notebook set changes them)."""
    modules = [*CHECK_SUPPORT, checks.module_name(exercise)]
    return (
        "import importlib as _nnscratch_il  # added by the grader: the checks as released\n"
        f"for _nnscratch_m in {modules!r}:\n"
        "    _nnscratch_il.reload(_nnscratch_il.import_module(_nnscratch_m))\n"
        f"_nnscratch_il.import_module('nnscratch.grade.settings').fix({settings.for_kernel().to_json()!r})\n"
        "del _nnscratch_il, _nnscratch_m\n"
    )


#: Exercise ids of earlier releases -> the id of the same exercise now. The capstone was exercise
#: 6 until the regularization exercise came before it (issue 21). A notebook that names an old id,
#: in its metadata or its file name (``alice-06_capstone.ipynb``), is graded as the exercise it now
#: is, against that exercise's current checks.
ALIASES: dict[str, str] = {"06_capstone": "07_capstone"}


def exercise_id(name: object) -> str | None:
    """The current id of the exercise ``name`` names (itself, or an old id's new one), else None."""
    if not isinstance(name, str):
        return None
    name = ALIASES.get(name, name)
    return name if name in released() else None


def named_in(stem: str) -> list[str]:
    """The exercises a file name names, by their current ids (an old id counts as its new one)."""
    found = [exercise_id(key) for key in [*released(), *ALIASES] if key in stem]
    return list(dict.fromkeys(key for key in found if key))


def identify(nb: nbformat.NotebookNode, path: Path) -> str:
    """The exercise a notebook belongs to: what its metadata and its file name say.

    Metadata and file name may each name it; when both name a known exercise they must agree (a
    notebook of exercise 1 handed in as ``alice-02_biases.ipynb`` is not graded as either). An
    old id (:data:`ALIASES`) names the exercise it became. Returns the current id.
    """
    known = released()
    named = nb.metadata.get("nnscratch", {}).get("exercise")
    meta = exercise_id(named)
    in_name = named_in(path.stem)
    if meta is not None:
        if in_name and meta not in in_name:
            raise GradingError(
                f"{path}: its metadata says it is exercise {meta}, but its file name names "
                f"{' and '.join(in_name)}: was the wrong notebook handed in? Rename the file, or "
                "hand in the notebook of the exercise its name says."
            )
        return meta
    if len(in_name) == 1:
        return in_name[0]
    if len(in_name) > 1:
        raise GradingError(
            f"{path}: cannot tell which exercise this is: its file name names {len(in_name)} "
            f"exercises ({', '.join(in_name)}) and its metadata none. Keep one exercise name in "
            "the file name (e.g. alice-02_biases.ipynb)."
        )
    what = f"names an unknown exercise {named!r}" if named else "names no exercise"
    raise GradingError(
        f"{path}: cannot tell which exercise this is: its metadata {what}, and its file name "
        f"contains none of {', '.join(known)}. Grade a notebook made from exercises/, or rename "
        "the file to contain the exercise name (e.g. alice-02_biases.ipynb)."
    )


def restore_checks(
    nb: nbformat.NotebookNode, exercise: str
) -> tuple[nbformat.NotebookNode, list[tuple[int, str]]]:
    """A copy of ``nb`` with the canonical check cells of ``exercise`` in place of what is there.

    A check cell still in the notebook (found by the check id in its metadata, by its cell id, or by
    its exact source) is replaced, where it stands, by the canonical cell; repeats are dropped. A
    check whose cell was deleted is re-inserted just before the first canonical cell after it that
    is still in the notebook (found by cell id, else by unchanged content), or at the end. Returns
    the notebook and the (cell index, check id) of each check cell, in the notebook's order.
    """
    canon = released()[exercise]["cells"]
    canonical = {c["check"]: c for c in canon if "check" in c}
    by_cell_id = {c["id"]: c["check"] for c in canon if "check" in c}
    by_source = {c["source"]: c["check"] for c in canon if "check" in c}

    def claimed(cell: dict) -> str | None:
        if check_id(cell) in canonical:
            return check_id(cell)
        if cell.get("id") in by_cell_id:
            return by_cell_id[cell["id"]]
        return by_source.get(cell.source) if cell.cell_type == "code" else None

    items: list[tuple[str, object]] = []  # ("check", check id) or ("cell", learner's cell)
    for cell in nb.cells:
        cid = claimed(cell)
        if cid is None:
            items.append(("cell", cell))
        elif ("check", cid) not in items:
            items.append(("check", cid))
    where_id, where_digest = {}, {}
    for i, (kind, value) in enumerate(items):
        if kind == "check":
            where_id[("check", value)] = i
        else:
            where_id.setdefault(value.get("id"), i)
            where_digest.setdefault((value.cell_type, digest(value.source)), i)

    def locate(entry: dict) -> int | None:
        if "check" in entry:
            return where_id.get(("check", entry["check"]))
        found = where_id.get(entry["id"])
        return (
            found if found is not None else where_digest.get((entry["cell_type"], entry["digest"]))
        )

    inserts: dict[int, list[str]] = {}
    for k, entry in enumerate(canon):
        if "check" in entry and ("check", entry["check"]) not in items:
            later = (locate(e) for e in canon[k + 1 :])
            position = next((i for i in later if i is not None), len(items))
            inserts.setdefault(position, []).append(entry["check"])
    cells, found = [], []

    def add_check(cid: str) -> None:
        cell = nbformat.v4.new_code_cell(canonical[cid]["source"], id=canonical[cid]["id"])
        cell.metadata = check_metadata(cid)
        found.append((len(cells), cid))
        cells.append(cell)

    for i in range(len(items) + 1):
        for cid in inserts.get(i, []):
            add_check(cid)
        if i < len(items):
            kind, value = items[i]
            if kind == "check":
                add_check(value)
            else:
                cells.append(value)
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells = cells
    return out, found


def select_checks(
    nb: nbformat.NotebookNode, found: list[tuple[int, str]], only: list[str], exercise: str
) -> tuple[nbformat.NotebookNode, list[tuple[int, str]]]:
    """Keep the checks in ``only``: drop the other check cells and every cell after the last."""
    unknown = [c for c in only if c not in {cid for _, cid in found}]
    if unknown:
        raise GradingError(
            f"{exercise} has no check {', '.join(map(repr, unknown))}; its checks are "
            f"{', '.join(cid for _, cid in found)}."
        )
    drop = {index for index, cid in found if cid not in only}
    last = max(index for index, cid in found if cid in only)
    kept = [(i, cell) for i, cell in enumerate(nb.cells[: last + 1]) if i not in drop]
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells = [cell for _, cell in kept]
    new_index = {old: new for new, (old, _) in enumerate(kept)}
    return out, [(new_index[i], cid) for i, cid in found if cid in only]
