"""The reader's copies of the notebooks (issue 24), as ``make book`` writes them and as published.

``make book`` writes a copy of every notebook page into ``_build/html/notebooks/``
(``nnscratch/book/reader.py``): chapters and solutions with the build's outputs and the values the
site showed for ``{eval}`` written into the text, exercises without outputs; plain Markdown, figure
captions under their figures, links to the published pages. The copies are published with the
site (the download menu, one archive) and on a branch of their own, where the Colab button opens
them (``nnscratch/book/branch.py``, the workflow's job ``reader-copies``).

The first tests need no built site (the conversion, the branch, the workflow). The others read the
built site (``$NNSCRATCH_SITE`` or ``_build/html``; skipped without it, failed in CI). Running the
copies in a kernel is ``tests/test_run_notebooks.py``; the menus of the pages are
``tests/test_site.py``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
import yaml

from conftest import built_site, skip_or_fail
from nnscratch.book import branch, copies, markdown, reader

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
SITE = built_site()
FOLDER = CONFIG["sphinx"]["config"].get("nnscratch_reader_folder", "notebooks")
COPIES = SITE / FOLDER
BASE = CONFIG["html"]["baseurl"].rstrip("/") + "/"
EVAL = re.compile(r"\{eval\}`([^`]*)`")
# MyST that must not survive in a copy's Markdown (outside code): roles, directive fences, labels.
MYST = {
    "a role": re.compile(r"\{[A-Za-z][\w:+-]*\}`"),
    "a directive": re.compile(r"^\s*(`{3,}|~{3,}|:{3,})\s*\{[A-Za-z][\w:+-]*\}", re.M),
    "a label": re.compile(r"^\s*\([^()\s]+\)=\s*$", re.M),
    "a substitution": re.compile(r"\{\{[^}]*\}\}"),
}


def toc_notebook_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return [f for f in files if (ROOT / f"{f}.ipynb").is_file()]


PAGES = toc_notebook_pages()
EXECUTED = [p for p in PAGES if not p.startswith("exercises/")]
EXERCISES = [p for p in PAGES if p.startswith("exercises/")]


def source(page: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / f"{page}.ipynb", as_version=4)


def copy_of(page: str) -> nbformat.NotebookNode:
    path = COPIES / f"{page}.ipynb"
    if not path.is_file():
        skip_or_fail(f"no reader's copy {path} (test_every_notebook_page_has_a_copy says why)")
    return nbformat.read(path, as_version=4)


FENCE = re.compile(r"^\s*(`{3,}|~{3,})(.*)$")
# A code span (CommonMark: a run of backticks, closed by a run as long) not crossing a fence line.
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n\s*```).)+?)(?<!`)\1(?!`)", re.S)


def without_code(text: str) -> str:
    """Markdown without its code (MyST in code is shown, not run): code blocks dropped, code spans
    emptied to two backticks (so that a role before one is still seen); a directive's fence is no
    code block and stays."""
    kept, fence = [], None
    for line in text.split("\n"):
        found = FENCE.match(line)
        if fence:
            closes = found and found[1][0] == fence[0] and len(found[1]) >= len(fence)
            fence = None if closes and not found[2].strip() else fence
            continue
        if found and not found[2].strip().startswith("{"):
            fence = found[1]
            continue
        kept.append(line)
    return CODE_SPAN.sub("``", "\n".join(kept))


# ------------------------------------------------------------------------------------------------
# The conversion, on hand-made input


class Resolver(markdown.Resolver):
    def role(self, name, content):
        return "97.50%" if name == "eval" else super().role(name, content)

    def link(self, target):
        return target if target.startswith("https:") else f"https://site/{target}"


def test_directives_become_block_quotes_with_a_bold_title():
    text = (
        "Before.\n\n```{note}\nA *note* with {eval}`acc`.\n```\n\n"
        ":::{admonition} How to do this exercise\n:class: tip\n- one\n- two\n:::\n\n"
        "````{tip} Inline first line.\n```python\nx = 1\n```\n````\n"
    )
    resolver = Resolver()
    assert markdown.convert(text, resolver).split("\n") == [
        "Before.",
        "",
        "> **Note**",
        ">",
        "> A *note* with 97.50%.",
        "",
        "> **How to do this exercise**",
        ">",
        "> - one",
        "> - two",
        "",
        "> **Tip**",
        ">",
        "> Inline first line.",
        "> ```python",
        "> x = 1",
        "> ```",
        "",
    ]
    assert resolver.warnings == []


def test_roles_and_links_are_replaced_and_code_is_left_alone():
    text = (
        "(sec-x)=\n## Title\n% a comment\n"
        "It reads {eval}`acc` and {math}`x^2`; Colab shows `` {eval}`acc` `` as code, and "
        "[chapter 4](04_backpropagation.ipynb), [the curves](#fig-curves), "
        '[a paper](https://arxiv.org/abs/1502.01852 "He et al.").\n\n'
        "```python\nprint('{eval}`acc` [x](y.ipynb)')\n```"
    )
    resolver = Resolver()
    assert markdown.convert(text, resolver) == (
        "## Title\n"
        "It reads 97.50% and $x^2$; Colab shows `` {eval}`acc` `` as code, and "
        "[chapter 4](https://site/04_backpropagation.ipynb), "
        "[the curves](https://site/#fig-curves), "
        '[a paper](https://arxiv.org/abs/1502.01852 "He et al.").\n\n'
        "```python\nprint('{eval}`acc` [x](y.ipynb)')\n```"
    )


def test_what_has_no_plain_form_is_reported():
    resolver = Resolver()
    out = markdown.convert("{glue:text}`key` and\n\n```{tab-set}\ncontent\n```", resolver)
    assert len(resolver.warnings) == 2, resolver.warnings
    assert "{glue:text}" in resolver.warnings[0] and "{tab-set}" in resolver.warnings[1]
    assert "{glue" not in without_code(out) and "```{" not in out


def test_a_value_is_written_as_literal_markdown():
    assert markdown.escape("97.50%") == "97.50%"
    assert markdown.escape("a_b *c* $d | e") == "a\\_b \\*c\\* \\$d \\| e"


def test_the_myst_check_finds_what_is_left():
    """The patterns ``test_the_copy_reads_as_plain_markdown`` looks for, on leftovers and code."""
    leftovers = ["```{note}\nx\n```", ":::{tip}\nx\n:::", "It is {eval}`acc`.", "(sec-x)=\n## X"]
    for text in leftovers:
        assert any(p.search(without_code(text)) for p in MYST.values()), text
    clean = "Colab shows `` {eval}`acc` `` and\n\n```md\n```{note}\n(x)=\n```\n\n> **Note**"
    assert not any(p.search(without_code(clean)) for p in MYST.values())


def notebook_with_a_figure() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook(metadata={"nnscratch": {"exercise": "x"}})
    figure = {"mystnb": {"figure": {"name": "fig-x", "caption": "The $x$ curve."}}}
    nb.cells = [
        nbformat.v4.new_code_cell("# set-up", id="setup", metadata={"tags": ["remove-cell"]}),
        nbformat.v4.new_markdown_cell("# Title\n\nIt is {eval}`acc`.", id="title"),
        nbformat.v4.new_code_cell("acc = '97.50%'\nprint(acc)", id="acc"),
        nbformat.v4.new_code_cell("fig = plot()", id="plot", metadata=figure),
    ]
    return nb


def test_a_copy_keeps_every_cell_and_adds_captions_and_the_note():
    nb = notebook_with_a_figure()
    executed = copy.deepcopy(nb)
    executed.cells[2].outputs = [nbformat.v4.new_output("stream", text="97.50%\n")]
    executed.cells[2].execution_count = 2
    made = copies.make_copy(
        nb,
        executed,
        markdown=lambda i, text: text.replace("{eval}`acc`", "97.50%"),
        caption=lambda cell, text: copies.caption_text(text, "1.1"),
        note="> **A reader's copy.**",
    )
    assert [c.id for c in made.cells] == [
        "setup",
        "title",
        "reader-copy",
        "acc",
        "plot",
        "caption-plot",
    ]
    assert made.cells[1].source == "# Title\n\nIt is 97.50%."
    assert made.cells[3].outputs[0].text == "97.50%\n" and made.cells[3].execution_count == 2
    assert made.cells[5].source == "**Fig. 1.1** The $x$ curve."
    assert [c.source for c in made.cells if c.cell_type == "code"] == [
        c.source for c in nb.cells if c.cell_type == "code"
    ]
    assert made.metadata == nb.metadata and made.cells[0].metadata == nb.cells[0].metadata
    unexecuted = copies.make_copy(
        nb, None, markdown=lambda i, t: t, caption=lambda c, t: t, note=None
    )
    assert "reader-copy" not in [c.id for c in unexecuted.cells]
    assert all(not c.get("outputs") for c in unexecuted.cells if c.cell_type == "code")


def test_a_stale_execution_is_refused():
    nb = notebook_with_a_figure()
    executed = copy.deepcopy(nb)
    executed.cells[2].source = "acc = '90%'"
    with pytest.raises(copies.CopyError, match="stale"):
        copies.make_copy(nb, executed, markdown=lambda i, t: t, caption=lambda c, t: t, note=None)


def test_colab_opens_the_copy_on_its_branch_and_binder_stays():
    colab = "https://colab.research.google.com/github/o/r/blob/main/chapters/05_sgd.ipynb"
    assert reader.colab_url(colab, "main", "reader-copies") == colab.replace(
        "main", "reader-copies"
    )
    assert reader.colab_url(colab, "dev", "reader-copies") is None


# ------------------------------------------------------------------------------------------------
# The extension, on a tiny book built here (a kernel runs: about 10-20 s)

TINY_CONFIG = {
    "title": "Tiny",
    "only_build_toc_files": True,
    "execute": {
        "execute_notebooks": "inline",
        "exclude_patterns": ["b/*"],
        "raise_on_error": True,
        "stderr_output": "error",
    },
    "repository": {"url": "https://github.com/o/r", "path_to_book": "", "branch": "main"},
    "launch_buttons": {
        "notebook_interface": "jupyterlab",
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
    },
    "html": {"use_download_button": True, "baseurl": "https://o.github.io/r/"},
    "sphinx": {
        "extra_extensions": ["nnscratch.book.reader"],
        "config": {"nnscratch_reader_branch": "copies"},
    },
}
TINY_TOC = {
    "format": "jb-book",
    "root": "intro",
    "parts": [
        {"caption": "A", "numbered": True, "chapters": [{"file": "a/one"}, {"file": "b/ex"}]}
    ],
}


def tiny_notebooks() -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    one = nbformat.v4.new_notebook(metadata=meta)
    figure = {
        "mystnb": {"figure": {"name": "fig-line", "caption": "A line, $y = x$."}},
        "tags": [],
    }
    md = nbformat.v4.new_markdown_cell
    one.cells = [
        nbformat.v4.new_code_cell("setup = 1", id="setup", metadata={"tags": ["remove-cell"]}),
        md("# One\n\nOpening.", id="title"),
        nbformat.v4.new_code_cell("x = '0.42'\nn = 7\nprint(x, n)", id="compute"),
        md(
            "It is {eval}`x` of {eval}`n`.\n\n```{note}\nInside a note: {eval}`x`.\n```\n\n"
            "| what | value |\n| --- | --- |\n| x | {eval}`x` |\n\n"
            "See [the line](#fig-line), [the section](#sec-two) and [the exercise](../b/ex.ipynb).",
            id="cites",
        ),
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(3, 2))\n"
            "line = ax.plot([0, 1], [0, 1])",
            id="plot",
            metadata=figure,
        ),
        md("(sec-two)=\n## Two\n\nNow {eval}`x` again.", id="two"),
    ]
    ex = nbformat.v4.new_notebook(metadata={**meta, "nnscratch": {"exercise": "tiny"}})
    ex.cells = [
        nbformat.v4.new_code_cell("setup = 1", id="setup", metadata={"tags": ["remove-cell"]}),
        md("# Ex\n\n:::{admonition} How\n:class: tip\nDo [one](../a/one.ipynb).\n:::", id="t"),
        nbformat.v4.new_code_cell("raise NotImplementedError", id="stub"),
    ]
    return one, ex


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A two-page book (a notebook that cites, an exercise), built as `make book` builds."""
    book = tmp_path_factory.mktemp("tiny")
    (book / "_config.yml").write_text(yaml.safe_dump(TINY_CONFIG))
    (book / "_toc.yml").write_text(yaml.safe_dump(TINY_TOC))
    (book / "intro.md").write_text("# Tiny\n\nA book.\n")
    one, ex = tiny_notebooks()
    for page, nb in (("a/one", one), ("b/ex", ex)):
        (book / page).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, book / f"{page}.ipynb")
    build(book, quick=True)
    return book / "_build" / "html"


