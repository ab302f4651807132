"""Grade exercise notebooks: ``python -m nnscratch.grade PATH...`` (notebooks, or folders of them).

For each notebook the grader

1. finds which exercise it is (the notebook's metadata, else its file name, e.g. ``02_biases``);
2. puts back the *canonical* check cells of that exercise, from the release
   (:mod:`nnscratch.released_checks`): an edited check cell is replaced where it stands and a deleted
   one re-inserted at its place, so editing or deleting a check cannot make it pass;
3. runs the notebook cell by cell in a fresh kernel, continuing after errors, with a time limit per
   cell and per notebook (code that loops forever is interrupted and fails its checks; a crash of the
   kernel fails the checks that could not run);
4. prints one row per check (exercise, check, pass/FAIL, message) and a score.

A check passes when its cell runs without an error *and* the check function printed its ``PASS``
line. Each check cell reloads :mod:`nnscratch.checks` before importing from it, so a ``check_*``
function defined or patched by the learner's code is not the one that runs.

Out of scope: the learner's code runs in the same kernel as the checks, so it could still subvert
them deliberately (patching NumPy, the import system or IPython). The grader is built to give honest
learners reliable feedback and to make accidental or casual cheating fail; grading adversarial
submissions would need the checks run in a separate process. It never changes the notebook file.

Examples::

    python -m nnscratch.grade exercises/02_biases.ipynb          # one notebook
    python -m nnscratch.grade --quick --jobs 2 exercises/         # all of them, on a slice of MNIST
    python -m nnscratch.grade --only relu,relu_prime exercises/01_relu.ipynb   # the first two checks

Exit status: 0 when every check of every notebook passed, 1 when one failed, 2 when a path could not
be graded (missing, not a notebook, or not one of the exercises).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from nnscratch.release import check_id, digest

CHECK_PROLOGUE = (
    "import importlib as _nnscratch_importlib, nnscratch.checks as _nnscratch_checks  # added by the grader\n"
    "_nnscratch_importlib.reload(_nnscratch_checks); del _nnscratch_importlib, _nnscratch_checks\n"
)
PASS_PREFIX = "PASS"
TIMEOUT_ENAME = "GradingTimeout"


@dataclass
class CheckResult:
    exercise: str
    check: str
    passed: bool
    message: str


@dataclass
class Report:
    """The grading of one notebook: one result per check, plus notes on the learner's own cells."""

    path: str
    exercise: str
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # set when the notebook could not be graded at all
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.results) and self.passed == len(self.results)


class GradingError(Exception):
    """This path cannot be graded; the message says why and what to do."""


# --------------------------------------------------------------------------------------------
# Which exercise, and its canonical check cells
# --------------------------------------------------------------------------------------------


def released() -> dict[str, dict]:
    from nnscratch.released_checks import EXERCISES

    return EXERCISES


def identify(nb: nbformat.NotebookNode, path: Path) -> str:
    """The exercise a notebook belongs to: its metadata, else the exercise name in its file name."""
    known = released()
    name = nb.metadata.get("nnscratch", {}).get("exercise")
    if name in known:
        return name
    matches = [key for key in known if key in path.stem]
    if len(matches) == 1:
        return matches[0]
    raise GradingError(
        f"{path}: cannot tell which exercise this is: its metadata has no known 'nnscratch.exercise' and "
        f"its file name contains none of {', '.join(known)}. Grade a notebook made from exercises/, or "
        "rename the file to contain the exercise name (e.g. alice_02_biases.ipynb)."
    )


