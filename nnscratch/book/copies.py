"""A reader's copy of a notebook: the committed notebook as the site shows it, in any front end.

The copy keeps every cell of the committed notebook, in order, with its id, metadata and (for
code) its source byte for byte, so that it runs, and an exercise's copy grades, like the original.
What changes:

- code cells carry the outputs of the site's build (chapters and solutions; exercises, which the
  build does not run, carry none);
- markdown cells are plain Markdown (``markdown.convert``): the numbers the site showed for
  ``{eval}`` in the text, notes as block quotes, links to the published pages;
- a markdown cell under each figure cell holds its caption (``**Fig. 5.3** ...``, numbered as on
  the site), which otherwise only the site shows (it lives in the cell's metadata);
- a markdown cell after the title says where the outputs and numbers come from.

The set-up cell stays first.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable

import nbformat
from nbformat import NotebookNode

CAPTION_PREFIX = "caption-"  # the id of the caption cell of figure cell X is caption-X
NOTE_ID = "reader-copy"  # the id of the cell that says where the numbers come from
CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")  # nbformat 4.5


class CopyError(Exception):
    """The copy cannot be made faithfully; the message says why."""


def figure_caption(cell: NotebookNode) -> str | None:
    """The caption of a figure cell (``metadata.mystnb.figure.caption``), or None."""
    if cell.cell_type != "code":
        return None
    figure = cell.get("metadata", {}).get("mystnb", {}).get("figure") or {}
    return figure.get("caption") or None


def figure_name(cell: NotebookNode) -> str | None:
    figure = cell.get("metadata", {}).get("mystnb", {}).get("figure") or {}
    return figure.get("name") or None


def caption_id(cell_id: str) -> str:
    new = f"{CAPTION_PREFIX}{cell_id}"
    return new if len(new) <= 64 else CAPTION_PREFIX + hashlib.sha1(cell_id.encode()).hexdigest()


def caption_text(caption: str, number: str | None) -> str:
    """The caption line: ``**Fig. 5.3** Learning curves ...`` (``**Figure**`` if unnumbered)."""
    return f"**Fig. {number}** {caption}" if number else f"**Figure** {caption}"


def title_index(nb: NotebookNode) -> int | None:
    """The index of the markdown cell holding the H1 title."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and re.match(r"^# ", cell.source):
            return i
    return None


def make_copy(
    source: NotebookNode,
    executed: NotebookNode | None,
    *,
    markdown: Callable[[int, str], str],
    caption: Callable[[NotebookNode, str], str],
    note: str | None,
) -> NotebookNode:
    """The reader's copy of ``source`` (the committed notebook).

    Args:
        source: the notebook as committed.
        executed: the same notebook as the build executed it (its outputs are taken), or None
            for a notebook the build does not run (an exercise): the copy has no outputs.
        markdown: ``(cell index, MyST source) -> plain Markdown`` of a markdown cell.
        caption: ``(figure cell, caption) -> caption line`` in plain Markdown.
        note: the Markdown of the cell put after the title, or None for no such cell.
    """
    if executed is not None and len(executed.cells) != len(source.cells):
        raise CopyError(
            f"the executed notebook has {len(executed.cells)} cells, the source "
            f"{len(source.cells)}: the build's output is stale (`make book-all` rebuilds it)"
        )
    cells = []
    title = title_index(source)
    for i, cell in enumerate(source.cells):
        new = copy.deepcopy(cell)
        if cell.cell_type == "markdown":
            new.source = markdown(i, cell.source)
        elif cell.cell_type == "code":
            new.outputs, new.execution_count = [], None
            if executed is not None:
                ran = executed.cells[i]
                if ran.get("id") != cell.get("id") or ran.source != cell.source:
                    raise CopyError(
                        f"cell {i} ({cell.get('id')}) differs from the executed notebook's: the "
                        "build's output is stale (`make book-all` rebuilds it)"
                    )
                new.outputs = copy.deepcopy(ran.get("outputs", []))
                new.execution_count = ran.get("execution_count")
        cells.append(new)
        text = figure_caption(cell)
        if text:
            cells.append(nbformat.v4.new_markdown_cell(caption(cell, text), id=caption_id(cell.id)))
        if i == title and note:
            cells.append(nbformat.v4.new_markdown_cell(note, id=NOTE_ID))
    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(source.metadata))
    out.nbformat, out.nbformat_minor = source.nbformat, max(source.nbformat_minor, 5)
    out.cells = cells
    ids = [c.id for c in cells]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise CopyError(f"cell ids {duplicated} would be used twice in the copy")
    nbformat.validate(out)
    return out
