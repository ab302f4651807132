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

Exit status: 0 when every check of every notebook passed, 1 when one failed, 2 when a path could
not be graded (missing, not a notebook, or not one of the exercises). With ``--csv``, 0 once the
gradebook is written (the grades are in it), 2 when a folder is missing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

from nnscratch.grade.report import format_reports
from nnscratch.grade.runner import grade_paths
from nnscratch.grade.settings import CELL_TIMEOUT, NOTEBOOK_TIMEOUT, Settings


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
    settings = Settings(
        quick=args.quick,
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
    )
    print(
        f"Grading ({settings.mode} grade; each notebook runs in a fresh kernel, one BLAS thread; "
        "this takes a while) ...",
        file=sys.stderr,
        flush=True,
    )
    if args.csv:
        return _gradebook(args, settings)
    reports = grade_paths(
        args.paths,
        jobs=args.jobs,
        settings=settings,
        save_dir=args.save_executed,
        only=args.only,
    )
    width = min(120, max(80, shutil.get_terminal_size((100, 20)).columns))
    print(format_reports(reports, width))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=1) + "\n")
    if any(r.error for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1


def _gradebook(args: argparse.Namespace, settings: Settings) -> int:
    from nnscratch.grade.gradebook import format_rows, gradebook, write_csv
    from nnscratch.grade.restore import exercise_id

    folders = [Path(p) for p in args.paths]
    missing = [str(f) for f in folders if not f.is_dir()]
    unknown = [e for e in args.exercises or [] if exercise_id(e) is None]
    if missing or unknown:
        why = f"not a folder: {', '.join(missing)}" if missing else ""
        why += f"{'; ' if why else ''}unknown exercises: {', '.join(unknown)}" if unknown else ""
        print(f"cannot make a gradebook: {why}", file=sys.stderr)
        return 2
    exercises = [exercise_id(e) for e in args.exercises] if args.exercises else None  # old ids
    rows = gradebook(folders, settings, jobs=args.jobs, exercises=exercises)
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.csv)
    print(format_rows(rows))
    print(f"wrote {args.csv}: {len(rows)} rows ({settings.mode} grade)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
