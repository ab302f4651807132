"""Run a learner's notebook and grade its checks: what ``python -m nnscratch.grade`` does.

For each notebook the grader

1. reads it only if it is a regular file below a size cap (:mod:`.safefiles`), finds which exercise
   it is and puts back the canonical check cells (:mod:`.restore`);
2. fixes the grade's settings (:mod:`.settings`: quick or full, time limits, one BLAS thread);
3. hands it to a *worker*, a process of its own in a session of its own (:mod:`.worker`), which
   starts a fresh kernel (in a sandbox, :mod:`.sandbox`, unless told otherwise) with those
   settings: ``NNSCRATCH_QUICK`` set for a quick grade and unset for a full one,
   ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to 1 whatever the
   grader's own environment says (on 2 cores, more threads make this network's small products
   5-20 times slower, and parallel kernels would compete for the cores);
4. the worker runs the notebook cell by cell (:func:`run_notebook`), continuing after ordinary
   errors, with a time limit per cell and per notebook. A cell that times out, or a kernel that
   dies, ends the run: every check after it fails, and the report's ``problem`` says why (a
   training loop stopped half way must not leave a network that the checks after it would judge);
5. the grader's own process watches every worker from outside (:mod:`.supervisor`): time limits,
   a worker stopped or killed, and at the end of each grade every process the notebook started
   killed; then it reports one result per check (:mod:`.report`).

A check is judged outside the learner's kernel (issue 23, :func:`.harness.probe`): in place of its
check cell the kernel runs the check's *probe* on inputs drawn here from the grade's seed (the seed
never reaches the kernel; the inputs do, in the probe's cell), which displays what it measured as
plain data bound to a nonce of that cell (:class:`.verdict.Probe`); after the cell's reply, the
worker reads that display (:mod:`.plain`: no unpickling, sizes bounded) and runs the check's
*judge* in its own process. Nothing the notebook changes in its kernel (the checks,
``nnscratch.grade.PASSED``, imports, IPython, NumPy) changes the verdict; a check cell's prologue
still reloads the checks as released and fixes the settings (:func:`.restore.prologue`), for the
probes. What the kernel alone can see (that a function runs the learner's own code, leaves its
inputs alone) is checked by the probe, where a determined learner can switch it off: the teacher's
pages (``teachers/guarantees.md``) say so. The sandbox keeps the notebook from reading or harming
anything else. The grader never changes the notebook file.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from nnscratch.config import QUICK_ENV
from nnscratch.grade import plain, verdict
from nnscratch.grade.harness import PROBE_MIME, pass_line
from nnscratch.grade.report import CheckResult, Report
from nnscratch.grade.safefiles import find_notebooks, read_notebook  # noqa: F401 (the API)
from nnscratch.grade.settings import Settings

TIMEOUT_ENAME = "GradingTimeout"
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
#: The longest message kept from the kernel (an error's text is the learner's to choose).
MAX_MESSAGE = 1000
#: Output a notebook may send while graded (printed text, figures), in bytes; beyond it the run
#: ends (:data:`OUTPUT_PROBLEM`). The solutions send at most 0.14 MB (exercise 5, full grade).
MAX_OUTPUT_BYTES = 16 * 2**20
#: The largest message the worker accepts from a kernel (ZMQ drops the connection beyond it).
MAX_MESSAGE_BYTES = 64 * 2**20
OUTPUT_PROBLEM = "the notebook's output went over the grader's limit of {mb:.0f} MB"


def describe(cell: nbformat.NotebookNode, index: int) -> str:
    """How a report names a cell: its position (from 1) and its first line of code."""
    first = next((line.strip() for line in cell.source.split("\n") if line.strip()), "")
    first = first if len(first) <= 40 else first[:37] + "..."
    return f"cell {index + 1} (`{first}`)"


def _cut(text: str, limit: int = MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error_message(reply: dict, check: str | None, last_error: str | None = None) -> str:
    """Words for a failed cell, from the kernel's error reply."""
    ename, evalue = _cut(str(reply.get("ename", "Error")), 100), _cut(str(reply.get("evalue", "")))
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
        message = after_error(recent_error, message)
    return message


def after_error(error: str, message: str) -> str:
    """A check's message after a learner's cell failed: that error first (it may be the cause)."""
    return f"{error} (fix that first); then the check found: {message}"


def kernel_env(settings: Settings) -> dict[str, str]:
    """The kernel's environment: the grader's, with the grade's mode and one BLAS thread."""
    env = dict(os.environ)
    env.pop(QUICK_ENV, None)
    if settings.quick:
        env[QUICK_ENV] = "1"
    for var in BLAS_THREADS:
        env[var] = str(settings.threads)
    return env


