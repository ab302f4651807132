"""Run a learner's notebook and grade its checks: what ``python -m nnscratch.grade`` does.

For each notebook the grader

1. finds which exercise it is and puts back the canonical check cells (:mod:`.restore`);
2. fixes the grade's settings (:mod:`.settings`: quick or full, time limits, one BLAS thread) and
   starts a fresh kernel with them: ``NNSCRATCH_QUICK`` set for a quick grade and unset for a full
   one, ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to 1 whatever the
   grader's own environment says (on 2 cores, more threads make this network's small products
   5-20 times slower, and parallel kernels would compete for the cores);
3. runs the notebook cell by cell, continuing after ordinary errors, with a time limit per cell and
   per notebook. A cell that times out, or a kernel that dies, ends the run: every check after it
   fails, and the report's ``problem`` says why (a training loop stopped half way must not leave
   a network that the checks after it would judge);
4. reports one result per check (:mod:`.report`).

A check passes when its cell runs without an error *and* the check recorded its success in the
kernel (``nnscratch.grade.PASSED``, read by the grader after the cell; see
:mod:`.harness`). Each check cell starts with a prologue that reloads the checks as released and
fixes the settings (:func:`.restore.prologue`).

Out of scope: the learner's code runs in the same kernel as the checks, so it could still subvert
them deliberately (patching NumPy, the checks, the import system or IPython). The grader is built to
give honest learners reliable feedback and to make accidental or casual cheating fail; grading
adversarial submissions would need the checks run in a separate process. It never changes the
notebook file.
"""

from __future__ import annotations

import ast
import os
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from nnscratch.config import QUICK_ENV
from nnscratch.grade.report import CheckResult, Report
from nnscratch.grade.restore import GradingError, identify, prologue, restore_checks, select_checks
from nnscratch.grade.settings import Settings

TIMEOUT_ENAME = "GradingTimeout"
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def describe(cell: nbformat.NotebookNode, index: int) -> str:
    """How a report names a cell: its position (from 1) and its first line of code."""
    first = next((line.strip() for line in cell.source.split("\n") if line.strip()), "")
    first = first if len(first) <= 40 else first[:37] + "..."
    return f"cell {index + 1} (`{first}`)"


def _error_message(reply: dict, check: str | None, last_error: str | None = None) -> str:
    """Words for a failed cell, from the kernel's error reply."""
    ename, evalue = reply.get("ename", "Error"), reply.get("evalue", "")
    if ename in (TIMEOUT_ENAME, "CheckFailed"):
        return evalue
    if ename == "NameError" and check:
        why = (
            f" An earlier cell failed: {last_error}."
            if last_error
            else " Define it in the cells above (keep the names of the exercise)."
        )
        return f"{evalue}: the check uses this name.{why}"
    if ename == "NameError":
        return f"{evalue} (an earlier cell that defines it failed or was not run)"
    if ename == "NotImplementedError":
        return f"not written yet: {evalue}"
    where = "while checking" if check else "in this cell"
    return f"{ename} {where}: {evalue}"


def failed_check_message(
    reply: dict, check: str, last_error: str | None = None, recent_error: str | None = None
) -> str:
    """Words for a failed check cell. ``recent_error`` is the error of a learner's cell since the
    previous check (e.g. the training cell): the check judged what that cell left behind, so the
    message leads with it (a network trained half way is not a learning-rate problem)."""
    message = _error_message(reply, check, last_error)
    # the first error since the previous check cell; later ones may only follow from it
    if recent_error and reply.get("ename") not in ("NameError", TIMEOUT_ENAME):
        message = f"{recent_error} (fix that first); then the check found: {message}"
    return message


def kernel_env(settings: Settings) -> dict[str, str]:
    """The kernel's environment: the grader's, with the grade's mode and one BLAS thread."""
    env = dict(os.environ)
    env.pop(QUICK_ENV, None)
    if settings.quick:
        env[QUICK_ENV] = "1"
    for var in BLAS_THREADS:
        env[var] = str(settings.threads)
    return env


