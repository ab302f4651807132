"""After a notebook ran: one result per check, and the table the grader prints."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field


@dataclass
class CheckResult:
    exercise: str
    check: str
    passed: bool
    message: str


@dataclass
class Report:
    """The grading of one notebook: one result per check, plus notes on the learner's own cells."""

    path: str
    exercise: str
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # set when the notebook could not be graded at all
    problem: str | None = None  # set when the run ended early (time limit, dead kernel)
    mode: str = "full"  # the grade's mode: "full" or "quick"
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.results) and self.passed == len(self.results)


def format_reports(reports: list[Report], width: int = 100) -> str:
    """The table of checks for every notebook, with a score for each and in total."""
    rows = [(r.exercise, c.check) for r in reports for c in r.results]
    w_ex = max([len("exercise")] + [len(x[0]) for x in rows])
    w_ch = max([len("check")] + [len(x[1]) for x in rows])
    w_msg = max(30, width - w_ex - w_ch - 12)
    lines = []
    for report in reports:
        took = (
            f" ({report.exercise}, {report.mode} grade, {report.seconds:.0f} s)"
            if not report.error
            else ""
        )
        lines.append(f"== {report.path}{took}")
        if report.error:
            lines += [f"   cannot grade: {report.error}", ""]
            continue
        lines.append(f"{'exercise':<{w_ex}}  {'check':<{w_ch}}  result  message")
        lines.append(f"{'-' * w_ex}  {'-' * w_ch}  ------  {'-' * w_msg}")
        for c in report.results:
            wrapped = textwrap.wrap(c.message, w_msg) or [""]
            result = "pass" if c.passed else "FAIL"
            lines.append(f"{c.exercise:<{w_ex}}  {c.check:<{w_ch}}  {result:<6}  {wrapped[0]}")
            lines += [f"{'':<{w_ex}}  {'':<{w_ch}}  {'':<6}  {more}" for more in wrapped[1:]]
        for note in report.notes[:5]:
            lines.append(textwrap.fill(f"note: {note}", width, subsequent_indent="      "))
        total = len(report.results)
        score = f"{report.passed}/{total} checks passed ({report.passed / total:.0%})"
        if report.problem:
            score += f"; stopped early: {report.problem}"
        lines += [textwrap.fill(f"score {report.exercise}: {score}", width), ""]
    graded = [r for r in reports if not r.error]
    if len(reports) > 1 and graded:
        passed, total = sum(r.passed for r in graded), sum(len(r.results) for r in graded)
        share = f"({passed / total:.0%})"
        lines.append(f"total: {passed}/{total} checks passed {share} in {len(graded)} notebooks")
    return "\n".join(lines)
