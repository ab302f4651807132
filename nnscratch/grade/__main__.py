"""``python -m nnscratch.grade PATH...``: grade exercise notebooks (or folders of them).

Examples, from the root of a clone (``make lab`` and ``make test`` create ``.venv`` without
activating it; where the course's environment is active, as on Binder, plain ``python``)::

    .venv/bin/python -m nnscratch.grade exercises/02_biases.ipynb     # one notebook, a full grade
    .venv/bin/python -m nnscratch.grade --quick --jobs 2 exercises/    # all, on a slice of MNIST
    .venv/bin/python -m nnscratch.grade --only relu,relu_prime exercises/01_relu.ipynb  # two checks
    .venv/bin/python -m nnscratch.grade --jobs 2 --csv grades.csv submissions/  # a gradebook

The grade's settings are the command's, never the notebook's: a full grade unless ``--quick``
(``NNSCRATCH_QUICK`` in the grader's environment does not matter; the kernel gets it set or unset
accordingly), the time limits below, and one BLAS thread per kernel.

While it grades, the grader shows which notebook runs, which cell of how many, and for how long
(on standard error; the notebooks' own output is never shown).

Exit status: 0 when every check of every notebook passed, 1 when one failed, 2 when a path could
not be graded (missing, not a notebook, not a regular file, or not one of the exercises). With
``--csv``, 0 once the gradebook is written (the grades are in it), 2 when a folder is missing.
130 when interrupted (Ctrl-C, SIGTERM): with ``--csv`` the gradebook is still written, and says
which notebooks were not graded.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

from nnscratch.grade import sandbox
from nnscratch.grade.report import Progress, format_reports
from nnscratch.grade.runner import MAX_OUTPUT_BYTES, find_notebooks, grade_many
from nnscratch.grade.safefiles import MAX_NOTEBOOK_BYTES
from nnscratch.grade.safetext import shown
from nnscratch.grade.settings import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, Settings
from nnscratch.grade.supervisor import Interrupted

INTERRUPTED = 130


def _names(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m nnscratch.grade",
        description="Grade exercise notebooks: restore the canonical check cells, run each in a "
        "fresh kernel, and print a table of checks; or, with --csv, grade a folder of learners' "
        "submissions into a gradebook.",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="exercise notebooks, or folders of them; with --csv, folders of submissions",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a quick grade: the notebook runs on a slice of MNIST (NNSCRATCH_QUICK=1) and the "
        "training checks accept lower accuracies (default: a full grade)",
    )
    p.add_argument(
        "--cell-timeout",
        type=float,
        default=CELL_TIMEOUT,
        help="seconds allowed per cell (default: %(default)s)",
    )
    p.add_argument(
        "--notebook-timeout",
        type=float,
        default=NOTEBOOK_TIMEOUT,
        help="seconds allowed per notebook (default: %(default)s)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="notebooks graded at the same time, one kernel each (default: %(default)s)",
    )
    p.add_argument(
        "--only",
        metavar="CHECK[,CHECK...]",
        type=_names,
        help="run only these checks (the notebook runs up to the last of them)",
    )
    p.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="grade folders of submissions (a sub-folder per learner, or LEARNER-EXERCISE.ipynb "
        "files) and write one row per learner and exercise to FILE",
    )
    p.add_argument(
        "--exercises",
        metavar="NAME[,NAME...]",
        type=_names,
        help="with --csv: the exercises handed in (default: all); the others are not reported "
        "missing",
    )
    p.add_argument(
        "--max-size",
        type=float,
        default=MAX_NOTEBOOK_BYTES / 2**20,
        metavar="MB",
        help="the largest notebook file read, in MB (default: %(default).0f)",
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help=f"grade without the sandbox. Risky: {sandbox.RISK}. Without this option, a notebook "
        "outside the course's own exercises/ folder is graded only in the sandbox (bubblewrap)",
    )
    d = sandbox.Limits()
    limits = p.add_argument_group(
        "the sandbox's limits, per notebook (defaults: measured, teachers/guarantees.md)"
    )
    for flag, kind, default, unit, what in [
        ("--memory", float, d.memory / 2**30, "GB", "memory of each process and of all together"),
        ("--processes", int, d.processes, "N", "processes and threads"),
        ("--disk", float, d.disk / 2**20, "MB", "its working folder, and its /tmp, each"),
        ("--file-size", float, d.file_size / 2**20, "MB", "the largest file it writes"),
        ("--cpu", int, d.cpu, "SECONDS", "CPU time of each process"),
        ("--max-output", float, MAX_OUTPUT_BYTES / 2**20, "MB", "output it may print or show"),
    ]:
        limits.add_argument(
            flag, type=kind, default=default, metavar=unit, help=f"{what} (default: %(default)g)"
        )
    p.add_argument(
        "--seed",
        type=int,
        help="the seed of the checks' inputs (default: a new secret one per notebook, printed in "
        "the report and the gradebook); give it to grade a notebook again the same way",
    )
    p.add_argument("--json", type=Path, help="also write the results to this JSON file")
    p.add_argument(
        "--save-executed",
        type=Path,
        metavar="DIR",
        help="write the executed, restored notebooks here",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.seed is not None and not 0 <= args.seed < 2**64:
        parser().error(f"--seed must be a whole number from 0 to 2**64 - 1, got {args.seed}")
    settings = Settings(
        quick=args.quick,
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
        seed=args.seed,
    )
    options = {
        "max_size": int(args.max_size * 2**20),
        "max_output": int(args.max_output * 2**20),
    }
    try:
        options |= _sandbox(args)
        if args.csv:
            if options.get("unsandboxed"):
                print("cannot make a gradebook without the sandbox (see above)", file=sys.stderr)
                return 2
            return _gradebook(args, settings, options)
        return _grade(args, settings, options)
    except KeyboardInterrupt:  # before the grade started: nothing was changed
        print("interrupted: nothing was graded", file=sys.stderr)
        return INTERRUPTED


def _sandbox(args: argparse.Namespace) -> dict:
    """The sandbox's plan (or None, and why), told to the teacher on standard error."""
    if args.no_sandbox:
        print(f"warning: {sandbox.RISK}", file=sys.stderr)
        return {"sandbox": None}
    limits = sandbox.Limits(
        memory=int(args.memory * 2**30),
        processes=args.processes,
        file_size=int(args.file_size * 2**20),
        disk=int(args.disk * 2**20),
        cpu=args.cpu,
    )
    hide = sandbox.private_folders(
        *args.paths,
        args.csv and args.csv.resolve().parent,
        args.save_executed,
        args.json and args.json.resolve().parent,
    )
    try:
        plan = sandbox.cached_plan(hide, limits)
    except sandbox.Unavailable as why:
        print(
            f"no sandbox: {why}\nOnly notebooks in the course's own exercises/ folder are graded "
            f"without it; --no-sandbox grades the others too, at a risk: {sandbox.RISK}.",
            file=sys.stderr,
        )
        return {"sandbox": None, "unsandboxed": sandbox.refusal(str(why))}
    print(sandbox.describe(plan), file=sys.stderr)
    return {"sandbox": plan}


