"""Rules every notebook of the course follows, read from the committed files (nothing runs here).

The conventions are written down in CONTRIBUTING.md ("Writing a chapter"). Running the notebooks
is tested elsewhere: tests/test_run_notebooks.py runs every chapter and solution the way a learner
who downloaded it would (outside the clone, the package installed from a wheel) and checks what
the cells show; tests/test_lab.py opens some of them in JupyterLab in a real browser.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("chapters", "exercises", "solutions")
NOTEBOOKS = sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
MAX_LINE = 79  # PEP 8: a code cell shows whole on the site's 1280 px page, in JupyterLab and Colab
# {eval}`name` is MyST-NB's inline evaluation: only plain names (its default nb_eval_name_regex).
EVAL = re.compile(r"\{eval\}`([^`]*)`")
EVAL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
FIGURE_NAME = re.compile(r"^fig-[a-z0-9]+(-[a-z0-9]+)*$")
# Tags that hide a code cell (or its source) on the site. Only the set-up cell may be hidden: the
# page shows the code the learner runs, and a hidden cell would be "book machinery".
HIDING_TAGS = {"remove-cell", "remove-input", "hide-cell", "hide-input"}


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def code_cells(path: Path):
    for i, cell in enumerate(cells(path)):
        if cell["cell_type"] == "code":
            yield i, cell, source(cell)


def markdown_text(path: Path) -> list[tuple[int, str]]:
    return [(i, source(c)) for i, c in enumerate(cells(path)) if c["cell_type"] == "markdown"]


def figure_options(cell: dict) -> dict | None:
    """The figure a code cell's output becomes on the site (``metadata.mystnb.figure``), if any."""
    return cell.get("metadata", {}).get("mystnb", {}).get("figure")


def setup_cell_source() -> str:
    """The first cell of every notebook: installs the course package where it is missing (Colab).

    The URL is the one ``repository.url`` of ``_config.yml``, which the launch buttons use too.
    """
    url = CONFIG["repository"]["url"]
    return (
        "# Set-up for Colab: installs the course package where it is missing.\n"
        "import importlib.util\n"
        "\n"
        f'REPOSITORY = "{url}"\n'
        'if importlib.util.find_spec("nnscratch") is None:\n'
        '    %pip install --quiet "nnscratch @ git+{REPOSITORY}"'
    )


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def executed_by_the_book(path: Path) -> bool:
    """Chapters and solutions are executed when the site is built; exercises are only shown."""
    return path.parent.name != "exercises"


