"""A class's gradebook: ``.venv/bin/python -m nnscratch.grade --csv grades.csv submissions/``.

A folder of submissions holds, for each learner, either a sub-folder named after the learner with
their notebooks inside (any file names: the notebook's metadata says which exercise it is), or
loose files named ``LEARNER-EXERCISE.ipynb`` (e.g. ``alice-02_biases.ipynb``). Both may be mixed.
Every notebook is graded like ``python -m nnscratch.grade`` grades one, several at a time
(``--jobs``), and the CSV gets one row per learner and exercise::

    learner, exercise, passed, total, score, failed checks, problem

``score`` is passed / total (0 to 1); ``failed checks`` lists the ids of the checks that failed;
``problem`` says why a notebook could not be graded (not a regular file, unreadable, not one of
the exercises, its name and metadata disagree), why its run ended early (a time limit, a dead
kernel, a limit of the sandbox), ``missing`` for an exercise the learner did not hand in, that
several notebooks were handed in for one exercise (the best counts), or that it was not graded
(the run was interrupted). Nothing a learner hands in stops the run.

The file is written whole or not at all (a temporary file renamed over it); an earlier gradebook
of the same name is first moved aside (``grades.previous.csv``) and replaced by one that says the
grade is running, so an interrupted or killed run never leaves an old gradebook looking current.
Every cell is quoted and made safe for spreadsheets and terminals (:mod:`.safetext`).
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nnscratch.grade.report import Report
from nnscratch.grade.restore import ALIASES, GradingError, identify, named_in, released
from nnscratch.grade.runner import grade_many, read_notebook
from nnscratch.grade.safefiles import MAX_NOTEBOOK_BYTES, entries, notebooks_below, refusal
from nnscratch.grade.safetext import csv_cell, shown
from nnscratch.grade.settings import Settings
from nnscratch.grade.supervisor import Interrupted

COLUMNS = ["learner", "exercise", "passed", "total", "score", "failed checks", "problem", "seed"]
UNKNOWN = "?"


@dataclass
class Submission:
    """One notebook handed in: whose, which exercise (or why that cannot be told)."""

    learner: str
    path: Path
    exercise: str = UNKNOWN
    problem: str | None = None


def total_checks(exercise: str) -> int:
    """How many checks an exercise has (0 for an unknown one)."""
    return sum("check" in c for c in released().get(exercise, {}).get("cells", []))


def learner_of(path: Path) -> str:
    """The learner of a loose file ``LEARNER-EXERCISE.ipynb``: its name without the exercise."""
    stem = path.stem
    for exercise in [*released(), *ALIASES]:  # an old id too (alice-06_capstone.ipynb)
        if exercise in stem:
            rest = stem.replace(exercise, " ")
            return re.sub(r"[\s_.-]+$|^[\s_.-]+", "", rest).strip() or stem
    return stem.split("-")[0] if "-" in stem else stem


def _refused(learner: str, path: Path, why: str) -> Submission:
    names = named_in(path.stem)  # an old id counts as its new one
    return Submission(learner, path, names[0] if len(names) == 1 else UNKNOWN, why)


def _examine(learner: str, path: Path, why: str | None, cap: int) -> Submission:
    if why:
        return _refused(learner, path, why)
    try:
        return Submission(learner, path, identify(read_notebook(path, cap), path))
    except GradingError as err:
        return _refused(learner, path, str(err).replace(f"{path}: ", "", 1))


def collect(folder: Path, cap: int = MAX_NOTEBOOK_BYTES) -> tuple[list[Submission], list[str]]:
    """Every notebook in a submissions folder, with its learner; and the learners, sorted.

    Only regular files are read (:mod:`.safefiles`): an entry that is a link (a learner's folder
    too), a FIFO, a device or too large becomes a submission with a ``problem`` naming its kind.
    """
    found, learners = [], set()
    for entry in entries(folder):
        path = Path(entry.path)
        if entry.is_symlink():
            learner = learner_of(path) if entry.name.endswith(".ipynb") else entry.name
            learners.add(learner)
            why = "a symbolic link, not followed (the grader reads only regular files and folders)"
            found.append(_refused(learner, path, why))
        elif entry.is_dir(follow_symlinks=False):
            learners.add(entry.name)
            notebooks = notebooks_below(path, cap=cap)
            found += [_examine(entry.name, p, why, cap) for p, why in notebooks]
        elif entry.name.endswith(".ipynb"):
            learners.add(learner_of(path))
            found.append(_examine(learner_of(path), path, refusal(path, cap), cap))
    return found, sorted(learners)


def _row(learner: str, exercise: str, report: Report | None, problem: str | None) -> dict:
    results = report.results if report and not report.error else []
    total = len(results) or total_checks(exercise)
    passed = sum(r.passed for r in results)
    problems = [p for p in (report.error if report else None, report and report.problem) if p]
    problems += [problem] if problem else []
    return {
        "learner": learner,
        "exercise": exercise,
        "passed": passed,
        "total": total,
        "score": f"{passed / total:.2f}" if total else "0.00",
        "failed checks": " ".join(r.check for r in results if not r.passed),
        "problem": _cut("; ".join(problems)),
        "seed": "" if report is None or report.seed is None else str(report.seed),
    }


def _cut(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def collect_all(
    folders: list[Path], cap: int = MAX_NOTEBOOK_BYTES
) -> tuple[list[Submission], list[str]]:
    """The submissions and learners of every folder (notebooks of at most ``cap`` bytes)."""
    submissions, learners = [], []
    for folder in folders:
        found, names = collect(folder, cap)
        submissions += found
        learners += [n for n in names if n not in learners]
    return submissions, learners


def _rows(
    submissions: list[Submission],
    learners: list[str],
    reports: list[Report],
    exercises: list[str],
) -> list[dict]:
    gradeable = [s for s in submissions if s.problem is None]
    by_key: dict[tuple[str, str], list[tuple[Submission, Report | None]]] = {}
    for sub, report in zip(gradeable, reports):
        by_key.setdefault((sub.learner, sub.exercise), []).append((sub, report))
    rows = []
    for sub in submissions:
        if sub.problem is not None:
            problem = f"{sub.path.name}: {sub.problem}"
            rows.append(_row(sub.learner, sub.exercise, None, problem))
    for (learner, exercise), graded in by_key.items():
        best_sub, best = max(graded, key=lambda g: (g[1].passed, -len(g[1].results)))
        note = None
        if len(graded) > 1:
            names = ", ".join(s.path.name for s, _ in graded)
            note = (
                f"{len(graded)} notebooks for this exercise ({names}); {best_sub.path.name} counts"
            )
        rows.append(_row(learner, exercise, best, note))
    for learner in learners:
        for exercise in exercises:
            if (learner, exercise) not in by_key and not any(
                r["learner"] == learner and r["exercise"] == exercise for r in rows
            ):
                rows.append(_row(learner, exercise, None, "missing"))
    order = {e: i for i, e in enumerate(released())}
    rows.sort(key=lambda r: (r["learner"], order.get(r["exercise"], len(order)), r["problem"]))
    return rows


def placeholder(
    submissions: list[Submission], learners: list[str], why: str, exercises: list[str] | None = None
) -> list[dict]:
    """The gradebook while the grade runs: every notebook not graded yet, saying ``why``."""
    gradeable = [s for s in submissions if s.problem is None]
    reports = [Report(str(s.path), s.exercise, error=why) for s in gradeable]
    return _rows(submissions, learners, reports, exercises or list(released()))


def gradebook(
    folders: list[Path],
    settings: Settings,
    jobs: int = 1,
    exercises: list[str] | None = None,
    collected: tuple[list[Submission], list[str]] | None = None,
    **options,
) -> list[dict]:
    """Grade every submission in ``folders``; one row per learner and exercise (see the module).

    ``options`` go to :func:`.supervisor.grade_jobs` (progress, sandbox, limits). On Ctrl-C it
    raises :class:`.supervisor.Interrupted` whose ``rows`` say which notebooks were not graded.
    """
    exercises = exercises or list(released())
    submissions, learners = collected or collect_all(folders)
    gradeable = [s for s in submissions if s.problem is None]
    try:
        reports = grade_many([(s.path, {"settings": settings}) for s in gradeable], jobs, **options)
    except Interrupted as stop:
        stop.rows = _rows(submissions, learners, stop.reports, exercises)
        raise
    return _rows(submissions, learners, reports, exercises)


def write_csv(rows: list[dict], path: Path) -> None:
    """Write the gradebook to ``path`` whole: a temporary file beside it, renamed over it. Every
    cell quoted, escaped and neutralized for spreadsheets (:func:`.safetext.csv_cell`)."""
    text = io.StringIO()
    writer = csv.writer(text, quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    writer.writerows([csv_cell(row[c]) for c in COLUMNS] for row in rows)
    path = Path(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text.getvalue())
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def set_aside(path: Path) -> Path | None:
    """Move an earlier gradebook at ``path`` to ``NAME.previous.csv`` (replacing an older one), so
    that it cannot be taken for this run's; return where it went, or None if there was none."""
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return None
    aside = path.with_name(f"{path.stem}.previous{path.suffix or '.csv'}")
    os.replace(path, aside)
    return aside


def format_rows(rows: list[dict]) -> str:
    """A short table of the gradebook for the terminal."""
    lines = [f"{'learner':<14} {'exercise':<16} {'score':>9}  problem / failed checks"]
    for r in rows:
        score = f"{r['passed']}/{r['total']}"
        why = r["problem"] or (f"failed: {r['failed checks']}" if r["failed checks"] else "")
        learner, exercise = shown(r["learner"]), shown(r["exercise"])
        lines.append(f"{learner:<14} {exercise:<16} {score:>9}  {shown(why)[:100]}")
    return "\n".join(lines)
