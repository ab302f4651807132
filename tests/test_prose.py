"""The chapters' code teaches; it does not write the prose (CONTRIBUTING.md, "Verdicts").

A verdict ("the decaying schedules end higher") is a sentence written by hand in the markdown and
checked by a visible ``assert`` in the cell that computes its evidence. Code may format numbers
that the prose cites with ``{eval}``, but it may not choose English words, and the formatting
stays a small part of a chapter's code. Two rules, read from the committed chapters:

1. No English chosen by code: no conditional whose branches are strings (``"is" if ok else "is
   not"``, an ``if`` statement that assigns a different string to a name in each branch, or a
   lookup ``{True: "is", False: "is not"}[ok]``).
2. **Prose code** is at most ``MAX_PROSE_SHARE`` of a chapter's code lines. Prose code is:
   - every assignment to names the markdown cites with ``{eval}``, whose value builds a string (an
     f-string, a string literal, ``.format``, ``.join``, ``str(...)``, ``%``-formatting, or a call
     of a prose helper), counted with all its lines;
   - every function of the notebook used only in such assignments (a prose helper), counted whole.

   A code line is a non-blank line of a code cell other than the set-up cell; a line that is only
   a comment does not count.
"""

from __future__ import annotations

import ast

import pytest
from test_notebooks import EVAL, ROOT, cells, label, markdown_text, python_only, source

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
MAX_PROSE_SHARE = 0.05


def code_sources(path) -> list[str]:
    """The code cells' sources, without the set-up cell, magics blanked for ``ast``."""
    return [python_only(source(c)) for c in cells(path)[1:] if c["cell_type"] == "code"]


def counted_lines(text: str) -> set[int]:
    """Line numbers (1-based) of a cell that count as code: not blank, not only a comment."""
    return {
        n
        for n, line in enumerate(text.split("\n"), start=1)
        if line.strip() and not line.strip().startswith("#")
    }


def is_string(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def chooses_words(node: ast.AST) -> bool:
    """A conditional expression or lookup whose every outcome is a string."""
    if isinstance(node, ast.IfExp):
        return is_string(node.body) and is_string(node.orelse)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Dict):
        values = node.value.values
        return bool(values) and all(is_string(v) for v in values)
    return False


def assigned_strings(body: list[ast.stmt]) -> dict[str, ast.AST]:
    """Names a block assigns a string literal (or f-string) to, in its top-level statements."""
    return {
        t.id: stmt.value
        for stmt in body
        if isinstance(stmt, ast.Assign) and is_string(stmt.value)
        for t in stmt.targets
        if isinstance(t, ast.Name)
    }


def if_chooses_words(node: ast.AST) -> bool:
    """``if ...: x = "..." else: x = "..."``: a name given a different string in each branch."""
    if not isinstance(node, ast.If) or not node.orelse:
        return False
    return bool(set(assigned_strings(node.body)) & set(assigned_strings(node.orelse)))


def words_chosen_by_code(path) -> list[str]:
    found = []
    for i, text in enumerate(code_sources(path), start=1):
        for node in ast.walk(ast.parse(text)):
            if chooses_words(node) or if_chooses_words(node):
                found.append(f"code cell {i}, line {node.lineno}: {ast.unparse(node)[:90]}")
    return found


def targets(stmt: ast.stmt) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return stmt.targets
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return [stmt.target]
    return []


