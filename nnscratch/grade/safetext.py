"""Text from a submission, made safe to show: in the terminal and in the gradebook's CSV.

Everything a learner controls reaches the grader's output as text: folder and file names, cell
sources, error messages from the kernel. Two dangers:

- **the terminal**: control characters (escape sequences that clear the screen or move the cursor,
  carriage returns and newlines that forge a row of the table) and Unicode's bidirectional and
  other invisible format characters (which reorder or hide what is shown). :func:`shown` writes
  each of them as a visible escape (``\\x1b``, ``\\n``, ``\\u202e``), so the table shows exactly
  what the name is;
- **spreadsheets**: a CSV cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is run as a formula by Excel, LibreOffice and Google Sheets (CSV injection). As OWASP
  recommends, no cell of the gradebook starts with one of them: :func:`csv_cell` writes tabs and
  carriage returns (like every control character) as ``\\t`` and ``\\r``, and puts an apostrophe
  before a cell that starts with ``=``, ``+``, ``-`` or ``@`` (``'=1+1`` shows as the text
  ``=1+1``); and the gradebook quotes every cell, so a separator inside a cell cannot start a new
  one.
"""

from __future__ import annotations

import unicodedata

#: How a cell may start that a spreadsheet would read as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _unsafe(char: str) -> bool:
    # Cc: C0 and C1 controls, DEL; Cf: format characters (bidirectional overrides and isolates,
    # zero-width joiners, ...); Zl, Zp: line and paragraph separators; Cs: lone surrogates.
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs")


def shown(text: object) -> str:
    """``text`` with every control, bidirectional or invisible format character written as a
    visible escape: safe to print to a terminal."""
    return "".join(_escape(c) if _unsafe(c) else c for c in str(text))


def csv_cell(value: object) -> str:
    """A gradebook cell: escapes as :func:`shown`, then an apostrophe before a formula."""
    text = shown(value)
    return "'" + text if text.startswith(FORMULA_START) else text
