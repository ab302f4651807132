"""MyST Markdown turned into plain Markdown, which every notebook front end shows as the site does.

The site renders MyST (directives, roles, labels); Colab renders plain Markdown and shows MyST as
its source text. A reader's copy holds the plain form:

- a directive (```` ```{note} ````, ``:::{admonition} Title``) becomes a block quote whose first
  line is its title in bold (**Note**, **Title**), its options dropped, its content converted;
  ``{math}`` becomes a ``$$`` block, ``{code-block}`` a fenced code block;
- a role is replaced by what the caller makes of it (``Resolver.role``): the value the site showed
  for ``{eval}``, a link for ``{ref}`` and ``{doc}``;
- a link target is passed to ``Resolver.link`` (the caller makes it a link to the published page);
- a label line ``(name)=``, a comment line ``% ...`` and a block break ``+++`` are dropped.

Code is left alone: fenced code blocks and inline code spans (a role is ``{name}`` directly before
a code span, as in MyST). The conversion is line-based and knows CommonMark's fences; it is made
for the course's notebooks, and a construct it has no plain form for is reported through
``Resolver.warn`` rather than passed through silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A fence opening: indentation, the fence (``` or ~~~ or :::), the rest of the line.
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
DIRECTIVE = re.compile(r"^\{(?P<name>[A-Za-z][\w:+-]*)\}\s*(?P<argument>.*)$")
LABEL = re.compile(r"^\s*\([^()\s]+\)=\s*$")
COMMENT = re.compile(r"^\s*%")
BLOCK_BREAK = re.compile(r"^\s*\+\+\+")
OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")
BACKTICKS = re.compile(r"(?<!\\)`+")
ROLE_BEFORE = re.compile(r"(?<!\\)\{(?P<name>[A-Za-z][\w:+-]*)\}$")
# An inline link or image target: ](target) or ](target "title"); <target> too.
LINK = re.compile(r"(?P<open>\]\()(?P<target><[^>\n]*>|[^()\s]+)(?P<title>\s+\"[^\"\n]*\")?\)")
# Directives that are admonitions: a block quote titled with their name (or their argument).
ADMONITIONS = {
    "note": "Note",
    "tip": "Tip",
    "hint": "Hint",
    "important": "Important",
    "warning": "Warning",
    "caution": "Caution",
    "attention": "Attention",
    "danger": "Danger",
    "error": "Error",
    "seealso": "See also",
    "admonition": "",
}
CODE_DIRECTIVES = {"code", "code-block", "sourcecode"}
# Characters that mean something to Markdown (or to MathJax, ``$``) in a value put into the text.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>$|~])")


def escape(text: str) -> str:
    """``text`` as literal Markdown: 97.50% stays 97.50%, a_b becomes a\\_b (shown as a_b)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


@dataclass
class Resolver:
    """What the conversion asks its caller: roles, link targets, and where to report problems.

    The defaults keep a link as it is and know no role; the site's build passes its own.
    """

    warnings: list[str] = field(default_factory=list)

    def role(self, name: str, content: str) -> str | None:
        """The Markdown that replaces ``{name}`content```, or None if there is no plain form."""
        if name == "math":
            return f"${content}$"
        return None

    def link(self, target: str) -> str:
        """The target a Markdown link or image points to in the copy."""
        return target

    def warn(self, message: str) -> None:
        self.warnings.append(message)


def convert(text: str, resolver: Resolver) -> str:
    """The plain-Markdown form of a markdown cell's MyST source."""
    return "\n".join(_blocks(text.split("\n"), resolver))


def _blocks(lines: list[str], resolver: Resolver) -> list[str]:
    out: list[str] = []
    prose: list[str] = []  # lines of text between fences, converted together (spans may wrap)

    def flush() -> None:
        if prose:
            out.extend(convert_inline("\n".join(prose), resolver).split("\n"))
            prose.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        opening = FENCE.match(line)
        if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
            end = _closing(lines, i + 1, opening["fence"])
            body = lines[i + 1 : end]
            directive = DIRECTIVE.match(opening["info"].strip())
            flush()
            if directive:
                out.extend(
                    _directive(
                        directive["name"],
                        directive["argument"],
                        body,
                        opening["indent"],
                        resolver,
                    )
                )
            elif opening["fence"][0] == ":":  # a colon fence that is no directive: plain text
                prose.append(line)
                i += 1
                continue
            else:  # a code block, kept as written
                out.extend(lines[i : end + 1])
            i = end + 1
            continue
        if LABEL.match(line) or COMMENT.match(line) or BLOCK_BREAK.match(line):
            i += 1
            continue
        prose.append(line)
        i += 1
    flush()
    return out


