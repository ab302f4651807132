"""``python -m nnscratch.grade PATH...``: grade exercise notebooks (or folders of them).

Examples::

    python -m nnscratch.grade exercises/02_biases.ipynb          # one notebook
    python -m nnscratch.grade --quick --jobs 2 exercises/         # all, on a slice of MNIST
    python -m nnscratch.grade --only relu,relu_prime exercises/01_relu.ipynb   # two checks

Exit status: 0 when every check of every notebook passed, 1 when one failed, 2 when a path could
not be graded (missing, not a notebook, or not one of the exercises).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

from nnscratch.grade.report import format_reports
from nnscratch.grade.runner import grade_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnscratch.grade",
        description="Grade exercise notebooks: restore the canonical check cells, run, and print "
        "a table of checks.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="exercise notebooks, or folders")
    parser.add_argument(
        "--cell-timeout",
        type=float,
        default=300,
        help="seconds allowed per cell (default: %(default)s)",
    )
    parser.add_argument(
        "--notebook-timeout",
        type=float,
        default=900,
        help="seconds allowed per notebook (default: %(default)s)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="notebooks graded in parallel (default: %(default)s)"
    )
    parser.add_argument(
        "--only",
        metavar="CHECK[,CHECK...]",
        type=lambda s: [c.strip() for c in s.split(",") if c.strip()],
        help="run only these checks (the notebook runs up to the last of them)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="run in quick mode (NNSCRATCH_QUICK=1): a small slice of MNIST",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--save-executed",
        type=Path,
        metavar="DIR",
        help="write the executed, restored notebooks here",
    )
    args = parser.parse_args(argv)
    if args.quick:
        os.environ["NNSCRATCH_QUICK"] = "1"
    print(
        "Grading (each notebook runs in a fresh kernel; this takes a while) ...",
        file=sys.stderr,
        flush=True,
    )
    reports = grade_paths(
        args.paths,
        jobs=args.jobs,
        cell_timeout=args.cell_timeout,
        notebook_timeout=args.notebook_timeout,
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


if __name__ == "__main__":
    sys.exit(main())
