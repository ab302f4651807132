"""The teacher's syllabus, generated from the notebooks' openings: ``make syllabus``.

    python -m nnscratch.book.syllabus            # writes teachers/syllabus.md
    python -m nnscratch.book.syllabus --check    # writes nothing; status 1 when it is stale

Every chapter and exercise opens, right under its title, with what the learner will be able to do
and about how long it takes (``CONTRIBUTING.md``, "A chapter's opening")::

    **You will be able to:** compute what one unit and a whole layer output, ...
    **Time:** about 45 minutes.

Those two lines are the one source of the objectives and the study times: this module reads them
from the notebooks listed in ``_toc.yml`` (parts *Chapters*, *Optional* and *Exercises*, in that
order) and writes the syllabus page, its tables of objectives and times, and the week plans of
``PLANS`` with each week's study time summed. A plan names notebooks without their number
(``"chapters/sgd"``, ``"exercises/capstone"``), so renumbering a notebook changes nothing here;
every chapter and exercise of the table of contents must be in every plan, once.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PAGE = Path("teachers/syllabus.md")

#: "**You will be able to:** ..." then "**Time:** about N minutes.", each starting a line, in the
#: first markdown cell after the title (tests/test_notebooks.py checks every chapter has it).
OPENING = re.compile(
    r"^\*\*You will be able to:\*\* (?P<objectives>.+?)\n"
    r"\*\*Time:\*\* about (?P<time>\d+) (?P<unit>minutes|hours?)\.$",
    re.S | re.M,
)

#: Week plans: (what is read that week, what is handed in at its end). Notebooks are named by
#: folder and file name without the number, so that a renumbered notebook keeps its place.
PLANS: dict[str, list[tuple[list[str], list[str]]]] = {
    "six weeks": [
        (["chapters/data", "chapters/forward_pass", "chapters/initialization"], []),
        (["chapters/backpropagation", "chapters/sgd"], ["exercises/relu"]),
        (
            ["chapters/pitfalls", "chapters/minibatches"],
            ["exercises/biases", "exercises/layer_loops"],
        ),
        (["chapters/regularization"], ["exercises/minibatch", "exercises/optimizers"]),
        (
            ["chapters/autograd", "chapters/pytorch", "chapters/keras", "chapters/comparison"],
            ["exercises/regularization"],
        ),
        (["chapters/making_it_fast"], ["exercises/capstone"]),
    ],
    "four weeks": [
        (
            ["chapters/data", "chapters/forward_pass", "chapters/initialization"]
            + ["chapters/backpropagation", "chapters/sgd"],
            ["exercises/relu"],
        ),
        (
            ["chapters/pitfalls", "chapters/minibatches"],
            ["exercises/biases", "exercises/layer_loops", "exercises/minibatch"],
        ),
        (
            ["chapters/regularization", "chapters/autograd"],
            ["exercises/optimizers", "exercises/regularization"],
        ),
        (
            [
                "chapters/pytorch",
                "chapters/keras",
                "chapters/comparison",
                "chapters/making_it_fast",
            ],
            ["exercises/capstone"],
        ),
    ],
}

INTRO = """\
The objectives and study times below are each notebook's own opening paragraph, collected: to
change one, edit the notebook's opening (CONTRIBUTING.md, "A chapter's opening") and run
`make syllabus`. A study time is the author's estimate for reading carefully and running the
notebook; a learner new to the maths can take twice as long. The chapters of the part *Optional*
are not needed by any exercise."""

PLAN_NOTE = """\
Each week the learners read its chapters and hand in its exercises at the end of the week (an
exercise needs the chapters of its own week and those before). The grader runs each exercise's
checks; the rubric of the part *For teachers* marks the written questions and experiments. A
week's study time is the sum of the times above, of the chapters read and the exercises handed
in (optional chapters not counted)."""


class SyllabusError(Exception):
    """A notebook or the table of contents cannot give the syllabus; the message says why."""


@dataclass(frozen=True)
class Entry:
    """One notebook of the syllabus: a chapter or an exercise."""

    path: str  # "chapters/05_sgd" (as in _toc.yml)
    kind: str  # "chapter" or "exercise"
    number: int
    title: str  # without "Exercise N: "
    optional: bool
    objectives: str | None  # None: the notebook has no opening paragraph yet
    minutes: int | None

    @property
    def key(self) -> str:
        """The plans' name for it: folder and file name without the number."""
        folder, stem = self.path.split("/")
        return f"{folder}/{re.sub(r'^[0-9]+_', '', stem)}"

    @property
    def label(self) -> str:
        return f"{self.kind.capitalize()} {self.number}: {self.title}"

    def link(self, base: str = "../") -> str:
        return f"[{self.label}]({base}{self.path}.ipynb)"


def markdown_cells(path: Path) -> list[str]:
    try:
        nb = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise SyllabusError(f"{path}: not a readable notebook ({err})") from None
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def read_entry(root: Path, path: str, kind: str, optional: bool) -> Entry:
    """The title and the opening of one notebook (``path`` as in ``_toc.yml``)."""
    file = root / f"{path}.ipynb"
    cells = markdown_cells(file)
    head, _, rest = (cells[0] if cells else "").partition("\n")
    title = head.removeprefix("# ").strip()
    if not head.startswith("# ") or not title:
        raise SyllabusError(f"{file}: the first markdown cell must start with the title, '# ...'")
    numbered = re.match(r"(?:Exercise|Solution) (\d+): (.+)", title)
    number = int(numbered[1]) if numbered else int(re.match(r"\d+", Path(path).name)[0])
    title = numbered[2] if numbered else title
    opening = OPENING.match(rest.lstrip("\n"))
    if opening is None:
        return Entry(path, kind, number, title, optional, None, None)
    minutes = int(opening["time"]) * (1 if opening["unit"] == "minutes" else 60)
    objectives = " ".join(opening["objectives"].split())
    return Entry(path, kind, number, title, optional, objectives, minutes)


