"""Solution regions become stubs: the first step of the release (:mod:`.release`).

In a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` (markers included)
become ``raise NotImplementedError(...)`` at the same indentation; in a markdown cell, the text
between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->`` becomes "*Your answer here.*"
"""

from __future__ import annotations

import re

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
MD_STUB = "*Your answer here.*"


class ReleaseError(ValueError):
    """A solution notebook breaks a convention of the release; the message says where."""


def _enclosing_function(lines: list[str], index: int, indent: int) -> str | None:
    """Name of the innermost ``def`` above line ``index`` holding the region at ``indent``."""
    for line in reversed(lines[:index]):
        match = re.match(r"(\s*)(?:async\s+)?def\s+(\w+)", line)
        if match and len(match.group(1)) < indent:
            return match.group(2)
    return None


def stub_code(source: str, where: str) -> str:
    """Replace every solution region of a code cell's source by a stub that raises."""
    lines, out, i = source.split("\n"), [], 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == END:
            raise ReleaseError(f"{where}: '{END}' on line {i + 1} without a '{BEGIN}' above it")
        if line.strip() != BEGIN:
            out.append(line)
            i += 1
            continue
        indent = len(line) - len(line.lstrip())
        try:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() in (BEGIN, END))
        except StopIteration:
            raise ReleaseError(f"{where}: '{BEGIN}' on line {i + 1} has no '{END}'") from None
        if lines[end].strip() == BEGIN:
            raise ReleaseError(
                f"{where}: '{BEGIN}' on line {i + 1} is followed by another before any '{END}'"
            )
        name = _enclosing_function(lines, i, indent)
        what = f"{name}()" if name else "this cell"
        pad = " " * indent
        out += [
            f"{pad}# YOUR CODE HERE",
            f'{pad}raise NotImplementedError("{what}: not written yet")',
        ]
        i = end + 1
    return "\n".join(out)


def stub_markdown(source: str, where: str) -> str:
    """Replace every ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` by a placeholder."""
    if source.count(MD_BEGIN) != source.count(MD_END):
        raise ReleaseError(f"{where}: unbalanced '{MD_BEGIN}' / '{MD_END}' markers")
    return re.sub(re.escape(MD_BEGIN) + r".*?" + re.escape(MD_END), MD_STUB, source, flags=re.S)


def compiles(source: str) -> bool:
    """Whether a code cell's source is valid Python once IPython's magics (% and !) are ``pass``."""
    code = "\n".join(
        line[: len(line) - len(line.lstrip())] + "pass"
        if line.lstrip().startswith(("%", "!"))
        else line
        for line in source.split("\n")
    )
    try:
        compile(code, "<cell>", "exec")
    except SyntaxError:
        return False
    return True
