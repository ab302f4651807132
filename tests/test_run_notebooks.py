"""Every chapter and solution, run as a learner who downloaded its reader's copy: outside the clone,
quick mode.

What runs is the reader's copy ``make book`` wrote (``_build/html/notebooks/``, or the
``notebooks/`` of ``$NNSCRATCH_SITE``; ``tests/test_reader_copies.py`` checks how it is made): the
notebook the site's download menu and Colab button give, whose cells are the committed notebook's,
its Markdown plain, its numbers the site's. Without a built site these tests are skipped (in CI,
where the build job's site is downloaded first, they fail instead).

The course package is built as a wheel and installed (not editable) into a temporary folder, which
is the kernel's only ``PYTHONPATH``; each copy is put alone into an empty temporary folder and
executed there, top to bottom in a fresh kernel (nbclient, the project's ``python3`` kernel). So a
notebook that reads a file of the clone, or a package module that only exists in the clone, fails
here, as it would on Colab.

This is the test suite's one run of these notebooks (pytest does not collect them through nbval).
Besides "no cell raises", it checks what the cells show, in every front end:

- a figure cell (``metadata.mystnb.figure``) has exactly one output, its image: no stray
  ``<Figure size ...>`` or ``[<matplotlib...>]`` text, and no figure outside a figure cell;
- no printed line is longer than 79 characters (the site cuts it off);
- nothing is written to stderr (the site's build fails on it);
- every number the committed notebook's prose cites with {eval}`name` (found by the cell's id) is
  a ``str`` or ``int`` that renders the same in MyST-NB and jupyterlab-myst, and appears in an
  output above it, where a reader of the committed notebook on Colab, who sees the role
  unrendered, finds it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import built_site, skip_or_fail

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [
    *sorted((ROOT / "chapters").glob("*.ipynb")),
    *sorted((ROOT / "solutions").glob("*.ipynb")),
]
COPIES = built_site() / "notebooks"  # where `make book` writes the reader's copies
EVAL = re.compile(r"\{eval\}`([^`]*)`")
STRAY = re.compile(r"^(<Figure size|\[?<matplotlib\.|<matplotlib\.)")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
MAX_LINE = 79  # printed lines too: longer ones are cut off on the site (1280 px) and wrap elsewhere
PROBE = "nnscratch-probe"
CELL_TIMEOUT = (
    900  # seconds; quick mode runs a chapter in well under a minute when the machine is free
)


def label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """The course package from a wheel built from this clone, installed into a bare folder."""
    base = tmp_path_factory.mktemp("package")
    source = base / "source"  # a copy, so the build leaves no build/ or *.egg-info in the clone
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "_build",
            ".jupyter_cache",
            "__pycache__",
            "*.egg-info",
            "build",
            ".ipynb_checkpoints",
        ),
    )
    run = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run(
        [*run, "wheel", "--no-deps", "--no-build-isolation", "-w", str(base / "dist"), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheels = list((base / "dist").glob("nnscratch-*.whl"))
    assert len(wheels) == 1, wheels
    target = base / "site-packages"
    subprocess.run(
        [*run, "install", "--no-deps", "--target", str(target), str(wheels[0])],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def kernel_environment(site: Path) -> dict[str, str]:
    """The test's environment, with the wheel's folder as the only extra import path, quick mode and
    one BLAS thread; matplotlib's backend is the kernel's own (inline), as in Jupyter and Colab."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MPLBACKEND")}
    env.update(
        PYTHONPATH=str(site),
        NNSCRATCH_QUICK="1",
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def probe_cell(code: str, what: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(code)
    cell.metadata[PROBE] = what
    return cell


def cited_names(nb: nbformat.NotebookNode) -> dict[str, list[str]]:
    """The names each markdown cell cites with {eval}, by cell id."""
    return {
        cell.id: sorted(set(EVAL.findall(cell.source)))
        for cell in nb.cells
        if cell.cell_type == "markdown" and EVAL.search(cell.source)
    }


def with_probes(
    nb: nbformat.NotebookNode, cited: dict[str, list[str]] | None = None
) -> nbformat.NotebookNode:
    """A copy with probe cells: where ``nnscratch`` was imported from, after the set-up cell, and
    after each markdown cell that cites values (``cited``: the names by cell id, by default those
    its own {eval} roles name), their type and text at that point (as MyST-NB and jupyterlab-myst
    evaluate them)."""
    cited = cited_names(nb) if cited is None else cited
    probed = nbformat.v4.new_notebook(metadata=nb.metadata)
    where = "import json as _j, nnscratch as _n\nprint(_j.dumps(_n.__file__))\ndel _j, _n"
    for i, cell in enumerate(nb.cells):
        probed.cells.append(cell)
        if i == 0:
            probed.cells.append(probe_cell(where, "package"))
        names = cited.get(cell.get("id"), []) if cell.cell_type == "markdown" else []
        if names:
            code = (
                "import json as _j\n"
                f"print(_j.dumps({{_k: [type(_v).__name__, _v if isinstance(_v, str) else repr(_v)]"
                f" for _k in {names!r} for _v in [globals().get(_k, _j)]"
                " if _v is not _j}))\ndel _j"
            )
            probe = probe_cell(code, f"cell {i}")
            probe.metadata[f"{PROBE}-names"] = names
            probed.cells.append(probe)
    return probed


def text_of(output: dict) -> str:
    if output["output_type"] == "stream":
        return output["text"]
    return output.get("data", {}).get("text/plain", "")


def problems_of(nb: nbformat.NotebookNode, site: Path) -> list[str]:
    """What the executed notebook (with probes) shows that a learner should not see."""
    problems, shown, number = [], "", -1
    for cell in nb.cells:
        what = cell.metadata.get(PROBE)
        number += what is None  # the cell's index in the notebook as committed
        if cell.cell_type != "code":
            continue
        if what == "package":
            where = json.loads(cell.outputs[0]["text"])
            if not where.startswith(str(site)):
                problems.append(f"the kernel imported nnscratch from {where}, not from the wheel")
            continue
        if what:
            cited = json.loads(cell.outputs[0]["text"])
            for name, (kind, value) in cited.items():
                if kind not in ("str", "int"):
                    problems.append(
                        f"{what}: {{eval}}`{name}` is a {kind} ({value}); cite a str "
                        "(formatted) or an int: others render differently"
                    )
                elif kind == "str" and (repr(value)[1:-1] != value or "\n" in value or not value):
                    problems.append(
                        f"{what}: {{eval}}`{name}` = {value!r} holds quotes, a "
                        "backslash or a line break: it renders differently in JupyterLab"
                    )
                elif value not in shown:
                    problems.append(
                        f"{what}: {{eval}}`{name}` = {value} is not in any output above "
                        "it: print it where it is computed (Colab shows only the name)"
                    )
            missing = sorted(set(cell.metadata[f"{PROBE}-names"]) - set(cited))
            if missing:
                problems.append(f"{what}: cites {missing}, not defined at that point")
            continue
        index = f"cell {number}"
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        figure = cell.metadata.get("mystnb", {}).get("figure")
        if figure is not None and (len(cell.outputs) != 1 or len(images) != 1):
            kinds = [o["output_type"] + ("(image)" if o in images else "") for o in cell.outputs]
            problems.append(
                f"figure cell {figure.get('name')}: outputs {kinds}, expected only its "
                "image (end the cell with an assignment, e.g. `fig = plot_...(...)`)"
            )
        if figure is None and images:
            problems.append(
                f"{index} draws a figure but has no metadata.mystnb.figure (caption, "
                "name, alt text)"
            )
        for output in cell.outputs:
            text = text_of(output)
            if output["output_type"] == "stream" and output["name"] == "stderr":
                problems.append(f"{index} writes to stderr: {text[:300]!r}")
            elif "image/png" not in output.get("data", {}) and STRAY.match(text.strip()):
                problems.append(
                    f"{index} shows {text.strip()[:60]!r}: end a plotting cell with "
                    "an assignment or `;`"
                )
            wide = [line for line in ANSI.sub("", text).split("\n") if len(line) > MAX_LINE]
            if wide and output["output_type"] != "error":
                problems.append(
                    f"{index} prints {len(wide)} lines longer than {MAX_LINE} "
                    f"characters, e.g. {wide[0][:90]!r}"
                )
            shown += text + "\n"
    return problems


def reader_copy(path: Path) -> Path:
    """The reader's copy of a committed notebook, as the built site holds it."""
    copy = COPIES / path.parent.name / path.name
    if not copy.is_file():
        skip_or_fail(f"no reader's copy {copy}: run `make book` first (it writes them)")
    if copy.stat().st_mtime < path.stat().st_mtime:
        skip_or_fail(f"the reader's copy {copy} is older than {label(path)}: run `make book`")
    return copy


@pytest.mark.parametrize("path", NOTEBOOKS, ids=label)
def test_reader_copy_runs_outside_the_clone(path, installed, tmp_path):
    copy = reader_copy(path)
    workdir = tmp_path / "download"
    workdir.mkdir()
    shutil.copy(copy, workdir / path.name)  # the copy alone, as the site's download menu gives it
    committed = nbformat.read(path, as_version=4)
    nb = with_probes(nbformat.read(workdir / path.name, as_version=4), cited_names(committed))
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute(env=kernel_environment(installed))
    except CellExecutionError as err:
        pytest.fail(
            f"{label(path)}, its reader's copy run outside the clone:\n{err}", pytrace=False
        )
    problems = problems_of(nb, installed)
    assert not problems, f"{label(path)} (reader's copy):\n" + "\n".join(problems)


def test_the_checks_catch_what_a_learner_should_not_see(tmp_path):
    """``problems_of`` on hand-made executed notebooks: each mistake is reported, none if clean."""
    site = tmp_path / "site"
    out = nbformat.v4.new_output

    def executed(*cells):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("# set-up"), *cells]
        nb = with_probes(nb)
        nb.cells[1].outputs = [
            out("stream", name="stdout", text=json.dumps(f"{site}/nnscratch/__init__.py"))
        ]
        return nb

    def code(*outputs, **metadata):
        cell = nbformat.v4.new_code_cell("...", metadata=metadata)
        cell.outputs = list(outputs)
        return cell

    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes>"}
    figure = {"mystnb": {"figure": {"name": "fig-x", "caption": "X."}, "image": {"alt": "An x."}}}
    printed = out("stream", name="stdout", text="accuracy 97.50%\n")
    text = nbformat.v4.new_markdown_cell("It reaches {eval}`acc`.")

    def probe(nb, value):  # what the probe after the markdown cell printed
        nb.cells[-1].outputs = [out("stream", name="stdout", text=json.dumps({"acc": value}))]
        return nb

    clean = probe(executed(code(printed), text), ["str", "97.50%"])
    clean.cells.insert(2, code(out("display_data", data=png), **figure))
    assert problems_of(clean, site) == []

    cases = {
        "not from the wheel": executed(),
        "outputs ['execute_result', 'display_data(image)']": executed(
            code(
                out(
                    "execute_result",
                    data={"text/plain": "[<matplotlib.lines.Line2D at 0x7f>]"},
                    execution_count=1,
                ),
                out("display_data", data=png),
                **figure,
            )
        ),
        "has no metadata.mystnb.figure": executed(code(out("display_data", data=png))),
        "shows '<Figure size 640x480": executed(
            code(out("display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}))
        ),
        "writes to stderr": executed(code(out("stream", name="stderr", text="Warning\n"))),
        "longer than 79": executed(code(out("stream", name="stdout", text="x" * 80 + "\n"))),
        "is a float": probe(executed(code(printed), text), ["float", "0.975"]),
        "is not in any output above": probe(executed(code(), text), ["str", "97.50%"]),
        "holds quotes": probe(executed(code(printed), text), ["str", 'it\'s "x"']),
        "not defined at that point": probe(executed(code(printed), text), ["str", "x"]),
    }
    cases["not from the wheel"].cells[1].outputs[0]["text"] = json.dumps(
        "/elsewhere/nnscratch/__init__.py"
    )
    cases["not defined at that point"].cells[-1].outputs[0]["text"] = "{}"
    for expected, nb in cases.items():
        problems = problems_of(nb, site)
        assert any(expected in p for p in problems), (expected, problems)