def restore_checks(nb: nbformat.NotebookNode, exercise: str) -> tuple[nbformat.NotebookNode, list[tuple[int, str]]]:
    """A copy of ``nb`` with the canonical check cells of ``exercise`` in place of whatever is there.

    A check cell still in the notebook (found by the check id in its metadata, by its cell id, or by its
    exact source) is replaced, where it stands, by the canonical cell; repeats are dropped. A check whose
    cell was deleted is re-inserted just before the first canonical cell after it that is still in the
    notebook (found by cell id, else by unchanged content), or at the end. Returns the notebook and the
    (cell index, check id) of each check cell, in the notebook's order.
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
        return found if found is not None else where_digest.get((entry["cell_type"], entry["digest"]))

    inserts: dict[int, list[str]] = {}
    for k, entry in enumerate(canon):
        if "check" in entry and ("check", entry["check"]) not in items:
            later = (locate(e) for e in canon[k + 1:])
            position = next((i for i in later if i is not None), len(items))
            inserts.setdefault(position, []).append(entry["check"])
    cells, checks = [], []

    def add_check(cid: str) -> None:
        entry = canonical[cid]
        cell = nbformat.v4.new_code_cell(entry["source"], id=entry["id"])
        cell.metadata = {"tags": ["check"], "nnscratch": {"check": cid}}
        checks.append((len(cells), cid))
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
    return out, checks


# --------------------------------------------------------------------------------------------
# Running the notebook
# --------------------------------------------------------------------------------------------


def _error_message(reply: dict, check: str | None) -> str:
    """Words for a failed cell, from the kernel's error reply."""
    ename, evalue = reply.get("ename", "Error"), reply.get("evalue", "")
    if ename == TIMEOUT_ENAME:
        return evalue
    if ename == "CheckFailed":
        return evalue
    if ename == "NameError" and check:
        return (f"{evalue}. The check uses this name: define it in the cells above (keep the names of the "
                "exercise), and make sure the cell that defines it runs without an error.")
    if ename == "NameError":
        return f"{evalue} (an earlier cell that defines it failed or was not run)"
    if ename == "NotImplementedError":
        return f"not written yet: {evalue}"
    where = "while checking" if check else "in this cell"
    return f"{ename} {where}: {evalue}"


def _stdout(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"
                   and o.get("name") == "stdout")