def build(book: Path, quick: bool) -> None:
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", "-W", "-n", "."]
    env = {**os.environ, "NNSCRATCH_QUICK": "1" if quick else "0"}
    run = subprocess.run(command, cwd=book, capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]


def test_a_rebuild_keeps_the_values_and_drops_copies_of_pages_gone(tiny):
    """An incremental build re-runs no notebook, yet rewrites every copy with the same values and
    the mode they were run in (the environment keeps them: here the first build ran in quick mode,
    the second is not); a copy whose page left the table of contents is deleted."""
    before = (tiny / "notebooks" / "a" / "one.ipynb").read_bytes()
    gone = tiny / "notebooks" / "old" / "gone.ipynb"
    gone.parent.mkdir()
    gone.write_text("{}")
    build(tiny.parent.parent, quick=False)
    assert (tiny / "notebooks" / "a" / "one.ipynb").read_bytes() == before
    assert not gone.exists()


def test_the_extension_writes_copies_with_the_values_the_page_shows(tiny):
    one = nbformat.read(tiny / "notebooks" / "a" / "one.ipynb", as_version=4)
    cells = {c.id: c.source for c in one.cells}
    assert cells["cites"].split("\n") == [
        "It is 0.42 of 7.",
        "",
        "> **Note**",
        ">",
        "> Inside a note: 0.42.",
        "",
        "| what | value |",
        "| --- | --- |",
        "| x | 0.42 |",
        "",
        "See [the line](https://o.github.io/r/a/one.html#fig-line), [the section]"
        "(https://o.github.io/r/a/one.html#sec-two) and [the exercise]"
        "(https://o.github.io/r/b/ex.html).",
    ]
    assert cells["two"] == "## Two\n\nNow 0.42 again."
    assert cells["caption-plot"] == "**Fig. 1.1** A line, $y = x$."
    assert [c.id for c in one.cells] == [
        "setup", "title", "reader-copy", "compute", "cites", "plot", "caption-plot", "two"
    ]  # fmt: skip
    assert one.cells[3].outputs[0].text == "0.42 7\n"
    assert "https://o.github.io/r/a/one.html" in cells["reader-copy"]
    record = json.loads((tiny / "notebooks" / "reader.json").read_text())
    assert record["notebooks"]["a/one"]["cited"] == {
        "3": {"x": "0.42", "n": "7"},
        "5": {"x": "0.42"},
    }
    assert record["notebooks"]["b/ex"] == {"executed": False, "quick": True, "cited": {}}
    assert "in quick mode" in cells["reader-copy"]
    ex = nbformat.read(tiny / "notebooks" / "b" / "ex.ipynb", as_version=4)
    assert ex.cells[1].source == (
        "# Ex\n\n> **How**\n>\n> Do [one](https://o.github.io/r/a/one.html)."
    )
    assert ex.metadata["nnscratch"] == {"exercise": "tiny"} and not ex.cells[2].outputs
    page = (tiny / "a" / "one.html").read_text()
    assert 'href="https://colab.research.google.com/github/o/r/blob/copies/a/one.ipynb"' in page
    assert 'href="https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/a/one.ipynb"' in page
    assert 'href="../notebooks/a/one.ipynb"' in page and "_sources/a/one.ipynb" not in page
    assert 'href="notebooks/nnscratch-notebooks.zip"' in (tiny / "intro.html").read_text()
    with zipfile.ZipFile(tiny / "notebooks" / "nnscratch-notebooks.zip") as archive:
        assert sorted(archive.namelist()) == [
            "nnscratch-notebooks/a/one.ipynb",
            "nnscratch-notebooks/b/ex.ipynb",
        ]