def _closing(lines: list[str], start: int, fence: str) -> int:
    """The index of the line closing ``fence`` (same character, at least as long, nothing else)."""
    closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    for j in range(start, len(lines)):
        if closing.match(lines[j]):
            return j
    return len(lines)  # unclosed: runs to the end of the cell, as in CommonMark


def _directive(
    name: str, argument: str, body: list[str], indent: str, resolver: Resolver
) -> list[str]:
    options, content = _options(body)
    if name in ADMONITIONS:
        title = ADMONITIONS[name]
        if name == "admonition":
            title = argument.strip()
        elif argument.strip():  # ```{note} Text: the first line of the content
            content = [argument, *content]
        lines = _blocks(_dedent(content), resolver)
        quoted = [f"**{convert_inline(title, resolver)}**", ""] if title else []
        quoted += lines
        while quoted and not quoted[-1].strip():
            quoted.pop()
        return [f"{indent}> {q}".rstrip() for q in quoted]
    if name == "math":
        return [f"{indent}$$", *(f"{indent}{c}" for c in _dedent(content)), f"{indent}$$"]
    if name in CODE_DIRECTIVES:
        fence = "`" * max(
            3, 1 + max((len(r) for r in re.findall(r"`+", "\n".join(body))), default=0)
        )
        return [f"{indent}{fence}{argument.strip()}", *_dedent(content), f"{indent}{fence}"]
    resolver.warn(
        f"directive {{{name}}} has no plain-Markdown form in a reader's copy; its content is "
        "shown as a block quote (nnscratch/book/markdown.py knows admonitions, math and code)"
    )
    title = argument.strip() or name
    lines = _blocks(_dedent(content), resolver)
    return [f"{indent}> {q}".rstrip() for q in [f"**{title}**", "", *lines]]


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """A directive's options (``:key: value`` lines, or a ``---`` YAML block) and its content."""
    options: dict[str, str] = {}
    if body and body[0].strip() == "---":
        end = next((j for j in range(1, len(body)) if body[j].strip() == "---"), None)
        if end is not None:
            for line in body[1:end]:
                key, _, value = line.partition(":")
                options[key.strip()] = value.strip()
            return options, body[end + 1 :]
    j = 0
    while j < len(body) and (option := OPTION.match(body[j])):
        options[option["key"]] = option["value"]
        j += 1
    return options, body[j:]


def _dedent(lines: list[str]) -> list[str]:
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(widths, default=0)
    return [line[cut:] for line in lines]


def convert_inline(text: str, resolver: Resolver) -> str:
    """Roles replaced and link targets resolved in a run of text; code spans kept as written."""
    out: list[str] = []
    plain = ""  # text waiting for conversion (it may still end in a role's ``{name}``)
    pos = 0
    while True:
        opening = BACKTICKS.search(text, pos)
        if opening is None:
            break
        closing = _close_span(text, opening)
        if closing is None:  # backticks that open nothing are literal text
            plain += text[pos : opening.end()]
            pos = opening.end()
            continue
        plain += text[pos : opening.start()]
        code = text[opening.end() : closing.start()]
        role = ROLE_BEFORE.search(plain)
        if role:
            out.append(_plain(plain[: role.start()], resolver))
            out.append(_role(role["name"], _span_content(code), resolver))
        else:
            out.append(_plain(plain, resolver))
            out.append(text[opening.start() : closing.end()])
        plain = ""
        pos = closing.end()
    out.append(_plain(plain + text[pos:], resolver))
    return "".join(out)


def _close_span(text: str, opening: re.Match) -> re.Match | None:
    """The run of exactly as many backticks that closes a code span, as CommonMark finds it."""
    for run in re.finditer(r"`+", text[opening.end() :]):
        if len(run.group()) == len(opening.group()):
            start = opening.end() + run.start()
            return re.compile(r"`+").match(text, start)
    return None


def _span_content(code: str) -> str:
    """A code span's content: one leading and trailing space stripped when both are there."""
    if len(code) > 2 and code.startswith(" ") and code.endswith(" ") and code.strip():
        return code[1:-1]
    return code


def _role(name: str, content: str, resolver: Resolver) -> str:
    text = resolver.role(name, content)
    if text is None:
        resolver.warn(
            f"role {{{name}}}`{content}` has no plain-Markdown form in a reader's copy; its "
            "content is shown as text"
        )
        return escape(content)
    return text


def _plain(text: str, resolver: Resolver) -> str:
    def target(match: re.Match) -> str:
        old = match["target"]
        bracketed = old.startswith("<")
        new = resolver.link(old[1:-1] if bracketed else old)
        new = f"<{new}>" if bracketed else new
        return f"{match['open']}{new}{match['title'] or ''})"

    return LINK.sub(target, text)