def _stream(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("stream", name="stdout", text=text + "\n")


class _Outputs:
    """Counts what the kernel sends (stream text, figures, errors) and stops at a cap. The one reply
    of the probe the grader awaits (``expected``, its nonce) is the grader's, not the notebook's
    output: it counts against the bound of plain data instead (:data:`.plain.MAX_BYTES`)."""

    def __init__(self, cap: int) -> None:
        self.cap, self.sent, self.over = cap, 0, False
        self.expected: str | None = None

    def add(self, content: dict) -> bool:
        """Count one message's content; False once the cap is passed."""
        size = len(str(content))
        reply = (content.get("data") or {}).get(PROBE_MIME) if isinstance(content, dict) else None
        if self.expected and isinstance(reply, str) and reply.startswith(f"{self.expected}:"):
            self.expected = None  # one reply per probe cell
            self.over = self.over or size > plain.MAX_BYTES * 4 // 3 + 1000
            return not self.over
        self.sent += size
        self.over = self.over or self.sent > self.cap
        return not self.over


def _client_class():
    from nbclient import NotebookClient

    class Client(NotebookClient):
        """nbclient's client that keeps at most ``outputs.cap`` bytes of output: past it, the
        kernel is killed (the run ends with :data:`OUTPUT_PROBLEM`)."""

        outputs: _Outputs

        def output(self, outs, msg, display_id, cell_index):
            if self.outputs.add(msg.get("content", {})):
                return super().output(outs, msg, display_id, cell_index)
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            if process is not None and process.poll() is None:
                process.kill()  # the kernel's death ends the cell; the run names the cause
            return None

    return Client


def plain_kernel(settings: Settings, cwd: Path):
    """A kernel outside any sandbox (``--no-sandbox``): the grader's environment, with the grade's
    mode and one BLAS thread; the notebook runs with the teacher's rights. Returns the kernel
    manager and the keyword arguments of its start."""
    import zmq.asyncio
    from jupyter_client.manager import AsyncKernelManager

    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)  # one message cannot flood the worker
    km = AsyncKernelManager(kernel_name="python3", context=context)
    devnull = subprocess.DEVNULL  # the kernel's own streams are not the notebook's outputs
    start = {"env": kernel_env(settings), "cwd": str(cwd), "stdin": devnull}
    return km, start | {"stdout": devnull, "stderr": devnull}


