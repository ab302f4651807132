"""A class's gradebook: ``.venv/bin/python -m nnscratch.grade --csv grades.csv submissions/``.

A folder of submissions holds, for each learner, either a sub-folder named after the learner with
their notebooks inside (any file names: the notebook's metadata says which exercise it is), or
loose files named ``LEARNER-EXERCISE.ipynb`` (e.g. ``alice-02_biases.ipynb``). Both may be mixed.
Every notebook is graded like ``python -m nnscratch.grade`` grades one, several at a time
(``--jobs``), and the CSV gets one row per learner and exercise::

    learner, exercise, passed, total, score, failed checks, problem

``score`` is passed / total (0 to 1); ``failed checks`` lists the ids of the checks that failed;
``problem`` says why a notebook could not be graded (unreadable, not one of the exercises, its
name and metadata disagree), why its run ended early (a time limit, a dead kernel), ``missing``
for an exercise the learner did not hand in, or that several notebooks were handed in for one
exercise (the best counts). Nothing a learner hands in stops the run.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from nnscratch.grade.report import Report
from nnscratch.grade.restore import ALIASES, GradingError, identify, named_in, released
from nnscratch.grade.runner import grade_many, read_notebook
from nnscratch.grade.settings import Settings

COLUMNS = ["learner", "exercise", "passed", "total", "score", "failed checks", "problem"]
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


def _examine(learner: str, path: Path) -> Submission:
    try:
        return Submission(learner, path, identify(read_notebook(path), path))
    except GradingError as err:
        names = named_in(path.stem)
        exercise = names[0] if len(names) == 1 else UNKNOWN
        return Submission(learner, path, exercise, str(err).replace(f"{path}: ", "", 1))


def collect(folder: Path) -> tuple[list[Submission], list[str]]:
    """Every notebook in a submissions folder, with its learner; and the learners, sorted."""
    found, learners = [], set()
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        if entry.is_dir():
            learners.add(entry.name)
            notebooks = sorted(
                p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
            )
            found += [_examine(entry.name, p) for p in notebooks]
        elif entry.suffix == ".ipynb":
            learners.add(learner_of(entry))
            found.append(_examine(learner_of(entry), entry))
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
        "problem": "; ".join(problems),
    }


def gradebook(
    folders: list[Path],
    settings: Settings,
    jobs: int = 1,
    exercises: list[str] | None = None,
) -> list[dict]:
    """Grade every submission in ``folders``; one row per learner and exercise (see the module)."""
    exercises = exercises or list(released())
    submissions, learners = [], []
    for folder in folders:
        found, names = collect(folder)
        submissions += found
        learners += [n for n in names if n not in learners]
    gradeable = [s for s in submissions if s.problem is None]
    reports = grade_many([(s.path, {"settings": settings}) for s in gradeable], jobs)
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


def write_csv(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def format_rows(rows: list[dict]) -> str:
    """A short table of the gradebook for the terminal."""
    lines = [f"{'learner':<14} {'exercise':<16} {'score':>9}  problem / failed checks"]
    for r in rows:
        score = f"{r['passed']}/{r['total']}"
        why = r["problem"] or (f"failed: {r['failed checks']}" if r["failed checks"] else "")
        lines.append(f"{r['learner']:<14} {r['exercise']:<16} {score:>9}  {why[:100]}")
    return "\n".join(lines)
