"""Run a learner's notebook and grade its checks: what ``python -m nnscratch.grade`` does.

For each notebook the grader

1. finds which exercise it is and puts back the canonical check cells (:mod:`.restore`);
2. runs the notebook cell by cell in a fresh kernel, continuing after errors, with a time limit
   per cell and per notebook (code that loops forever is interrupted and fails its checks; a crash
   of the kernel fails the checks that could not run);
3. reports one result per check (:mod:`.report`).

A check passes when its cell runs without an error *and* the check printed its ``PASS <id>:``
line (:func:`nnscratch.grade.harness.pass_prefix`).

Out of scope: the learner's code runs in the same kernel as the checks, so it could still subvert
them deliberately (patching NumPy, the import system or IPython). The grader is built to give
honest learners reliable feedback and to make accidental or casual cheating fail; grading
adversarial submissions would need the checks run in a separate process. It never changes the
notebook file.
"""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from nnscratch.grade.harness import CONTINUATION, pass_prefix
from nnscratch.grade.report import CheckResult, Report
from nnscratch.grade.restore import GradingError, identify, prologue, restore_checks, select_checks

TIMEOUT_ENAME = "GradingTimeout"


def _error_message(reply: dict, check: str | None) -> str:
    """Words for a failed cell, from the kernel's error reply."""
    ename, evalue = reply.get("ename", "Error"), reply.get("evalue", "")
    if ename == TIMEOUT_ENAME:
        return evalue
    if ename == "CheckFailed":
        return evalue
    if ename == "NameError" and check:
        return (
            f"{evalue}. The check uses this name: define it in the cells above (keep the names of "
            "the exercise), and make sure the cell that defines it runs without an error."
        )
    if ename == "NameError":
        return f"{evalue} (an earlier cell that defines it failed or was not run)"
    if ename == "NotImplementedError":
        return f"not written yet: {evalue}"
    where = "while checking" if check else "in this cell"
    return f"{ename} {where}: {evalue}"


def _stdout(cell: nbformat.NotebookNode) -> str:
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )


def _pass_detail(stdout: str, prefix: str) -> str | None:
    """The detail of the last ``PASS <id>:`` line, with its indented continuation lines."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    if not starts:
        return None
    detail = [lines[starts[-1]][len(prefix) :]]
    for line in lines[starts[-1] + 1 :]:
        if not line.startswith(CONTINUATION):
            break
        detail.append(line.strip())
    return " ".join(detail)


def run_notebook(
    nb: nbformat.NotebookNode,
    checks: list[tuple[int, str]],
    exercise: str,
    cwd: Path,
    cell_timeout: float,
    notebook_timeout: float,
    threads: int | None = None,
) -> tuple[list[CheckResult], list[str]]:
    """Execute ``nb`` cell by cell; return one result per check cell and notes on the other cells.

    ``threads`` caps the BLAS threads of the kernel (unless the environment already sets them):
    kernels graded in parallel that each spin several BLAS threads slow each other down many times.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import run_sync

    check_at = dict(checks)
    replies: dict[int, dict] = {}
    for index in check_at:
        nb.cells[index].source = prologue(exercise) + nb.cells[index].source
    client = NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        record_timing=False,
        timeout=int(cell_timeout),
        resources={"metadata": {"path": str(cwd)}},
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(
            cell_index, execute_reply
        ),
    )
    results: dict[int, CheckResult] = {}
    notes: list[str] = []
    stop_reason = None
    deadline = time.monotonic() + notebook_timeout
    # The kernel process's own log (not the cells' output) goes nowhere: ipykernel warns about TCP.
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
                stop_reason = (
                    f"not run: the notebook's time limit ({notebook_timeout:.0f} s) was used up "
                    "before this check; make the cells above faster (or check for an endless loop)."
                )
                break
            limit = max(1, int(min(cell_timeout, remaining)))
            client.timeout = limit
            client.error_on_timeout = {
                "ename": TIMEOUT_ENAME,
                "traceback": [],
                "evalue": (
                    f"did not finish within {limit} s and was interrupted: does the code loop "
                    "forever (e.g. a while loop whose condition never changes) or do far more work "
                    "than needed?"
                ),
            }
            try:
                client.execute_cell(cell, index)
            except DeadKernelError:
                stop_reason = (
                    f"not run: the Python kernel died while running cell {index} (the code may "
                    "have called exit(), crashed, or used too much memory)."
                )
                break
            reply = (replies.get(index) or {}).get("content", {})
            failed = reply.get("status") != "ok"
            if index in check_at:
                if failed:
                    message, passed = _error_message(reply, check_at[index]), False
                else:
                    detail = _pass_detail(_stdout(cell), pass_prefix(check_at[index]))
                    passed = detail is not None
                    message = (
                        detail
                        if passed
                        else ("the check cell ran but its check did not report PASS")
                    )
                results[index] = CheckResult(exercise, check_at[index], passed, message)
            elif failed:
                notes.append(f"cell {index}: {_error_message(reply, None)}")
            if failed and reply.get("ename") == TIMEOUT_ENAME and not _responsive(client):
                stop_reason = (
                    f"not run: the kernel was still busy after cell {index} timed out and was "
                    "interrupted (does the code catch KeyboardInterrupt in a loop?)."
                )
                # no use waiting for a graceful shutdown
                run_sync(client.km.shutdown_kernel)(now=True)
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


def grade_notebook(
    path: str | Path,
    cell_timeout: float = 300,
    notebook_timeout: float = 900,
    save_dir: str | Path | None = None,
    threads: int | None = None,
    only: list[str] | None = None,
) -> Report:
    """Grade one notebook file and return its report (never raises for a learner's mistake).

    ``only`` names the checks to run (default: all); the notebook then runs up to the last of them.
    """
    path, start = Path(path), time.monotonic()
    try:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001 (any unreadable file is reported the same way)
            raise GradingError(
                f"{path}: not a readable Jupyter notebook ({type(exc).__name__}: {exc})"
            ) from None
        exercise = identify(nb, path)
        graded, checks = restore_checks(nb, exercise)
        if only:
            graded, checks = select_checks(graded, checks, only, exercise)
    except GradingError as err:
        return Report(str(path), "?", error=str(err))
    results, notes = run_notebook(
        graded, checks, exercise, path.resolve().parent, cell_timeout, notebook_timeout, threads
    )
    if save_dir is not None:
        Path(save_dir).mkdir(parents=True, exist_ok=True)
        nbformat.write(graded, Path(save_dir) / path.name)
    return Report(str(path), exercise, results, notes, seconds=time.monotonic() - start)


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
