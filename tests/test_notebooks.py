"""Rules every notebook of the course follows (the notebooks themselves run through nbval)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    p for folder in ("chapters", "exercises", "solutions") for p in (ROOT / folder).glob("*.ipynb")
)
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def setup_cell_source() -> str:
    """The first cell of every notebook: installs the course package where it is missing (Colab)."""
    url = CONFIG["repository"]["url"]
    return (
        "# Set-up for Colab and Binder: installs the course package where it is missing.\nimport "
        "importlib.util\n"
        'if importlib.util.find_spec("nnscratch") is None:\n'
        f'    %pip install --quiet "nnscratch @ git+{url}"'
    )


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_there_are_notebooks():
    assert (ROOT / "chapters" / "01_data.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_committed_without_outputs(path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code" or "NBVAL_CHECK_OUTPUT" in source(cell):
            continue
        assert not cell.get("outputs"), (
            f"{path.name}: cell {i} has saved outputs; clear them before committing"
        )
        assert cell.get("execution_count") is None, (
            f"{path.name}: cell {i} has an execution count; clear outputs"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_first_cell_installs_the_package_on_colab(path):
    first = cells(path)[0]
    assert first["cell_type"] == "code" and source(first) == setup_cell_source(), (
        f"{path.name}: the first cell must be the set-up cell (see "
        "tests/test_notebooks.py::setup_cell_source), with the repository URL from _config.yml"
    )
    assert "remove-cell" in first.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_one_title_and_no_heading_jumps(path):
    levels = [
        len(m.group(1))
        for cell in cells(path)
        if cell["cell_type"] == "markdown"
        for m in re.finditer(
            r"^(#{1,6}) ", re.sub(r"```.*?```", "", source(cell), flags=re.S), re.M
        )
    ]
    assert levels and levels[0] == 1 and levels.count(1) == 1, (
        f"{path.name}: needs exactly one H1, first"
    )
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"{path.name}: heading jumps from H{before} to H{after}"


def test_every_notebook_is_in_the_toc_and_every_toc_entry_exists():
    listed = set(toc_files())
    for path in NOTEBOOKS:
        assert str(path.relative_to(ROOT).with_suffix("")) in listed, f"{path} is not in _toc.yml"
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").is_file() for ext in (".md", ".ipynb")), (
            f"_toc.yml names {entry}: no such file"
        )


def test_nbval_fails_when_a_cell_raises(tmp_path, nbval):
    """The suite's notebook check is real: a notebook with a raising cell fails it."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('boom')"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, tmp_path / "broken.ipynb")
    run = nbval(tmp_path / "broken.ipynb", timeout=300)
    assert run.returncode == 1 and "1 failed, 1 passed" in run.stdout, run.stdout[-2000:]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_runs_without_the_book_toolchain(path):
    """Colab has no MyST-NB: notebooks glue with nnscratch.notebook.glue (the same output)."""
    for i, cell in enumerate(cells(path)):
        assert not re.search(r"^\s*(from|import) myst_nb", source(cell), re.M), (
            f"{path.name}: cell {i} imports myst_nb, which Colab lacks; use "
            "`from nnscratch.notebook import glue`"
        )