# ------------------------------------------------------------------------------------------------
# The branch, the Makefile and the workflow


def fake_copies(folder: Path) -> Path:
    for page in ("chapters/01_data", "exercises/01_relu"):
        (folder / page).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nbformat.v4.new_notebook(), folder / f"{page}.ipynb")
    record = {
        "commit": "abc1234",
        "site": "https://o.github.io/r/",
        "repository": "https://github.com/o/r",
        "branch": "reader-copies",
        "folder": "notebooks",
        "archive": "r-notebooks.zip",
        "notebooks": {"chapters/01_data": {}, "exercises/01_relu": {}},
    }
    (folder / "reader.json").write_text(json.dumps(record))
    (folder / "r-notebooks.zip").write_bytes(b"not in the branch")
    return folder


def git(*args, cwd=None) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_the_branch_is_one_orphan_commit_force_pushed(tmp_path):
    copies_folder = fake_copies(tmp_path / "notebooks")
    remote = tmp_path / "remote.git"
    git("init", "--quiet", "--bare", str(remote))
    for round_ in (1, 2):  # the second push replaces the first
        nbformat.write(
            nbformat.v4.new_notebook(metadata={"round": round_}),
            copies_folder / "chapters/01_data.ipynb",
        )
        command = [sys.executable, str(ROOT / "nnscratch/book/branch.py")]
        run = subprocess.run(
            [*command, str(copies_folder), str(tmp_path / "tree"), "--push", str(remote)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
    assert git("rev-list", "--count", "reader-copies", cwd=remote) == "1"
    files = git("ls-tree", "-r", "--name-only", "reader-copies", cwd=remote).split("\n")
    assert files == ["README.md", "chapters/01_data.ipynb", "exercises/01_relu.ipynb"]
    pushed = json.loads(git("show", "reader-copies:chapters/01_data.ipynb", cwd=remote))
    assert pushed["metadata"] == {"round": 2}
    readme = git("show", "reader-copies:README.md", cwd=remote)
    assert (
        "https://colab.research.google.com/github/o/r/blob/reader-copies/chapters/01_data.ipynb"
        in readme
    )
    bad = subprocess.run(
        [*command, str(tmp_path), str(tmp_path / "tree2")], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "make book" in bad.stderr


def test_the_workflow_pushes_what_make_reader_copies_writes():
    """One command writes the tree, in the Makefile and in the workflow; the job runs on main only,
    after the tests, with the write permission it needs."""
    makefile = (ROOT / "Makefile").read_text()
    target = re.search(r"^reader-copies: book\n\t(.+)$", makefile, re.M)
    assert target, "the Makefile has no target reader-copies that builds the book first"
    make_args = target.group(1).split("nnscratch.book.branch", 1)[1].split()
    workflow = yaml.safe_load((ROOT / ".github/workflows/book.yml").read_text())
    job = workflow["jobs"]["reader-copies"]
    assert job["if"] == "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"
    assert set(job["needs"]) == {"build", "test"} and job["permissions"] == {"contents": "write"}
    step = next(s for s in job["steps"] if "branch.py" in s.get("run", ""))
    run = step["run"].split()
    assert run[:2] == ["python3", "nnscratch/book/branch.py"]
    assert run[2:4] == make_args == [f"_build/html/{FOLDER}", "_build/reader-copies"]
    assert run[4] == "--push" and "${GITHUB_REPOSITORY}" in run[5]
    download = next(s for s in job["steps"] if "download-artifact" in s.get("uses", ""))
    assert download["with"] == {"name": "site", "path": "_build/html"}
    assert workflow["permissions"] == {"contents": "read"}  # only this job may write


def test_branch_needs_only_the_standard_library():
    """The publishing job runs branch.py with the runner's Python, without the course's packages."""
    tree = (ROOT / "nnscratch/book/branch.py").read_text()
    imported = re.findall(r"^(?:from|import) (\w+)", tree, re.M)
    assert set(imported) <= {
        "__future__",
        "argparse",
        "json",
        "shutil",
        "subprocess",
        "sys",
        "pathlib",
    }


# ------------------------------------------------------------------------------------------------
# The copies of the built site


@pytest.fixture(scope="module")
def record() -> dict:
    path = COPIES / "reader.json"
    if not path.is_file():
        skip_or_fail(f"no reader's copies in {COPIES}: run `make book` first")
    stale = [
        p
        for p in PAGES
        if (COPIES / f"{p}.ipynb").is_file()
        and (COPIES / f"{p}.ipynb").stat().st_mtime < (ROOT / f"{p}.ipynb").stat().st_mtime
    ]
    if stale:
        skip_or_fail(f"the reader's copies are older than {', '.join(stale)}: run `make book`")
    return json.loads(path.read_text())


def test_every_notebook_page_has_a_copy_and_the_archive_holds_them(record):
    assert sorted(record["notebooks"]) == sorted(PAGES), (
        "the copies are not those of the table of contents' notebooks (a stale or partial build?)"
    )
    assert sorted(p for p, r in record["notebooks"].items() if r["executed"]) == sorted(EXECUTED)
    with zipfile.ZipFile(COPIES / record["archive"]) as archive:
        top = record["archive"].removesuffix(".zip")
        assert sorted(archive.namelist()) == sorted(f"{top}/{p}.ipynb" for p in PAGES)
        for page in PAGES:
            assert archive.read(f"{top}/{page}.ipynb") == (COPIES / f"{page}.ipynb").read_bytes()


def test_make_reader_copies_writes_the_tree_colab_opens(record, tmp_path):
    """The tree the workflow pushes: each page's copy at the path its Colab URL names."""
    files = branch.write_tree(COPIES, tmp_path / "tree")
    assert files == sorted([*(f"{p}.ipynb" for p in PAGES), "README.md"])
    slug = urlsplit(CONFIG["repository"]["url"]).path.strip("/")
    for page in PAGES:
        url = branch.colab_url(record, page)
        prefix = f"https://colab.research.google.com/github/{slug}/blob/{record['branch']}/"
        assert url.startswith(prefix), url
        path = tmp_path / "tree" / url.removeprefix(prefix)
        assert path.read_bytes() == (COPIES / f"{page}.ipynb").read_bytes()


@pytest.mark.parametrize("page", PAGES)
def test_the_copy_is_the_committed_notebook_cell_for_cell(record, page):
    """Valid; the notebook's metadata; every committed cell, in order, with its id; code cells and
    their metadata byte-identical (check cells included); the set-up cell first."""
    made, committed = copy_of(page), source(page)
    nbformat.validate(made)
    assert made.metadata == committed.metadata
    assert made.cells[0] == {
        **committed.cells[0],
        "outputs": made.cells[0].outputs,
        "execution_count": made.cells[0].execution_count,
    }
    ids = {c.id for c in committed.cells}
    assert [c.id for c in made.cells if c.id in ids] == [c.id for c in committed.cells]
    added = [c.id for c in made.cells if c.id not in ids]
    assert all(i == copies.NOTE_ID or i.startswith(copies.CAPTION_PREFIX) for i in added), added
    by_id = {c.id: c for c in made.cells}
    for cell in committed.cells:
        if cell.cell_type == "code":
            assert by_id[cell.id].source == cell.source, f"{page}: cell {cell.id} changed"
            assert by_id[cell.id].metadata == cell.metadata, f"{page}: cell {cell.id} metadata"


@pytest.mark.parametrize("page", PAGES)
def test_the_copy_reads_as_plain_markdown(record, page):
    for i, cell in enumerate(copy_of(page).cells):
        if cell.cell_type != "markdown":
            continue
        text = without_code(cell.source)
        for what, pattern in MYST.items():
            found = pattern.search(text)
            assert not found, f"{page}: cell {i} ({cell.id}) still holds {what}: {found.group()!r}"
        assert "{eval}" not in text


class Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        self.ids.update(v for k, v in attrs if k == "id" and v)


def link_problems(page: str, nb: nbformat.NotebookNode) -> list[str]:
    problems, ids = [], {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        text = without_code(cell.source)
        targets = re.findall(r"\]\((<[^>]*>|[^()\s]+)", text) + re.findall(r'href="([^"]*)"', text)
        for target in (t.strip("<>") for t in targets):
            if target.startswith(BASE):
                path, _, fragment = target.removeprefix(BASE).partition("#")
                file = SITE / unquote(path)
                if not file.is_file():
                    problems.append(f"cell {i}: {target}: no such page in the site")
                elif fragment:
                    if file not in ids:
                        parser = Ids()
                        parser.feed(file.read_text())
                        ids[file] = parser.ids
                    if unquote(fragment) not in ids[file]:
                        problems.append(f"cell {i}: {target}: no id {fragment!r} on the page")
            elif not re.match(r"^(https?://|mailto:|attachment:|data:)", target):
                problems.append(f"cell {i}: {target}: leads nowhere outside the site")
    return problems


@pytest.mark.parametrize("page", PAGES)
def test_every_link_of_the_copy_leads_somewhere(record, page):
    """Links to the course lead to the published page (its file and the id of the fragment exist
    in the built site); a relative link or a bare #anchor would lead nowhere in Colab."""
    problems = link_problems(page, copy_of(page))
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_the_link_check_finds_links_that_lead_nowhere():
    page = next(iter(EXECUTED), None)
    if page is None or not (SITE / f"{page}.html").is_file():
        skip_or_fail(f"no built site in {SITE}: run `make book` first")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            f"[ok]({BASE}{page}.html) [x](04_backpropagation.ipynb) [y](#fig-x) "
            f"[z]({BASE}{page}.html#no-such-id) [w]({BASE}nowhere.html) `[code](#ok)`"
        )
    ]
    problems = link_problems(page, nb)
    assert len(problems) == 4, problems


def figure_numbers(page: str) -> dict[str, str]:
    """The number the site gives each figure of a page: {"fig-name": "2.1"}."""
    html = (SITE / f"{page}.html").read_text()
    return dict(
        re.findall(
            r'<figure[^>]*id="([^"]+)"[^>]*>.*?<span class="caption-number">Fig\. ([\d.]+)',
            html,
            re.S,
        )
    )


@pytest.mark.parametrize("page", PAGES)
def test_each_figure_has_its_caption_under_it(record, page):
    made = copy_of(page)
    numbers = figure_numbers(page) if page in EXECUTED else {}
    for k, cell in enumerate(made.cells):
        caption = copies.figure_caption(cell)
        if caption is None:
            continue
        name = copies.figure_name(cell)
        below = made.cells[k + 1] if k + 1 < len(made.cells) else None
        assert below is not None and below.id == copies.caption_id(cell.id), (
            f"{page}: no caption cell under the figure cell {cell.id} ({name})"
        )
        number = numbers.get(name)
        label = f"**Fig. {number}** " if number else "**Figure** "
        assert below.source.startswith(label), (
            f"{page}: caption of {name} is {below.source[:40]!r}, the site numbers it {number}"
        )
        words = re.findall(r"[A-Za-z]{4,}", caption)
        assert all(w in below.source for w in words), f"{page}: caption of {name} lost words"
        if page in EXECUTED:
            images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
            assert len(cell.outputs) == 1 and len(images) == 1, (
                f"{page}: figure cell {name} has outputs {[o.output_type for o in cell.outputs]}"
            )


@pytest.mark.parametrize("page", PAGES)
def test_chapters_and_solutions_carry_outputs_and_exercises_none(record, page):
    made = copy_of(page)
    code = [c for c in made.cells[1:] if c.cell_type == "code"]
    if page in EXECUTED:
        assert all(c.execution_count for c in code), f"{page}: cells the build did not run"
        assert not code or any(c.outputs for c in code), f"{page}: no outputs"
        assert made.cells[2].id == copies.NOTE_ID, f"{page}: no note under the title"
        assert record["site"] in made.cells[2].source
    else:
        assert all(not c.outputs and c.execution_count is None for c in code), page
        assert copies.NOTE_ID not in [c.id for c in made.cells]


BLOCKS = {"p", "li", "td", "th", "tr", "div", "section", "h1", "h2", "h3", "h4", "br", "pre"}


class Text(HTMLParser):
    """The text of a page, whitespace normalized, blocks apart."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs) -> None:
        self.skip += tag in ("script", "style")
        self.parts.append(" " if tag in BLOCKS else "")

    def handle_endtag(self, tag) -> None:
        self.skip -= tag in ("script", "style") and self.skip > 0
        self.parts.append(" " if tag in BLOCKS else "")

    def handle_data(self, data) -> None:
        if not self.skip:
            self.parts.append(data)

    def text(self) -> str:
        """The text, with Sphinx's typographic quotes (smartquotes) put back as typed."""
        text = "".join(self.parts).translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
        return " ".join(text.split())


def paragraphs(text: str) -> list[str]:
    """A markdown cell's blocks, each on one line: paragraphs, headings, list items, table rows."""
    blocks: list[list[str]] = []
    for chunk in re.split(r"\n\s*\n", text):
        for line in chunk.split("\n"):
            starts = re.match(r"\s*(#{1,6} |[-*+] |\d+\. |\|)", line)
            if starts or not blocks or blocks[-1] == ["|"]:
                blocks.append([])
            blocks[-1].append(line)
            if line.lstrip().startswith("|"):
                blocks.append(["|"])  # a table row ends where it ends
        blocks.append([])
    return [" ".join(" ".join(b).split()) for b in blocks if b and b != ["|"]]


# Up to three plain words before a cited value, and two after: enough to find its sentence.
CONTEXT = re.compile(
    r"((?:[A-Za-z][\w'-]*[,;:]? ){1,3})?\{eval\}`(\w+)`((?: [A-Za-z][\w'-]*){1,2})?"
)


@pytest.mark.parametrize("page", EXECUTED)
def test_cited_values_are_those_the_site_shows(record, page):
    """Each value written into the copy is the page's: found in the page's text with the words
    around it in the sentence, in the copy where the role was, and printed in an output above."""
    cited = record["notebooks"].get(page, {}).get("cited", {})
    committed, made = source(page), copy_of(page)
    parser = Text()
    parser.feed((SITE / f"{page}.html").read_text())
    site_text = parser.text()
    by_id = {c.id: k for k, c in enumerate(made.cells)}
    checked = 0
    for i, cell in enumerate(committed.cells):
        names = EVAL.findall(cell.source) if cell.cell_type == "markdown" else []
        if not names:
            continue
        values = cited.get(str(i), {})
        assert set(names) <= set(values), (
            f"{page}: cell {i}: no value for {set(names) - set(values)}"
        )
        k = by_id[cell.id]
        above = "\n".join(
            o.get("text", "") + o.get("data", {}).get("text/plain", "")
            for c in made.cells[:k]
            if c.cell_type == "code"
            for o in c.outputs
        )
        for name in names:
            assert markdown.escape(values[name]) in made.cells[k].source, (page, i, name)
            assert values[name] in above, (
                f"{page}: cell {i}: {name} = {values[name]!r} is not printed above it in the copy"
            )
        contexts = [m for block in paragraphs(cell.source) for m in CONTEXT.findall(block)]
        for before, name, after in contexts:
            expected = f"{before}{values[name]}{after}"
            assert expected in site_text, f"{page}: the site does not show {expected!r}"
            checked += 1
    assert checked or not cited, f"{page}: no cited value could be found on the page"


# ------------------------------------------------------------------------------------------------
# An exercise's copy grades like the exercise


def with_solution_code(made: nbformat.NotebookNode, solution: nbformat.NotebookNode):
    """The copy with every code cell it shares with the solution (by id) holding the solution's."""
    answers = {c.id: c.source for c in solution.cells if c.cell_type == "code"}
    pasted = copy.deepcopy(made)
    for cell in pasted.cells:
        if cell.cell_type == "code" and cell.id in answers:
            cell.source = answers[cell.id]
    return pasted


def test_exercise_copies_grade_like_the_exercises(record, tmp_path):
    """``python -m nnscratch.grade --quick`` on each exercise's copy: every check fails, as on the
    stub; with the solution's code pasted into the copy's cells, every check passes."""
    names = [p.removeprefix("exercises/") for p in EXERCISES]
    (tmp_path / "stub").mkdir()
    (tmp_path / "pasted").mkdir()
    for name in names:
        made = copy_of(f"exercises/{name}")
        solution = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
        nbformat.write(made, tmp_path / "stub" / f"{name}.ipynb")
        nbformat.write(with_solution_code(made, solution), tmp_path / "pasted" / f"{name}.ipynb")
    results = tmp_path / "grades.json"
    command = [sys.executable, "-m", "nnscratch.grade", "--quick", "--jobs", "2"]
    run = subprocess.run(
        [*command, "--json", str(results), str(tmp_path / "stub"), str(tmp_path / "pasted")],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    reports = {
        f"{Path(r['path']).parent.name}/{r['exercise']}": r for r in json.loads(results.read_text())
    }
    manifest = json.loads((ROOT / "nnscratch/grade/manifest.json").read_text())
    for name in names:
        checks = [c["check"] for c in manifest[name]["cells"] if "check" in c]
        stub, pasted = reports[f"stub/{name}"], reports[f"pasted/{name}"]
        assert [r["check"] for r in stub["results"]] == checks, stub
        assert not any(r["passed"] for r in stub["results"]), f"stub/{name}: {stub['results']}"
        assert all(
            "raised NotImplementedError" in r["message"]
            for r in stub["results"]
            if not r["check"].endswith("training")
        ), stub["results"]
        assert [r["check"] for r in pasted["results"]] == checks, pasted
        assert all(r["passed"] for r in pasted["results"]), f"pasted/{name}: {pasted['results']}"