def run_notebook(
    nb: nbformat.NotebookNode,
    checks: list[tuple[int, str]],
    exercise: str,
    cwd: Path,
    settings: Settings,
    progress: Callable[[dict], None] | None = None,
    kernel: tuple | None = None,
    max_output: int = MAX_OUTPUT_BYTES,
    limit_hit: Callable[[dict], str | None] | None = None,
    sent: dict | None = None,
) -> tuple[list[CheckResult], list[str], str | None]:
    """Execute ``nb`` cell by cell with the grade's ``settings``.

    ``progress`` is told each code cell as it starts (``{"cell": k, "of": n, "check": id}``);
    ``kernel`` is ``(kernel manager, start keyword arguments)`` (default: :func:`plain_kernel`);
    ``limit_hit`` names the sandbox's limit a failed cell ran into, if any (that ends the run);
    ``sent["bytes"]`` is set to the size of the output the kernel sent.
    Returns one result per check cell, notes on the other cells' errors, and the problem that
    ended the run early (a cell that timed out, a dead kernel, a limit), or None.
    """
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import run_sync

    check_at = dict(checks)
    replies: dict[int, dict] = {}
    from nnscratch.grade import settings as grade_settings

    grade_settings.fix(settings)  # the judges read the grade's settings in this process too
    probes = verdict.probes(nb, checks, exercise, settings)
    canonical = {index: nb.cells[index].source for index in probes}  # put back once judged
    for index, probe in probes.items():
        nb.cells[index].source = probe.source
    km, start = kernel or plain_kernel(settings, cwd)
    client = _client_class()(
        nb,
        km=km,
        allow_errors=True,
        interrupt_on_timeout=True,
        record_timing=False,
        shutdown_kernel="immediate",  # the kernel is disposable: no graceful wait at the end
        timeout=int(settings.cell_timeout),
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "", "traceback": []},
        on_cell_executed=lambda cell, cell_index, execute_reply: replies.__setitem__(
            cell_index, execute_reply
        ),
    )
    client.outputs = _Outputs(max_output)
    results: dict[int, CheckResult] = {}
    notes: list[str] = []
    problem, last_error, recent_error = None, None, None
    deadline = time.monotonic() + settings.notebook_timeout
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    with client.setup_kernel(cleanup_kc=True, **start):
        for position, index in enumerate(code, 1):
            cell = nb.cells[index]
            if progress:
                progress({"cell": position, "of": len(code), "check": check_at.get(index)})
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
            client.outputs.expected = probes[index].nonce if index in probes else None
            try:
                client.execute_cell(cell, index)
            except (ValueError, TypeError, AttributeError, KeyError) as exc:
                problem = (  # a message that is not Jupyter's protocol: the notebook sent it
                    f"the kernel sent a malformed message while running {describe(cell, index)} "
                    f"({type(exc).__name__}: {_cut(str(exc), 120)})"
                )
                run_sync(client.km.shutdown_kernel)(now=True)
                break
            except DeadKernelError:
                if client.outputs.over:
                    problem = OUTPUT_PROBLEM.format(mb=max_output / 2**20)
                else:
                    hit = limit_hit({"died": True}) if limit_hit else None
                    problem = hit or (
                        f"the Python kernel died while running {describe(cell, index)} (the code "
                        "may have called exit(), crashed, or used too much memory)"
                    )
                break
            reply = (replies.get(index) or {}).get("content", {})
            failed = reply.get("status") != "ok"
            if index in check_at:  # judged here, on what the probe returned
                if failed:
                    passed = False
                    message = failed_check_message(reply, check_at[index], last_error, recent_error)
                else:
                    passed, message = probes[index].verdict(cell.outputs)
                    if not passed and recent_error:
                        message = after_error(recent_error, message)
                    shown = f"CheckFailed: {message}"
                    cell.outputs = [
                        _stream(pass_line(check_at[index], message) if passed else shown)
                    ]
                results[index] = CheckResult(exercise, check_at[index], passed, _cut(message))
                recent_error = None
            elif failed:
                ename = _cut(reply.get("ename", "an error"), 100)
                error = f"{describe(cell, index)} raised {ename}"
                if reply.get("evalue"):
                    error += f": {_cut(str(reply['evalue']).strip(), 200)}"
                # a NameError follows from an earlier failure when there is one: name that one
                if reply.get("ename") != "NameError" or last_error is None:
                    last_error = error
                recent_error = recent_error or error  # the first: the others may follow
                notes.append(f"{describe(cell, index)}: {_error_message(reply, None)}")
            hit = limit_hit(reply) if failed and limit_hit else None
            if failed and reply.get("ename") == TIMEOUT_ENAME:
                problem = f"{describe(cell, index)} did not finish within {limit} s and was stopped"
            elif hit or client.outputs.over:
                problem = hit or OUTPUT_PROBLEM.format(mb=max_output / 2**20)
            if problem:
                run_sync(client.km.shutdown_kernel)(now=True)  # it may still be busy
                break
    for index, source in canonical.items():  # a saved notebook shows the check cells
        nb.cells[index].source = source
    if sent is not None:
        sent["bytes"] = client.outputs.sent
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
    **options,
) -> Report:
    """Grade one notebook file and return its report (never raises for a learner's mistake).

    ``settings`` default to a full grade with the default limits. ``only`` names the checks to run
    (default: all); the notebook then runs up to the last of them. The notebook runs in a worker
    process watched by this one (:func:`.supervisor.grade_jobs`; ``options`` go there).
    """
    return grade_many(
        [(Path(path), {"settings": settings, "save_dir": save_dir, "only": only})], **options
    )[0]


def grade_many(jobs: list[tuple[Path, dict]], workers: int = 1, **options) -> list[Report]:
    """Grade ``(path, keyword arguments of grade_notebook)`` pairs, ``workers`` notebooks at a
    time, each in its own worker process; reports in the order given."""
    from nnscratch.grade.supervisor import Job, grade_jobs

    return grade_jobs([Job(Path(p), **kw) for p, kw in jobs], workers, **options)


def grade_paths(paths: list[str], jobs: int = 1, **kwargs) -> list[Report]:
    """Grade every notebook named or inside the folders named; reports in the order given."""
    options = {k: kwargs.pop(k) for k in list(kwargs) if k not in ("settings", "save_dir", "only")}
    notebooks, bad = find_notebooks(paths)
    return bad + grade_many([(p, kwargs) for p in notebooks], jobs, **options)


def _grade_kw(job: tuple[Path, dict]) -> Report:
    path, kwargs = job
    return grade_notebook(path, **kwargs)