def _announce(settings: Settings, count: int) -> None:
    print(
        f"Grading {count} notebook{'s' * (count != 1)} ({settings.mode} grade; each runs in a "
        "fresh kernel, one BLAS thread; this takes a while) ...",
        file=sys.stderr,
        flush=True,
    )


def _grade(args: argparse.Namespace, settings: Settings, options: dict) -> int:
    notebooks, reports = find_notebooks(args.paths, options["max_size"])
    _announce(settings, len(notebooks))
    each = {"settings": settings, "save_dir": args.save_executed, "only": args.only}
    jobs = [(p, each) for p in notebooks]
    status = None
    try:
        reports += grade_many(jobs, args.jobs, progress=Progress(len(jobs)), **options)
    except Interrupted as stop:
        reports += stop.reports
        status = INTERRUPTED
    width = min(120, max(80, shutil.get_terminal_size((100, 20)).columns))
    print(format_reports(reports, width))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=1) + "\n")
    if status is not None:
        print("interrupted: the notebooks marked 'not graded' were not graded", file=sys.stderr)
        return status
    if any(r.error for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1


def _gradebook(args: argparse.Namespace, settings: Settings, options: dict) -> int:
    from nnscratch.grade import gradebook as book
    from nnscratch.grade.restore import exercise_id

    folders = [Path(p) for p in args.paths]
    missing = [str(f) for f in folders if not f.is_dir()]
    unknown = [e for e in args.exercises or [] if exercise_id(e) is None]
    if missing or unknown:
        why = f"not a folder: {', '.join(missing)}" if missing else ""
        why += f"{'; ' if why else ''}unknown exercises: {', '.join(unknown)}" if unknown else ""
        print(f"cannot make a gradebook: {shown(why)}", file=sys.stderr)
        return 2
    exercises = [exercise_id(e) for e in args.exercises] if args.exercises else None  # old ids
    collected = book.collect_all(folders, options["max_size"])
    count = sum(s.problem is None for s in collected[0])
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    aside = book.set_aside(args.csv)
    if aside:
        print(f"moved the earlier gradebook to {shown(aside)}", file=sys.stderr)
    started = time.strftime("%Y-%m-%d %H:%M")
    running = (
        f"not graded yet: the grade started at {started} and has not finished (still running, "
        "or stopped before it could write the grades)"
    )
    book.write_csv(book.placeholder(*collected, running, exercises), args.csv)
    _announce(settings, count)
    status = 0
    try:
        rows = book.gradebook(
            folders,
            settings,
            jobs=args.jobs,
            exercises=exercises,
            collected=collected,
            progress=Progress(count),
            **options,
        )
    except Interrupted as stop:
        rows, status = stop.rows, INTERRUPTED
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the gradebook is written, whatever happens
    book.write_csv(rows, args.csv)
    print(book.format_rows(rows))
    print(f"wrote {shown(args.csv)}: {len(rows)} rows ({settings.mode} grade)")
    if status:
        print("interrupted: the rows marked 'not graded' were not graded", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