def names_of(target: ast.expr) -> list[str] | None:
    """The plain names a target binds, or None when it binds anything else (an item, a field)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        names = [names_of(t) for t in target.elts]
        return None if any(n is None for n in names) else [n for ns in names for n in ns]
    return None


def builds_string(node: ast.AST, helpers: set[str]) -> bool:
    """Whether an expression formats text: the value of a prose assignment."""
    for n in ast.walk(node):
        if is_string(n) or chooses_words(n):
            return True
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod) and is_string(n.left):
            return True
        if isinstance(n, ast.Call):
            f = n.func
            if isinstance(f, ast.Name) and (f.id in ("str", "repr", "format") or f.id in helpers):
                return True
            if isinstance(f, ast.Attribute) and f.attr in ("format", "join"):
                return True
    return False


def prose_code(path) -> tuple[int, int, list[str]]:
    """(prose code lines, code lines, what was counted) for one notebook."""
    cited = {name for _, text in markdown_text(path) for name in EVAL.findall(text)}
    trees = [ast.parse(text) for text in code_sources(path)]
    total = sum(len(counted_lines(text)) for text in code_sources(path))
    functions = {
        node.name: node
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }

    def prose_assignments(helpers: set[str]) -> list[tuple[int, ast.stmt]]:
        found = []
        for cell, tree in enumerate(trees):
            for stmt in ast.walk(tree):
                bound = [names_of(t) for t in targets(stmt)]
                if not bound or any(b is None for b in bound):
                    continue
                names = {n for b in bound for n in b}
                if names and names <= cited and builds_string(stmt.value, helpers):
                    found.append((cell, stmt))
        return found

    # A prose helper is a function whose every use is inside a prose assignment (found by fixed
    # point: a helper used only by another prose helper is one too).
    helpers: set[str] = set()
    while True:
        assignments = prose_assignments(helpers)
        inside = {id(n) for _, stmt in assignments for n in ast.walk(stmt)}
        inside |= {id(n) for h in helpers for n in ast.walk(functions[h])}
        new = set(helpers)
        for name in functions:
            uses = [
                n
                for tree in trees
                for n in ast.walk(tree)
                if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
            ]
            if uses and all(id(u) in inside for u in uses):
                new.add(name)
        if new == helpers:
            break
        helpers = new

    lines: set[tuple[int, int]] = set()
    what = []
    sources = code_sources(path)
    for cell, stmt in assignments:
        span = set(range(stmt.lineno, stmt.end_lineno + 1)) & counted_lines(sources[cell])
        lines |= {(cell, n) for n in span}
        what.append(f"code cell {cell + 1}, line {stmt.lineno}: {ast.unparse(stmt)[:70]}")
    for cell, tree in enumerate(trees):
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in helpers:
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                span = set(range(first, node.end_lineno + 1)) & counted_lines(sources[cell])
                lines |= {(cell, n) for n in span}
                what.append(f"code cell {cell + 1}: prose helper {node.name}()")
    return len(lines), total, what


@pytest.mark.parametrize("path", CHAPTERS, ids=label)
def test_no_english_is_chosen_by_code(path):
    found = words_chosen_by_code(path)
    assert not found, (
        f"{label(path)} chooses words in code; write the verdict in the markdown and check it "
        "with a visible assert in the cell that computes its evidence:\n" + "\n".join(found)
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=label)
def test_code_that_only_writes_prose_is_small(path):
    prose, total, what = prose_code(path)
    share = prose / total if total else 0.0
    assert share <= MAX_PROSE_SHARE, (
        f"{label(path)}: {prose} of {total} code lines ({share:.1%}) only build strings for the "
        f"prose (at most {MAX_PROSE_SHARE:.0%}); cite fewer formatted values, or print them "
        "where the learner reads them:\n" + "\n".join(what)
    )


def test_the_counter_counts():
    """The definitions above, on a notebook written for the purpose."""
    import json
    import tempfile
    from pathlib import Path

    def nb(code: list[str], markdown: str) -> Path:
        cells_ = [{"cell_type": "code", "source": "# set-up", "metadata": {}}]
        cells_ += [{"cell_type": "code", "source": c, "metadata": {}} for c in code]
        cells_ += [{"cell_type": "markdown", "source": markdown, "metadata": {}}]
        f = Path(tempfile.mkdtemp()) / "n.ipynb"
        f.write_text(json.dumps({"cells": cells_, "metadata": {}}))
        return f

    path = nb(
        [
            "acc = 0.98\nn = 3  # a count\n# a comment\n\nacc_str = f'{acc:.2%}'",
            "def words(x):\n    return ', '.join(x)\n\n\npair = words(['a', 'b'])",
            "side = 'above' if acc > 0.5 else 'below'",
        ],
        "{eval}`acc_str` {eval}`pair` {eval}`n` {eval}`side`",
    )
    prose, total, _ = prose_code(path)
    # acc_str (1), words (2 lines), pair (1), side (1); n = 3 is a number, not prose
    assert (prose, total) == (5, 7)
    assert len(words_chosen_by_code(path)) == 1
    chosen = nb(['if ok:\n    v = "is"\nelse:\n    v = "is not"', 'w = {True: "a b"}[ok]'], "")
    assert len(words_chosen_by_code(chosen)) == 2


if __name__ == "__main__":  # the table of the closing notes: python tests/test_prose.py
    for path in CHAPTERS:
        prose, total, _ = prose_code(path)
        print(
            f"{label(path):40s} {prose:3d} / {total:3d} = {prose / max(total, 1):5.1%}   "
            f"words chosen by code: {len(words_chosen_by_code(path))}"
        )