def test_there_are_notebooks():
    assert (ROOT / "chapters" / "01_data.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_committed_without_outputs(path):
    for i, cell in enumerate(cells(path)):
        # jupyterlab-myst stores the values of {eval} roles in the markdown cell's metadata
        assert "user_expressions" not in cell.get("metadata", {}), (
            f"{label(path)}: cell {i} holds evaluated {{eval}} values (saved from JupyterLab); "
            "clear them: Edit -> Clear Outputs of All Cells does not, so delete "
            "metadata.user_expressions"
        )
        if cell["cell_type"] != "code" or "NBVAL_CHECK_OUTPUT" in source(cell):
            continue
        assert not cell.get("outputs"), (
            f"{label(path)}: cell {i} has saved outputs; clear them before committing"
        )
        assert cell.get("execution_count") is None, (
            f"{label(path)}: cell {i} has an execution count; clear outputs"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_first_cell_installs_the_package_on_colab(path):
    first = cells(path)[0]
    assert first["cell_type"] == "code" and source(first) == setup_cell_source(), (
        f"{label(path)}: the first cell must be the set-up cell "
        "(tests/test_notebooks.py::setup_cell_source), with the repository URL from _config.yml"
    )
    assert "remove-cell" in first.get("metadata", {}).get("tags", [])


def test_the_setup_cell_takes_the_url_from_the_config():
    """One URL: _config.yml's repository.url (launch buttons, edit links) is the one installed."""
    assert f'REPOSITORY = "{CONFIG["repository"]["url"]}"' in setup_cell_source()
    assert CONFIG["repository"]["url"].startswith("https://github.com/")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_one_title_and_no_heading_jumps(path):
    levels = [
        len(m.group(1))
        for _, text in markdown_text(path)
        for m in re.finditer(r"^(#{1,6}) ", re.sub(r"```.*?```", "", text, flags=re.S), re.M)
    ]
    assert levels and levels[0] == 1 and levels.count(1) == 1, (
        f"{label(path)}: needs exactly one H1, first"
    )
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"{label(path)}: heading jumps from H{before} to H{after}"


def test_every_notebook_is_in_the_toc_and_every_toc_entry_exists():
    listed = set(toc_files())
    for path in NOTEBOOKS:
        assert str(path.relative_to(ROOT).with_suffix("")) in listed, f"{path} is not in _toc.yml"
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").is_file() for ext in (".md", ".ipynb")), (
            f"_toc.yml names {entry}: no such file"
        )


def test_nbval_fails_when_a_cell_raises(tmp_path, nbval):
    """The exercises' `pytest --nbval-lax` is a real check: a raising cell fails it."""
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


# ------------------------------------------------------------------------------------------------
# What the learner reads is what runs: no book machinery, nothing clipped, nothing repo-bound


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_code_lines_fit_in_79_characters(path):
    """Longer lines are clipped on the site's content column and wrap in JupyterLab and Colab."""
    long = [
        f"cell {i}, line {n}: {len(line)} characters"
        for i, _, text in code_cells(path)
        for n, line in enumerate(text.split("\n"), start=1)
        if len(line) > MAX_LINE
    ]
    assert not long, f"{label(path)}: code lines longer than {MAX_LINE} characters:\n" + "\n".join(
        long
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_no_book_machinery(path):
    """Figures come from cell metadata and numbers from {eval}: no glue, no hidden code cells."""
    for i, cell, text in code_cells(path):
        assert not re.search(
            r"^\s*(from|import) myst_nb|\bglue\(|nnscratch\.notebook", text, re.M
        ), f"{label(path)}: cell {i} glues; show figures and numbers as CONTRIBUTING.md says"
        hidden = HIDING_TAGS & set(cell.get("metadata", {}).get("tags", []))
        assert i == 0 or not hidden, (
            f"{label(path)}: code cell {i} is hidden on the site ({sorted(hidden)}); only the "
            "set-up cell is: the page shows the code the learner runs"
        )
    for i, text in markdown_text(path):
        assert "{glue" not in text, f"{label(path)}: cell {i} uses a glue role or directive"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_notebooks_link_notebooks_as_files(path):
    """Links between notebooks are Markdown links to the .ipynb file: {doc} fails in JupyterLab."""
    for i, text in markdown_text(path):
        roles = re.findall(r"\{doc\}`[^`]*`", text)
        assert not roles, (
            f"{label(path)}: cell {i} links with {roles}: jupyterlab-myst opens nothing there; "
            "write [title](../chapters/NN_name.ipynb) (CONTRIBUTING.md)"
        )
        for target in re.findall(r"\]\(([^)#\s]+\.ipynb)(?:#[^)]*)?\)", text):
            assert (path.parent / target).is_file(), (
                f"{label(path)}: cell {i} links to {target}, which is not a notebook of the course"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_no_repository_relative_paths(path):
    """A notebook runs alone (downloaded, on Colab): it reads no file beside it in the clone."""
    for i, _, text in code_cells(path):
        for node in ast.walk(ast.parse(python_only(text))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.search(r"(^|/)\.\.(/|$)|_static/", node.value), (
                    f"{label(path)}: cell {i} names a path in the repository: {node.value!r}"
                )
    for i, text in markdown_text(path):
        local = [
            target
            for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text)
            + re.findall(r"^[`:]{3,}\{(?:image|figure)\}\s+(\S+)", text, re.M)
            if not re.match(r"(https?:|data:|attachment:)", target)
        ]
        assert not local, (
            f"{label(path)}: cell {i} shows an image from a file of the clone "
            f"{local}: draw it in a code cell, or attach it to the cell"
        )


def python_only(text: str) -> str:
    """A cell's source with IPython's magics and shell lines blanked, for ``ast``."""
    return "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass"
        if line.lstrip().startswith(("%", "!"))
        else line
        for line in text.split("\n")
    )


def all_figures() -> list[tuple[Path, int, dict]]:
    return [
        (path, i, cell)
        for path in NOTEBOOKS
        for i, cell, _ in code_cells(path)
        if figure_options(cell) is not None
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_figure_cells_carry_caption_name_and_alt_text(path):
    """A figure cell: its output is the figure; the cell's metadata makes it a numbered figure."""
    for i, cell, text in code_cells(path):
        options = figure_options(cell)
        if options is None:
            assert "plt.close" not in text, (
                f"{label(path)}: cell {i} closes a figure, so JupyterLab and Colab never show it"
            )
            continue
        alt = cell["metadata"]["mystnb"].get("image", {}).get("alt", "")
        where = f"{label(path)}: figure cell {i}"
        assert FIGURE_NAME.match(options.get("name", "")), (
            f"{where}: metadata.mystnb.figure.name must be like 'fig-learning-curves'"
        )
        assert options.get("caption", "").strip(), f"{where}: no metadata.mystnb.figure.caption"
        assert len(alt.strip()) >= 20, (
            f"{where}: metadata.mystnb.image.alt must describe the figure for a reader who "
            "cannot see it"
        )
        for text_of, value in (("caption", options["caption"]), ("alt text", alt)):
            assert "{eval}" not in value and "{glue" not in value, (
                f"{where}: the {text_of} cannot show computed values; describe, don't report"
            )
        assert not re.search(r"\bplt\.close\(|\bprint\(|\bdisplay\(", text), (
            f"{where}: a figure cell only draws (its single output is the figure); print "
            "numbers in another cell"
        )


def test_figure_names_are_unique_across_the_book():
    """Names are labels of the whole site (exercises are not executed: their figures never show)."""
    names = [
        figure_options(cell)["name"]
        for path, _, cell in all_figures()
        if executed_by_the_book(path)
    ]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_figure_references_are_links_to_figures_of_the_notebook(path):
    """``[the learning curves](#fig-curves)`` works on the site, in JupyterLab and in Colab;
    ``{numref}`` to a cell's figure shows as an unresolved reference in JupyterLab (measured)."""
    names = {
        figure_options(cell)["name"]
        for _, cell, _ in code_cells(path)
        if figure_options(cell) is not None
    }
    for i, text in markdown_text(path):
        assert not re.search(r"\{(numref|ref)\}`[^`]*fig-", text), (
            f"{label(path)}: cell {i} refers to a figure with a role; link to it instead: "
            "[the learning curves](#fig-curves)"
        )
        for target in re.findall(r"\]\(#(fig-[^)]*)\)", text):
            assert target in names, f"{label(path)}: cell {i} links to #{target}, no such figure"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_cited_numbers_are_plain_names_evaluated_by_the_book(path):
    """Prose cites computed values as {eval}`name`: a plain variable of an earlier visible cell."""
    cited = [(i, name) for i, text in markdown_text(path) for name in EVAL.findall(text)]
    if not cited:
        return
    assert executed_by_the_book(path), (
        f"{label(path)}: an exercise is shown, not executed, on the site: it cannot cite "
        f"computed values ({[n for _, n in cited]})"
    )
    mode = (
        json.loads(path.read_text())["metadata"].get("mystnb", {}).get("execution_mode")
        or CONFIG["execute"]["execute_notebooks"]
    )
    assert mode == "inline", (
        f"{label(path)}: {{eval}} needs MyST-NB's inline execution (_config.yml: "
        f"execute_notebooks: inline), not {mode!r}"
    )
    for i, name in cited:
        assert EVAL_NAME.match(name), (
            f"{label(path)}: cell {i}: {{eval}}`{name}` is not a plain variable name; compute "
            "and format the value in a code cell, print it, and cite the variable"
        )


# ------------------------------------------------------------------------------------------------
# A chapter is one idea: it opens with what the learner will be able to do and how long it takes,
# and stays short (issue 18; CONTRIBUTING.md, "A chapter's opening")

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MAX_CODE_CELLS = 20  # a core chapter's code cells, the set-up cell excluded
MAX_WORDS = 2_000  # a core chapter's prose (words of the markdown; maths, code and tables left out)
# "**You will be able to:** ..." then "**Time:** about N minutes", each starting a line, in the
# first markdown cell after the title. The teacher's syllabus is generated from these two lines.
OPENING = re.compile(
    r"^\*\*You will be able to:\*\* (?P<objectives>.+?)\n"
    r"\*\*Time:\*\* about (?P<time>\d+) (?P<unit>minutes|hours?)\.$",
    re.S | re.M,
)


def prose_words(text: str) -> int:
    """Words a reader reads as prose in a markdown cell: code, maths, tables, comments left out."""
    text = re.sub(r"```.*?```|\$\$.*?\$\$|<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", "", text)
    text = "\n".join(line for line in text.split("\n") if not line.lstrip().startswith("|"))
    return sum(1 for word in text.split() if re.search(r"[A-Za-z]", word))


def is_core(path: Path) -> bool:
    """Chapters of the numbered parts of the table of contents, except the optional part (numbered
    too, so that its chapter is chapter 13 on the site, but not core)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    parts = [p for p in toc["parts"] if p.get("numbered") and p.get("caption") != "Optional"]
    numbered = [chapter["file"] for part in parts for chapter in part["chapters"]]
    return str(path.relative_to(ROOT).with_suffix("")) in numbered


@pytest.mark.parametrize("path", CHAPTERS, ids=label)
def test_chapter_opens_with_what_you_will_be_able_to_do_and_how_long(path):
    markdown = [text for _, text in markdown_text(path)]
    first = markdown[0].split("\n", 1)[1].lstrip("\n") if markdown else ""
    assert OPENING.match(first), (
        f"{label(path)}: the title must be followed by '**You will be able to:** ...' and, on a "
        "line of its own, '**Time:** about N minutes.' (CONTRIBUTING.md, \"A chapter's opening\")"
    )


@pytest.mark.parametrize("path", [p for p in CHAPTERS if is_core(p)], ids=label)
def test_core_chapter_is_one_idea_long(path):
    code = sum(1 for i, _, _ in code_cells(path) if i > 0)
    words = sum(prose_words(text) for _, text in markdown_text(path))
    assert code <= MAX_CODE_CELLS, f"{label(path)}: {code} code cells (at most {MAX_CODE_CELLS})"
    assert words <= MAX_WORDS, f"{label(path)}: {words} words of prose (at most {MAX_WORDS})"


def test_prose_words_leave_out_maths_code_and_tables():
    text = "One two.\n\n$$x = y$$\n\n```python\nthree = 3\n```\n\n| a | b |\n\nFour $z$ five."
    assert prose_words(text) == 4
