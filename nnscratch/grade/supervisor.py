"""The grader's own process: one worker per notebook, each watched from outside.

Every notebook is graded by a worker (:mod:`.worker`) started in a session of its own, so that
nothing a notebook does to its process group or session (``kill(0, ...)``, ``killpg``, a hangup,
the terminal's Ctrl-C) reaches this process, and the kernel's parent is the worker, not this
process. This process is a *subreaper*: processes a notebook left behind when its worker ended are
adopted here rather than by ``init``, so they can be found. The watchdog here, not the worker,
enforces the limits:

- the notebook's time limit, and each cell's (the worker reports each cell as it starts), with a
  grace of :data:`GRACE` seconds for the worker to stop a cell itself;
- a worker stopped (SIGSTOP, or traced) for :data:`STOPPED_AFTER` seconds, or killed, or ended
  without a result;
- the sandbox's memory limit, over every process of the notebook together (:mod:`.sandbox`).

Each becomes a ``problem`` on that notebook's report, never the end of the run. When a grade
ends, every process below its worker is stopped and killed (:func:`.procs.kill_tree`), and so is
any orphan adopted here. Ctrl-C (or SIGTERM, SIGHUP) ends every worker the same way and raises
:class:`Interrupted` with a report for every notebook: graded, or why not.

What a notebook can still reach without the sandbox: any process of the same user, by its process
id (this one included: ``kill(pid, SIGSTOP)``, ``kill(-1, ...)``), and files the user may write;
the sandbox (its own process namespace, another user when run as root) closes that.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from nnscratch.grade import procs, worker
from nnscratch.grade.checks import warm
from nnscratch.grade.report import CheckResult, Report
from nnscratch.grade.restore import GradingError, identify, restore_checks, select_checks
from nnscratch.grade.runner import MAX_OUTPUT_BYTES, read_notebook
from nnscratch.grade.safefiles import MAX_NOTEBOOK_BYTES
from nnscratch.grade.settings import Settings

#: Seconds beyond a cell's or the notebook's time limit before the grader ends a worker itself
#: (the worker stops a cell that runs too long; this is for a worker that does not).
GRACE = 60.0
#: Seconds a worker may stay stopped (SIGSTOP) before the grader ends it.
STOPPED_AFTER = 2.0
#: Seconds between two looks of the watchdog at the processes (reading /proc costs a few ms).
POLL = 0.5
#: What grades run in when the caller does not say: ``"auto"``, the sandbox where it runs.
DEFAULT_SANDBOX = "auto"


class Interrupted(Exception):
    """The grade was interrupted (Ctrl-C, SIGTERM, SIGHUP); ``reports`` covers every notebook."""

    def __init__(self, reports: list[Report], why: str) -> None:
        super().__init__(why)
        self.reports, self.why = reports, why


@dataclass
class Job:
    """One notebook to grade, with the options of :func:`.runner.grade_notebook`."""

    path: Path
    settings: Settings | None = None
    save_dir: Path | None = None
    only: list[str] | None = None


@dataclass
class _Running:
    job: Job
    exercise: str
    checks: list[str]
    folder: Path
    proc: procs.Child
    pipe: int
    started: float = field(default_factory=time.monotonic)
    cell_started: float = field(default_factory=time.monotonic)
    event: dict = field(default_factory=dict)
    buffer: bytes = b""
    stopped_since: float | None = None
    peak_memory: int = 0  # bytes, all the notebook's processes together
    peak_tasks: int = 0  # processes and threads
    cpu: dict = field(default_factory=dict)  # CPU seconds of each process below the worker
    ended: bool = False
    settings: Settings = field(default_factory=Settings)  # the grade's, with the probes' seed


def _prepare(job: Job, options: dict) -> tuple[str, nbformat.NotebookNode, list] | Report:
    """Read, identify and restore the notebook here, in the grader: (exercise, notebook, checks),
    or the report of why it cannot be graded (its file, or no sandbox for it)."""
    settings = job.settings or Settings()
    if options.get("unsandboxed") and not _in_exercises(job.path):
        return Report(str(job.path), "?", error=options["unsandboxed"], mode=settings.mode)
    try:
        nb = read_notebook(job.path, options.get("max_size", MAX_NOTEBOOK_BYTES))
        exercise = identify(nb, job.path)
        graded, checks = restore_checks(nb, exercise)
        if job.only:
            graded, checks = select_checks(graded, checks, job.only, exercise)
    except GradingError as err:
        return Report(str(job.path), "?", error=str(err), mode=settings.mode)
    return exercise, graded, checks


def _start(job: Job, prepared: tuple, options: dict) -> _Running:
    exercise, graded, checks = prepared
    warm(exercise)  # what the worker would import, imported once here
    settings = (job.settings or Settings()).seeded()  # the probes' seed, one per notebook
    folder = Path(tempfile.mkdtemp(prefix="nnscratch-grade-"))
    (folder / "work").mkdir()
    nbformat.write(graded, folder / "graded.ipynb")
    spec = {
        "exercise": exercise,
        "checks": checks,
        "settings": json.loads(settings.to_json()),
        "save": job.save_dir is not None,
        "max_output": options.get("max_output", MAX_OUTPUT_BYTES),
        "notebook_name": f"{exercise}.ipynb",
        "sandbox": options.get("sandbox"),
    }
    (folder / "job.json").write_text(json.dumps(spec))
    shutil.copyfile(folder / "graded.ipynb", folder / "work" / f"{exercise}.ipynb")
    read_end, write_end = os.pipe()
    try:
        pid = worker.fork(folder, write_end)
    finally:
        os.close(write_end)
    os.set_blocking(read_end, False)
    ids, child = [c for _, c in checks], procs.Child(pid)
    return _Running(job, exercise, ids, folder, child, read_end, settings=settings)


def _report(run: _Running, problem: str | None) -> Report:
    """The report of a finished (or ended) worker: its result, or every check failed with
    ``problem``."""
    result = None
    if problem is None:
        try:
            result = json.loads((run.folder / "result.json").read_text())
        except (OSError, ValueError):
            code, log = run.proc.returncode, _log_tail(run.folder / "worker.log")
            if code is not None and code < 0:
                problem = (
                    f"the process grading this notebook was killed by signal {-code} "
                    f"({signal.Signals(-code).name}): did the notebook signal its parent "
                    "process? Its checks could not be graded"
                )
            else:
                problem = (
                    f"the grader's worker for this notebook failed (status {code}"
                    f"{': ' + log if log else ''}): its checks could not be graded"
                )
    if result is None:
        why = f"not run: {problem}."
        results = [CheckResult(run.exercise, c, False, why) for c in run.checks]
        notes, problem_text = [], problem
    else:
        results = [CheckResult(**r) for r in result["results"]]
        notes, problem_text = result["notes"], result["problem"]
    if run.job.save_dir is not None and (run.folder / "executed.ipynb").is_file():
        Path(run.job.save_dir).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(run.folder / "executed.ipynb", Path(run.job.save_dir) / run.job.path.name)
    return Report(
        str(run.job.path),
        run.exercise,
        results,
        notes,
        problem=problem_text,
        mode=run.settings.mode,
        seed=run.settings.seed,
        seconds=time.monotonic() - run.started,
        usage={
            "memory_mb": round(run.peak_memory / 2**20),
            "tasks": run.peak_tasks,
            "cpu_s": round(sum(run.cpu.values()), 1),
            "output_kb": round((result or {}).get("output", 0) / 2**10, 1),
        },
    )


def _log_tail(path: Path) -> str:
    try:
        lines = [s for s in path.read_text(errors="replace").splitlines() if s.strip()]
    except OSError:
        return ""
    return lines[-1][:300] if lines else ""


def _read_events(run: _Running) -> None:
    try:
        while chunk := os.read(run.pipe, 65536):
            run.buffer += chunk
    except BlockingIOError:
        pass
    *lines, run.buffer = run.buffer.split(b"\n")
    for line in lines[-5:]:  # only the last events matter
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and "cell" in event:
            run.event, run.cell_started = event, time.monotonic()


def _watch(run: _Running, now: float, options: dict, table: dict) -> str | None:
    """Why the grader must end this worker now, or None (``table``: every process, now)."""
    settings = run.settings
    if now - run.started > settings.notebook_timeout + GRACE:
        return (
            f"the notebook's grade went over its time limit ({settings.notebook_timeout:.0f} s) "
            "and the grader ended it"
        )
    if run.event and now - run.cell_started > settings.cell_timeout + GRACE:
        return (
            f"cell {run.event.get('cell')} of {run.event.get('of')} went over the cell time limit "
            f"({settings.cell_timeout:.0f} s) and the grader ended it"
        )
    proc = table.get(run.proc.pid)
    if proc is not None and proc.state in "Tt":
        run.stopped_since = run.stopped_since or now
        if now - run.stopped_since >= STOPPED_AFTER:
            return (
                "the process grading this notebook was stopped (SIGSTOP or a debugger): did the "
                "notebook stop its parent process? The grader ended it; its checks are not graded"
            )
    else:
        run.stopped_since = None
    below = [table[p] for p in procs.descendants([run.proc.pid], table)]
    run.peak_memory = max(run.peak_memory, sum(p.rss_bytes for p in below))
    run.peak_tasks = max(run.peak_tasks, sum(p.threads for p in below))
    run.cpu.update({p.pid: p.cpu_seconds for p in below})
    memory, count = options.get("memory_limit"), options.get("process_limit")
    if memory and sum(p.rss_bytes for p in below) > memory:
        used = sum(p.rss_bytes for p in below)
        return (
            f"the notebook hit the sandbox's memory limit: its processes used {used / 2**30:.1f} "
            f"GiB together, over {memory / 2**30:.1f} GiB (--memory); the grader ended them"
        )
    if count and sum(p.threads for p in below) > count:
        return (
            f"the notebook hit the sandbox's process limit ({count} processes and threads, "
            "--processes); the grader ended them"
        )
    return None


def _end(run: _Running) -> None:
    """Kill the worker and everything below it; close its pipe; reap it (once)."""
    if run.ended:
        return
    run.ended = True
    procs.kill_tree([run.proc.pid])
    run.proc.wait(timeout=10)
    os.close(run.pipe)


def _sweep(known: set[int], running: list[_Running], table: dict | None = None) -> None:
    """Kill the orphans a notebook left behind that were adopted by this process."""
    workers = {r.proc.pid for r in running}
    adopted = procs.children(os.getpid(), table)
    orphans = [p for p in adopted if p not in known and p not in workers]
    for pid in orphans:
        procs.kill_tree([pid])
        procs.reap(pid)


def _with_sandbox(jobs: list[Job], options: dict) -> dict:
    """``options`` with the sandbox's plan decided: given (a plan, or None for no sandbox), or
    ``"auto"`` (the default): a plan if the sandbox runs here, else None and the words that
    refuse every notebook outside the repository's exercises/ folder. The sandbox's limits on
    memory and (for a sandbox mapped to root, where Linux does not count processes) on
    processes are enforced here too."""
    options = dict(options)
    choice = options.get("sandbox", DEFAULT_SANDBOX)
    options["sandbox"] = choice
    if choice is None:
        return options
    from nnscratch.grade import sandbox

    if choice == "auto":
        folders = sandbox.private_folders(*{j.path.parent for j in jobs})
        try:
            choice = sandbox.cached_plan(folders, options.get("limits"))
        except sandbox.Unavailable as why:
            choice, options["unsandboxed"] = None, sandbox.refusal(str(why))
    options["sandbox"] = choice
    if choice:
        limits = sandbox.Limits(**choice["limits"])
        options.setdefault("memory_limit", limits.memory)
        if choice["mode"] == "root-mapped":
            options.setdefault("process_limit", limits.processes)
    return options


def _in_exercises(path: Path) -> bool:
    from nnscratch.grade.sandbox import in_exercises

    return in_exercises(path)


def _interrupt(signum, frame):  # noqa: ARG001 (a signal handler's signature)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def grade_jobs(jobs: list[Job], workers: int = 1, progress=None, **options) -> list[Report]:
    """Grade ``jobs``, ``workers`` at a time, each in its own worker; reports in the order given.

    ``progress`` (a :class:`.report.Progress`) is told what runs; ``options``: ``sandbox`` (the
    plan of :func:`.sandbox.plan`, None for no sandbox, or ``"auto"``: see :func:`_with_sandbox`),
    ``limits`` (:class:`.sandbox.Limits`, for ``"auto"``), ``max_size`` (bytes of a notebook
    file), ``max_output`` (bytes it may send).
    Raises :class:`Interrupted` on Ctrl-C, SIGTERM or SIGHUP, after ending every worker.
    """
    options = _with_sandbox(jobs, options)
    procs.become_subreaper()
    known = set(procs.children(os.getpid()))
    reports: list[Report | None] = [None] * len(jobs)
    running: dict[int, _Running] = {}
    pending = list(range(len(jobs)))
    selector = selectors.DefaultSelector()
    table, scanned = procs.table(), 0.0
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous[sig] = signal.getsignal(sig)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _interrupt)
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                index = pending.pop(0)
                prepared = _prepare(jobs[index], options)
                if isinstance(prepared, Report):
                    reports[index] = prepared
                    if progress:
                        progress.finished(prepared)
                    continue
                run = _start(jobs[index], prepared, options)
                running[index] = run
                selector.register(run.pipe, selectors.EVENT_READ, index)
                if progress:
                    progress.started(run.job.path, run.exercise)
            for key, _ in selector.select(timeout=POLL) if running else []:
                _read_events(running[key.data])
            now = time.monotonic()
            fresh = now - scanned >= POLL
            if fresh:
                table, scanned = procs.table(), now
            for index, run in list(running.items()):
                _read_events(run)
                alive = run.proc.poll() is None
                problem = _watch(run, now, options, table) if alive else None
                if run.proc.poll() is None and problem is None:
                    if progress:
                        progress.running(run.job.path, run.event, now - run.started)
                    continue
                selector.unregister(run.pipe)
                _end(run)
                reports[index] = _report(run, problem)
                shutil.rmtree(run.folder, ignore_errors=True)
                del running[index]
                if progress:
                    progress.finished(reports[index])
            if fresh:
                _sweep(known, list(running.values()), table)
    except KeyboardInterrupt as stop:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup
        how = str(stop) or "SIGINT"
        why = f"the grade was interrupted ({'Ctrl-C' if how == 'SIGINT' else how})"
        for index, run in running.items():
            _end(run)
            reports[index] = Report(
                str(run.job.path), run.exercise, error=f"not graded: {why} while it ran"
            )
            shutil.rmtree(run.folder, ignore_errors=True)
        _sweep(known, [])
        for index in pending:
            reports[index] = Report(
                str(jobs[index].path), "?", error=f"not graded: {why} before its turn"
            )
        raise Interrupted([r for r in reports if r is not None], why) from None
    finally:
        for run in running.values():  # after an error of the grader's own: no worker stays
            _end(run)
            shutil.rmtree(run.folder, ignore_errors=True)
        selector.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    return [r for r in reports if r is not None]
