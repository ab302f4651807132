"""The teacher's syllabus (teachers/syllabus.md) is generated from the notebooks' openings and
kept up to date: nnscratch/book/syllabus.py, ``make syllabus``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnscratch.book import syllabus

ROOT = Path(__file__).resolve().parents[1]


def notebook(path: Path, first_markdown: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [
        {"cell_type": "code", "metadata": {}, "source": "# set-up", "outputs": []},
        {"cell_type": "markdown", "metadata": {}, "source": first_markdown},
    ]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}))


OPENING = "**You will be able to:** do {what};\nand more.\n**Time:** about {time}.\n\nText."


def tiny_course(root: Path, capstone_opening: bool = True) -> None:
    """Two chapters (one optional) and two exercises, as in the course's _toc.yml."""
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n"
        "  - caption: Chapters\n    chapters:\n      - file: chapters/01_data\n"
        "  - caption: Optional\n    chapters:\n      - file: chapters/02_fast\n"
        "  - caption: Exercises\n    chapters:\n      - file: exercises/01_relu\n"
        "      - file: exercises/07_capstone\n"
        "  - caption: Solutions\n    chapters:\n      - file: solutions/01_relu\n"
    )
    notebook(
        root / "chapters/01_data.ipynb", "# Data\n\n" + OPENING.format(what="a", time="1 hour")
    )
    notebook(
        root / "chapters/02_fast.ipynb", "# Fast\n" + OPENING.format(what="b", time="5 minutes")
    )
    notebook(
        root / "exercises/01_relu.ipynb",
        "# Exercise 1: ReLU\n" + OPENING.format(what="c", time="2 hours"),
    )
    capstone = OPENING.format(what="d", time="3 hours") if capstone_opening else "Text."
    notebook(root / "exercises/07_capstone.ipynb", "# Exercise 7: Capstone\n" + capstone)


PLANS = {
    "two weeks": [
        (["chapters/data"], ["exercises/relu"]),
        (["chapters/fast"], ["exercises/capstone"]),
    ]
}


def test_the_syllabus_page_is_up_to_date_with_the_notebooks():
    assert syllabus.main(["--check"]) == 0, "run `make syllabus` and commit teachers/syllabus.md"


def test_every_chapter_and_exercise_is_in_every_plan_of_the_course():
    items = syllabus.entries()
    page = syllabus.render(items)
    for e in items:
        assert e.link() in page
    for name, weeks in syllabus.PLANS.items():
        named = [k for read, hand_in in weeks for k in read + hand_in]
        assert sorted(named) == sorted(e.key for e in items), name
        assert 4 <= len(weeks) <= 6, f"the {name} plan has {len(weeks)} weeks"


def test_objectives_times_and_sums_come_from_the_openings(tmp_path):
    tiny_course(tmp_path)
    items = syllabus.entries(tmp_path)
    assert [(e.label, e.minutes, e.optional) for e in items] == [
        ("Chapter 1: Data", 60, False),
        ("Chapter 2: Fast", 5, True),
        ("Exercise 1: ReLU", 120, False),
        ("Exercise 7: Capstone", 180, False),
    ]
    assert items[0].objectives == "do a; and more."
    assert items[3].key == "exercises/capstone"  # renumbering keeps a notebook's place in a plan
    page = syllabus.render(items, PLANS)
    assert "The core chapters take about 1 h, the exercises about 5 h." in page
    assert (
        "| [Chapter 2: Fast](../chapters/02_fast.ipynb) (optional) | do b; and more. | 5&nbsp;min |"
        in page
    )
    # week 1: chapter 1 and exercise 1; week 2: the optional chapter is not counted
    assert page.rstrip().endswith(
        "| [Exercise 7: Capstone](../exercises/07_capstone.ipynb) | 3&nbsp;h |"
    )
    assert "| [Exercise 1: ReLU](../exercises/01_relu.ipynb) | 3&nbsp;h |" in page
    assert "solutions/" not in page


def test_a_notebook_without_an_opening_is_named_not_guessed(tmp_path):
    tiny_course(tmp_path, capstone_opening=False)
    page = syllabus.render(syllabus.entries(tmp_path), PLANS)
    assert "| [Exercise 7: Capstone](../exercises/07_capstone.ipynb) | *not stated yet" in page
    assert "the exercises about 2 h (+ 1 not stated)" in page


def test_a_plan_that_leaves_out_or_repeats_a_notebook_is_refused(tmp_path):
    tiny_course(tmp_path)
    items = syllabus.entries(tmp_path)
    bad = {"short": [(["chapters/data", "chapters/data"], ["exercises/relu", "exercises/gone"])]}
    with pytest.raises(syllabus.SyllabusError) as err:
        syllabus.render(items, bad)
    message = str(err.value)
    assert "unknown ['exercises/gone']" in message
    assert "missing ['chapters/fast', 'exercises/capstone']" in message
    assert "twice ['chapters/data']" in message


def test_check_fails_on_a_stale_page_and_writing_fixes_it(tmp_path, capsys):
    tiny_course(tmp_path)
    (tmp_path / "teachers").mkdir()
    (tmp_path / "teachers/syllabus.md").write_text("# Syllabus\n\nedited by hand\n")
    monkey = dict(syllabus.PLANS)
    syllabus.PLANS.clear()
    syllabus.PLANS.update(PLANS)
    try:
        assert syllabus.main(["--root", str(tmp_path), "--check"]) == 1
        assert "make syllabus" in capsys.readouterr().err
        assert syllabus.main(["--root", str(tmp_path)]) == 0
        assert syllabus.main(["--root", str(tmp_path), "--check"]) == 0
    finally:
        syllabus.PLANS.clear()
        syllabus.PLANS.update(monkey)
    assert not list((tmp_path / "teachers").glob("*.partial"))


def test_a_notebook_without_a_title_is_named(tmp_path):
    tiny_course(tmp_path)
    notebook(tmp_path / "chapters/01_data.ipynb", "No title here.")
    with pytest.raises(syllabus.SyllabusError, match="01_data.ipynb: the first markdown cell"):
        syllabus.entries(tmp_path)