def run_notebook(nb: nbformat.NotebookNode, checks: list[tuple[int, str]], exercise: str, cwd: Path,
                 cell_timeout: float, notebook_timeout: float, threads: int | None = None
                 ) -> tuple[list[CheckResult], list[str]]:
    """Execute ``nb`` cell by cell; return one result per check cell and notes on the other cells.

    ``threads`` caps the BLAS threads of the kernel (unless the environment already sets them): kernels
    graded in parallel that each spin several BLAS threads slow each other down many times over.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import run_sync

    check_at = dict(checks)
    replies: dict[int, dict] = {}
    for index in check_at:
        nb.cells[index].source = CHECK_PROLOGUE + nb.cells[index].source
    client = NotebookClient(
        nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True, record_timing=False,
        timeout=int(cell_timeout), resources={"metadata": {"path": str(cwd)}},
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(cell_index, execute_reply),
    )
    results: dict[int, CheckResult] = {}
    notes: list[str] = []
    stop_reason = None
    deadline = time.monotonic() + notebook_timeout
    # The kernel process's own log (not the cells' output) goes nowhere: ipykernel warns there about TCP.
    env = dict(os.environ)
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, str(threads))
    with client.setup_kernel(stderr=subprocess.DEVNULL, env=env):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            remaining = deadline - time.monotonic()
            if remaining < 1:
                stop_reason = (f"not run: the notebook's time limit ({notebook_timeout:.0f} s) was used up before "
                               "this check; make the cells above faster (or check for an endless loop).")
                break
            limit = max(1, int(min(cell_timeout, remaining)))
            client.timeout = limit
            client.error_on_timeout = {
                "ename": TIMEOUT_ENAME, "traceback": [],
                "evalue": f"did not finish within {limit} s and was interrupted: does the code loop forever "
                          "(e.g. a while loop whose condition never changes) or do far more work than needed?",
            }
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                stop_reason = (f"not run: the Python kernel died while running cell {index} (the code may have "
                               "called exit(), crashed, or used too much memory).")
                break
            reply = (replies.get(index) or {}).get("content", {})
            failed = reply.get("status") != "ok"
            if index in check_at:
                if failed:
                    message, passed = _error_message(reply, check_at[index]), False
                else:
                    prefix = f"{PASS_PREFIX} {check_at[index]}: "
                    lines = [line for line in _stdout(cell).splitlines() if line.startswith(prefix)]
                    passed = bool(lines)
                    message = lines[-1][len(prefix):] if lines else "the check cell ran but its check did not report PASS"
                results[index] = CheckResult(exercise, check_at[index], passed, message)
            elif failed:
                notes.append(f"cell {index}: {_error_message(reply, None)}")
            if failed and reply.get("ename") == TIMEOUT_ENAME and not _responsive(client):
                stop_reason = (f"not run: the kernel was still busy after cell {index} timed out and was "
                               "interrupted (does the code catch KeyboardInterrupt in a loop?).")
                run_sync(client.km.shutdown_kernel)(now=True)  # no use waiting for a graceful shutdown
                break
    for index, check in checks:
        if results.get(index) is None:
            results[index] = CheckResult(exercise, check, False, stop_reason or "not run")
    return [results[index] for index, _ in checks], notes


def _responsive(client) -> bool:
    """After an interrupted cell: does the kernel answer a trivial request within 5 s?"""
    client.timeout, client.shell_timeout_interval = 5, 1
    client.interrupt_on_timeout = False
    try:
        msg_id = client.kc.execute("pass", store_history=False)
        return client.wait_for_reply(msg_id) is not None
    except Exception:  # noqa: BLE001 (a timeout raises here when not interrupting)
        return False
    finally:
        client.interrupt_on_timeout = True


def select_checks(nb: nbformat.NotebookNode, checks: list[tuple[int, str]], only: list[str], exercise: str
                  ) -> tuple[nbformat.NotebookNode, list[tuple[int, str]]]:
    """Keep the checks named in ``only``: drop the other check cells and every cell after the last one kept."""
    unknown = [c for c in only if c not in {cid for _, cid in checks}]
    if unknown:
        raise GradingError(f"{exercise} has no check {', '.join(map(repr, unknown))}; its checks are "
                           f"{', '.join(cid for _, cid in checks)}.")
    drop = {index for index, cid in checks if cid not in only}
    last = max(index for index, cid in checks if cid in only)
    kept = [(i, cell) for i, cell in enumerate(nb.cells[:last + 1]) if i not in drop]
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells = [cell for _, cell in kept]
    new_index = {old: new for new, (old, _) in enumerate(kept)}
    return out, [(new_index[i], cid) for i, cid in checks if cid in only]


def grade_notebook(path: str | Path, cell_timeout: float = 300, notebook_timeout: float = 900,
                   save_dir: str | Path | None = None, threads: int | None = None,
                   only: list[str] | None = None) -> Report:
    """Grade one notebook file and return its report (never raises for a learner's mistake).

    ``only`` names the checks to run (default: all); the notebook then runs up to the last of them.
    """
    path, start = Path(path), time.monotonic()
    try:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001 (any unreadable file is reported the same way)
            raise GradingError(f"{path}: not a readable Jupyter notebook ({type(exc).__name__}: {exc})") from None
        exercise = identify(nb, path)
        graded, checks = restore_checks(nb, exercise)
        if only:
            graded, checks = select_checks(graded, checks, only, exercise)
    except GradingError as err:
        return Report(str(path), "?", error=str(err))
    results, notes = run_notebook(graded, checks, exercise, path.resolve().parent, cell_timeout, notebook_timeout,
                                  threads)
    if save_dir is not None:
        Path(save_dir).mkdir(parents=True, exist_ok=True)
        nbformat.write(graded, Path(save_dir) / path.name)
    return Report(str(path), exercise, results, notes, seconds=time.monotonic() - start)


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def find_notebooks(paths: list[str]) -> tuple[list[Path], list[Report]]:
    """Expand folders into their ``*.ipynb`` files; report paths that do not exist or are not notebooks."""
    found, bad = [], []
    for p in map(Path, paths):
        if p.is_dir():
            inside = sorted(q for q in p.glob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
            if not inside:
                bad.append(Report(str(p), "?", error=f"{p}: the folder holds no .ipynb notebooks"))
            found += inside
        elif p.is_file() and p.suffix == ".ipynb":
            found.append(p)
        else:
            why = "no such file or folder" if not p.exists() else "not a .ipynb notebook"
            bad.append(Report(str(p), "?", error=f"{p}: {why}. Give notebooks or folders of notebooks."))
    return found, bad


def format_reports(reports: list[Report], width: int = 100) -> str:
    """The table of checks for every notebook, with a score for each and in total."""
    rows = [(r.exercise, c.check, "pass" if c.passed else "FAIL", c.message) for r in reports for c in r.results]
    w_ex = max([len("exercise")] + [len(x[0]) for x in rows])
    w_ch = max([len("check")] + [len(x[1]) for x in rows])
    w_msg = max(30, width - w_ex - w_ch - 12)
    lines = []
    for report in reports:
        lines.append(f"== {report.path}" + (f" ({report.exercise}, {report.seconds:.0f} s)" if not report.error else ""))
        if report.error:
            lines += [f"   cannot grade: {report.error}", ""]
            continue
        lines.append(f"{'exercise':<{w_ex}}  {'check':<{w_ch}}  result  message")
        lines.append(f"{'-' * w_ex}  {'-' * w_ch}  ------  {'-' * w_msg}")
        for c in report.results:
            wrapped = textwrap.wrap(c.message, w_msg) or [""]
            lines.append(f"{c.exercise:<{w_ex}}  {c.check:<{w_ch}}  {'pass' if c.passed else 'FAIL':<6}  {wrapped[0]}")
            lines += [f"{'':<{w_ex}}  {'':<{w_ch}}  {'':<6}  {more}" for more in wrapped[1:]]
        for note in report.notes[:5]:
            lines.append(textwrap.fill(f"note: {note}", width, subsequent_indent="      "))
        total = len(report.results)
        lines += [f"score {report.exercise}: {report.passed}/{total} checks passed ({report.passed / total:.0%})", ""]
    graded = [r for r in reports if not r.error]
    if len(reports) > 1 and graded:
        passed, total = sum(r.passed for r in graded), sum(len(r.results) for r in graded)
        lines.append(f"total: {passed}/{total} checks passed ({passed / total:.0%}) in {len(graded)} notebooks")
    return "\n".join(lines)


def grade_paths(paths: list[str], jobs: int = 1, **kwargs) -> list[Report]:
    """Grade every notebook named or inside the folders named; reports in the order given."""
    notebooks, bad = find_notebooks(paths)
    if jobs > 1 and len(notebooks) > 1:
        kwargs.setdefault("threads", max(1, (os.cpu_count() or 1) // jobs))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            reports = list(pool.map(_grade_kw, [(p, kwargs) for p in notebooks]))
    else:
        reports = [grade_notebook(p, **kwargs) for p in notebooks]
    return bad + reports


def _grade_kw(args: tuple[Path, dict]) -> Report:
    path, kwargs = args
    return grade_notebook(path, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnscratch.grade",
        description="Grade exercise notebooks: restore the canonical check cells, run, and print a table of checks.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="exercise notebooks, or folders of them")
    parser.add_argument("--cell-timeout", type=float, default=300, help="seconds allowed per cell (default: %(default)s)")
    parser.add_argument("--notebook-timeout", type=float, default=900,
                        help="seconds allowed per notebook (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded in parallel (default: %(default)s)")
    parser.add_argument("--only", metavar="CHECK[,CHECK...]", type=lambda s: [c.strip() for c in s.split(",") if c.strip()],
                        help="run only these checks (the notebook runs up to the last of them), e.g. --only relu,relu_prime")
    parser.add_argument("--quick", action="store_true", help="run in quick mode (NNSCRATCH_QUICK=1): a small slice of MNIST")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--save-executed", type=Path, metavar="DIR", help="write the executed, restored notebooks here")
    args = parser.parse_args(argv)
    if args.quick:
        os.environ["NNSCRATCH_QUICK"] = "1"
    print("Grading (each notebook runs in a fresh kernel; this takes a while) ...", file=sys.stderr, flush=True)
    reports = grade_paths(args.paths, jobs=args.jobs, cell_timeout=args.cell_timeout,
                          notebook_timeout=args.notebook_timeout, save_dir=args.save_executed, only=args.only)
    width = min(120, max(80, shutil.get_terminal_size((100, 20)).columns))
    print(format_reports(reports, width))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=1) + "\n")
    if any(r.error for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
