"""The figure pack (nnscratch/book/figures.py): which figures carry MNIST's terms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnscratch.book import figures

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("chapters/*.ipynb"), *ROOT.glob("solutions/*.ipynb")])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_figure_of_mnist_digits_carries_mnist_terms(path):
    for cell in json.loads(path.read_text())["cells"]:
        source = "".join(cell["source"])
        name = cell["metadata"].get("mystnb", {}).get("figure", {}).get("name")
        if cell["cell_type"] == "code" and any(f"{p}(" in source for p in figures.DIGIT_PLOTS):
            assert name in figures.MNIST_FIGURES, (
                f"{path.name}: the figure {name!r} draws MNIST digits: add its name to "
                "MNIST_FIGURES in nnscratch/book/figures.py (its license names MNIST's terms)"
            )


def test_the_table_escapes_what_would_break_a_row():
    assert figures.cell("a | b\n c") == "a \\| b c"
