"""The worker: one process per graded notebook.

The grader (:mod:`.supervisor`) prepares a job folder (``job.json``: the exercise, its checks,
the grade's settings and the sandbox's plan; ``graded.ipynb``: the notebook with its check cells
restored) and forks a worker (:func:`serve`) in a session of its own (forked rather than started
afresh: a new Python would spend over a second importing nbformat and nbclient for every
notebook; ``python -m nnscratch.grade.worker JOB FD`` runs one by hand). The worker starts the
notebook's kernel
(its parent: the grader's own process is never the kernel's), runs the notebook
(:func:`.runner.run_notebook`), and hands back

- its progress, one JSON line per code cell on the pipe ``FD`` (``{"cell": 3, "of": 20, "check":
  "relu"}``), which the grader shows and uses to enforce the time limits from outside;
- its result, ``result.json`` in the job folder, written whole (a temporary file renamed).

It is a subreaper (orphaned processes of the notebook stay below it) and kills everything below
it before it exits; it dies with the grader (``PR_SET_PDEATHSIG``). What the notebook sends is
data: the worker never runs it, and messages are cut to a bounded length.

The checks' judges run here, in the worker, outside the sandbox, on the plain data the probes
return (:class:`.verdict.Probe`); the kernel never decides a verdict.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path

import nbformat

from nnscratch.grade import procs
from nnscratch.grade.settings import Settings


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it (never half-written)."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def run(job_dir: Path, channel) -> dict:
    from nnscratch.grade import runner

    job = json.loads((job_dir / "job.json").read_text())
    settings = Settings(**job["settings"])
    nb = nbformat.read(job_dir / "graded.ipynb", as_version=4)
    checks = [(int(i), str(c)) for i, c in job["checks"]]

    def progress(event: dict) -> None:
        try:
            channel.write(json.dumps(event) + "\n")
            channel.flush()
        except OSError:  # the grader stopped reading: it ends this worker when it needs to
            pass

    kernel, limit_hit, work, sent = None, None, job_dir / "work", {}
    if job.get("sandbox"):
        from nnscratch.grade.sandbox_kernel import Sandbox

        box = Sandbox(job["sandbox"], job_dir, settings)
        kernel, limit_hit = box.kernel(job["notebook_name"]), box.limit_hit
    results, notes, problem = runner.run_notebook(
        nb,
        checks,
        job["exercise"],
        work,
        settings,
        progress=progress,
        kernel=kernel,
        max_output=int(job["max_output"]),
        limit_hit=limit_hit,
        sent=sent,
    )
    if job.get("save"):
        nbformat.write(nb, job_dir / "executed.ipynb")
    result = {"results": [asdict(r) for r in results], "notes": notes, "problem": problem}
    return result | {"output": sent.get("bytes", 0)}


def serve(job_dir: Path, fd: int, parent: int) -> int:
    """Grade the job in ``job_dir``, telling progress on ``fd``; ``parent``: the grader's pid."""
    procs.die_with_parent()
    if os.getppid() != parent:  # the grader is already gone
        return 1
    procs.become_subreaper()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when a grade stops
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)
    channel = os.fdopen(fd, "w", buffering=1)
    try:
        result = run(job_dir, channel)
        write_atomic(job_dir / "result.json", json.dumps(result))
    finally:
        procs.kill_tree([os.getpid()], include_roots=False)
    return 0


def fork(job_dir: Path, fd: int) -> int:
    """Fork a worker for ``job_dir`` in a new session; return its pid (in the grader).

    In the child: a new session, standard input and output on ``/dev/null``, standard error in
    ``job_dir/worker.log``, every other descriptor of the grader closed but ``fd``.
    """
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        log = os.open(job_dir / "worker.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(log, 2)
        os.closerange(3, fd)
        os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 (the child's own streams)
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        code = serve(job_dir, fd, parent)
    except BaseException:  # noqa: BLE001 (the child must never return into the grader's code)
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def main(argv: list[str]) -> int:
    return serve(Path(argv[0]), int(argv[1]), os.getppid())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