def entries(root: Path = ROOT) -> list[Entry]:
    """The chapters (parts *Chapters* and *Optional*) and exercises of ``_toc.yml``, in order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    out = []
    for part in toc.get("parts", []):
        caption = part.get("caption")
        kind = {"Chapters": "chapter", "Optional": "chapter", "Exercises": "exercise"}.get(caption)
        if kind is not None:
            for chapter in part["chapters"]:
                out.append(read_entry(root, chapter["file"], kind, caption == "Optional"))
    if not any(e.kind == "chapter" for e in out) or not any(e.kind == "exercise" for e in out):
        raise SyllabusError(f"{root / '_toc.yml'}: no part 'Chapters' or no part 'Exercises'")
    return out


def duration(minutes: int, space: str = " ") -> str:
    """``205`` -> ``"3 h 25 min"`` (``space="&nbsp;"`` keeps a table cell on one line)."""
    hours, rest = divmod(minutes, 60)
    parts = (f"{hours}{space}h" if hours else "", f"{rest}{space}min" if rest else "")
    return space.join(p for p in parts if p)


def total(items: list[Entry], space: str = " ") -> str:
    known = [e.minutes for e in items if e.minutes is not None]
    missing = len(items) - len(known)
    text = duration(sum(known), space) if known else "unknown"
    return text + (f" (+ {missing} not stated)" if missing else "")


def objectives_table(items: list[Entry]) -> list[str]:
    rows = ["| notebook | you will be able to | time |", "| --- | --- | ---: |"]
    for e in items:
        objectives = e.objectives or "*not stated yet: the notebook has no opening paragraph*"
        time = duration(e.minutes, "&nbsp;") if e.minutes is not None else "?"
        optional = " (optional)" if e.optional else ""
        rows.append(f"| {e.link()}{optional} | {objectives} | {time} |")
    return rows


def plan_table(name: str, weeks: list[tuple[list[str], list[str]]], items: list[Entry]) -> list:
    by_key = {e.key: e for e in items}
    named = [key for read, hand_in in weeks for key in read + hand_in]
    unknown = sorted(set(named) - set(by_key))
    left_out = [e.key for e in items if e.key not in named]
    twice = sorted({key for key in named if named.count(key) > 1})
    if unknown or left_out or twice:
        raise SyllabusError(
            f"the {name} plan of nnscratch/book/syllabus.py (PLANS) must name every chapter and "
            f"exercise of _toc.yml once: unknown {unknown}, missing {left_out}, twice {twice}"
        )
    rows = [
        "| week | read | hand in at the end of the week | study time |",
        "| --- | --- | --- | ---: |",
    ]
    for week, (read, hand_in) in enumerate(weeks, start=1):
        chapters = "<br>".join(
            by_key[k].link() + (" (optional)" if by_key[k].optional else "") for k in read
        )
        exercises = "<br>".join(by_key[k].link() for k in hand_in) or "nothing"
        time = total([by_key[k] for k in read + hand_in if not by_key[k].optional], "&nbsp;")
        rows.append(f"| {week} | {chapters} | {exercises} | {time} |")
    return rows


def render(items: list[Entry], plans: dict = PLANS) -> str:
    chapters = [e for e in items if e.kind == "chapter"]
    core = [e for e in chapters if not e.optional]
    exercises = [e for e in items if e.kind == "exercise"]
    lines = [
        "# Syllabus",
        "",
        "<!-- Generated by `python -m nnscratch.book.syllabus` (make syllabus) from the",
        "     notebooks' openings: do not edit here. -->",
        "",
        INTRO,
        "",
        "(syllabus-objectives)=",
        "## Objectives and study time",
        "",
        f"The core chapters take about {total(core)}, the exercises about {total(exercises)}.",
        "",
        "### Chapters",
        "",
        *objectives_table(chapters),
        "",
        "### Exercises",
        "",
        *objectives_table(exercises),
    ]
    for name, weeks in plans.items():
        lines += ["", f"## A plan in {name}", "", PLAN_NOTE, "", *plan_table(name, weeks, items)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnscratch.book.syllabus", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the repository (default: %(default)s)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the page is out of date"
    )
    args = parser.parse_args(argv)
    page = args.root / PAGE
    try:
        text = render(entries(args.root))
    except SyllabusError as err:
        print(f"syllabus failed: {err}", file=sys.stderr)
        return 2
    if args.check:
        if not page.is_file() or page.read_text() != text:
            print(
                f"{page} is out of date with the notebooks' openings.\n"
                "Regenerate it with: make syllabus (python -m nnscratch.book.syllabus)",
                file=sys.stderr,
            )
            return 1
        print(f"{page} is up to date with the notebooks' openings.")
        return 0
    page.parent.mkdir(parents=True, exist_ok=True)
    partial = page.with_name(page.name + ".partial")
    partial.write_text(text)
    partial.replace(page)  # whole or not at all
    print(f"wrote {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
