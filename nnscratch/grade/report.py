"""After a notebook ran: one result per check, the table the grader prints, and its progress.

Every text that reaches the terminal passes through :func:`.safetext.shown`: names, messages and
notes come from the learner's files and kernel, and may hold escape codes.
"""

from __future__ import annotations

import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

from nnscratch.grade.safetext import shown


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
    seed: int | None = None  # of the probes' inputs (``--seed`` grades the same way again)
    seconds: float = 0.0
    usage: dict = field(default_factory=dict)  # peaks seen by the watchdog (memory, tasks, ...)

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.results) and self.passed == len(self.results)


def _seed(report: Report) -> str:
    return f", seed {report.seed}" if report.seed is not None else ""


def format_reports(reports: list[Report], width: int = 100) -> str:
    """The table of checks for every notebook, with a score for each and in total."""
    rows = [(shown(r.exercise), shown(c.check)) for r in reports for c in r.results]
    w_ex = max([len("exercise")] + [len(x[0]) for x in rows])
    w_ch = max([len("check")] + [len(x[1]) for x in rows])
    w_msg = max(30, width - w_ex - w_ch - 12)
    lines = []
    for report in reports:
        took = (
            f" ({report.exercise}, {report.mode} grade{_seed(report)}, {report.seconds:.0f} s)"
            if not report.error
            else ""
        )
        lines.append(f"== {shown(report.path)}{shown(took)}")
        if report.error:
            lines += [f"   cannot grade: {shown(report.error)}", ""]
            continue
        lines.append(f"{'exercise':<{w_ex}}  {'check':<{w_ch}}  result  message")
        lines.append(f"{'-' * w_ex}  {'-' * w_ch}  ------  {'-' * w_msg}")
        for c in report.results:
            wrapped = textwrap.wrap(shown(c.message), w_msg) or [""]
            result = "pass" if c.passed else "FAIL"
            exercise, check = shown(c.exercise), shown(c.check)
            lines.append(f"{exercise:<{w_ex}}  {check:<{w_ch}}  {result:<6}  {wrapped[0]}")
            lines += [f"{'':<{w_ex}}  {'':<{w_ch}}  {'':<6}  {more}" for more in wrapped[1:]]
        for note in report.notes[:5]:
            lines.append(textwrap.fill(f"note: {shown(note)}", width, subsequent_indent="      "))
        total = len(report.results)
        share = f" ({report.passed / total:.0%})" if total else ""
        score = f"{report.passed}/{total} checks passed{share}"
        if report.problem:
            score += f"; stopped early: {shown(report.problem)}"
        lines += [textwrap.fill(f"score {shown(report.exercise)}: {score}", width), ""]
    graded = [r for r in reports if not r.error]
    if len(reports) > 1 and graded:
        passed, total = sum(r.passed for r in graded), sum(len(r.results) for r in graded)
        share = f"({passed / total:.0%})"
        lines.append(f"total: {passed}/{total} checks passed {share} in {len(graded)} notebooks")
    return "\n".join(lines)


class Progress:
    """What the grader shows while it grades, on its own (standard error): which notebooks run,
    which cell of how many each is at, and for how long; one line per notebook when it is done.
    Never the notebook's own output. On a terminal the status line is rewritten in place, else
    a status line is printed every ``every`` seconds."""

    def __init__(self, total: int, stream=None, every: float = 30.0) -> None:
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.every, self.last = (1.0 if self.tty else every), time.monotonic()
        self.status: dict[str, str] = {}

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _clear(self) -> None:
        if self.tty:
            self._write("\r\x1b[K")  # the grader's own code, never a notebook's

    def started(self, path: Path, exercise: str) -> None:
        self.status[str(path)] = f"{shown(Path(path).name)}: starting"

    def running(self, path: Path, event: dict, seconds: float) -> None:
        where = "starting the kernel"
        if event:
            where = f"cell {int(event.get('cell', 0))} of {int(event.get('of', 0))}"
            if event.get("check"):
                where += f" (check {shown(str(event['check'])[:40])})"
        self.status[str(path)] = f"{shown(Path(path).name)}: {where}, {seconds:.0f} s"
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        line = f"grading ({self.done} of {self.total} done): " + "; ".join(self.status.values())
        if self.tty:
            self._clear()
            self._write(line[:200])
        else:
            self._write(line + "\n")

    def finished(self, report: Report) -> None:
        self.done += 1
        self.status.pop(report.path, None)
        self._clear()
        if report.error:
            what = f"cannot grade: {shown(report.error)[:150]}"
        else:
            what = f"{report.passed}/{len(report.results)} checks passed, {report.seconds:.0f} s"
            what += f" (stopped early: {shown(report.problem)[:100]})" if report.problem else ""
        self._write(f"[{self.done}/{self.total}] {shown(report.path)}: {what}\n")