def _passed_detail(client, check: str) -> str | None:
    """The detail the check recorded in the kernel if it passed, else None."""
    expression = f"__import__('nnscratch.grade', fromlist=['PASSED']).PASSED.get({check!r})"
    msg_id = client.kc.execute(
        "", silent=True, store_history=False, user_expressions={"r": expression}
    )
    reply = client.wait_for_reply(msg_id) or {}
    found = reply.get("content", {}).get("user_expressions", {}).get("r", {})
    if found.get("status") != "ok":
        return None
    try:
        value = ast.literal_eval(found.get("data", {}).get("text/plain", "None"))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def run_notebook(
    nb: nbformat.NotebookNode,
    checks: list[tuple[int, str]],
    exercise: str,
    cwd: Path,
    settings: Settings,
) -> tuple[list[CheckResult], list[str], str | None]:
    """Execute ``nb`` cell by cell with the grade's ``settings``.

    Returns one result per check cell, notes on the other cells' errors, and the problem that
    ended the run early (a cell that timed out, a dead kernel, the notebook's time limit), or None.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import run_sync

    check_at = dict(checks)
    replies: dict[int, dict] = {}
    for index in check_at:
        nb.cells[index].source = prologue(exercise, settings) + nb.cells[index].source
    client = NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        record_timing=False,
        shutdown_kernel="immediate",  # the kernel is disposable: no graceful wait at the end
        timeout=int(settings.cell_timeout),
        resources={"metadata": {"path": str(cwd)}},
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(
            cell_index, execute_reply
        ),
    )
    results: dict[int, CheckResult] = {}
    notes: list[str] = []
    problem, last_error, recent_error = None, None, None
    deadline = time.monotonic() + settings.notebook_timeout
    # The kernel process's own log (not the cells' output) goes nowhere: ipykernel warns about TCP.
    with client.setup_kernel(stderr=subprocess.DEVNULL, env=kernel_env(settings)):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            remaining = deadline - time.monotonic()
            if remaining < 1:
                problem = (
                    f"the notebook's time limit ({settings.notebook_timeout:.0f} s) was used up "
                    f"before {describe(cell, index)}"
                )
                break
            limit = max(1, int(min(settings.cell_timeout, remaining)))
            client.timeout = limit
            client.error_on_timeout = {
                "ename": TIMEOUT_ENAME,
                "traceback": [],
                "evalue": (
                    f"did not finish within {limit} s and was stopped: does the code loop "
                    "forever (e.g. a while loop whose condition never changes) or do far more work "
                    "than needed?"
                ),
            }
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                problem = (
                    f"the Python kernel died while running {describe(cell, index)} (the code may "
                    "have called exit(), crashed, or used too much memory)"
                )
                break
            reply = (replies.get(index) or {}).get("content", {})
            failed = reply.get("status") != "ok"
            if index in check_at:
                detail = None if failed else _passed_detail(client, check_at[index])
                if failed:
                    message = failed_check_message(reply, check_at[index], last_error, recent_error)
                elif detail is None:
                    message = "the check cell ran, but its check did not record that it passed"
                else:
                    message = detail
                results[index] = CheckResult(exercise, check_at[index], detail is not None, message)
                recent_error = None
            elif failed:
                last_error = f"{describe(cell, index)} raised {reply.get('ename', 'an error')}"
                if reply.get("evalue"):
                    evalue = reply["evalue"].strip()
                    last_error += f": {evalue if len(evalue) <= 200 else evalue[:197] + '...'}"
                recent_error = recent_error or last_error  # the first: the others may follow
                notes.append(f"{describe(cell, index)}: {_error_message(reply, None)}")
            if failed and reply.get("ename") == TIMEOUT_ENAME:
                problem = f"{describe(cell, index)} did not finish within {limit} s and was stopped"
                run_sync(client.km.shutdown_kernel)(now=True)  # it may still be busy
                break
    why = f"not run: {problem}; the checks after it cannot be trusted." if problem else "not run"
    for index, check in checks:
        if results.get(index) is None:
            results[index] = CheckResult(exercise, check, False, why)
    return [results[index] for index, _ in checks], notes, problem


def grade_notebook(
    path: str | Path,
    settings: Settings | None = None,
    save_dir: str | Path | None = None,
    only: list[str] | None = None,
) -> Report:
    """Grade one notebook file and return its report (never raises for a learner's mistake).

    ``settings`` default to a full grade with the default limits. ``only`` names the checks to run
    (default: all); the notebook then runs up to the last of them.
    """
    settings = settings or Settings()
    path, start = Path(path), time.monotonic()
    try:
        nb = read_notebook(path)
        exercise = identify(nb, path)
        graded, checks = restore_checks(nb, exercise)
        if only:
            graded, checks = select_checks(graded, checks, only, exercise)
    except GradingError as err:
        return Report(str(path), "?", error=str(err), mode=settings.mode)
    results, notes, problem = run_notebook(
        graded, checks, exercise, path.resolve().parent, settings
    )
    if save_dir is not None:
        Path(save_dir).mkdir(parents=True, exist_ok=True)
        nbformat.write(graded, Path(save_dir) / path.name)
    return Report(
        str(path),
        exercise,
        results,
        notes,
        problem=problem,
        mode=settings.mode,
        seconds=time.monotonic() - start,
    )


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``, or GradingError saying why it cannot be read."""
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 (any unreadable file is reported the same way)
        why = str(exc).split("\n")[0][:160]
        raise GradingError(
            f"{path}: not a readable Jupyter notebook ({type(exc).__name__}: {why})"
        ) from None


def find_notebooks(paths: list[str]) -> tuple[list[Path], list[Report]]:
    """Expand folders into their ``*.ipynb`` files; report paths missing or not notebooks."""
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
            bad.append(
                Report(str(p), "?", error=f"{p}: {why}. Give notebooks or folders of notebooks.")
            )
    return found, bad


def grade_many(jobs: list[tuple[Path, dict]], workers: int = 1) -> list[Report]:
    """Grade ``(path, keyword arguments of grade_notebook)`` pairs, ``workers`` kernels at a time;
    reports in the order given."""
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_grade_kw, jobs))
    return [_grade_kw(job) for job in jobs]


def grade_paths(paths: list[str], jobs: int = 1, **kwargs) -> list[Report]:
    """Grade every notebook named or inside the folders named; reports in the order given."""
    notebooks, bad = find_notebooks(paths)
    return bad + grade_many([(p, kwargs) for p in notebooks], jobs)


def _grade_kw(job: tuple[Path, dict]) -> Report:
    path, kwargs = job
    return grade_notebook(path, **kwargs)
