"""Coloured outputs readable in light and dark mode: the palette of ``_static/output-colours.css``.

A notebook's outputs can carry their own colours, chosen for a dark terminal: ANSI escape codes in
a stream (Keras's progress bar prints its bar in green and white), which MyST-NB turns into classes
such as ``-Color-Green`` or ``-Color-C45`` (8 named and 256 numbered colours, ``mystnb.css``), and
rich's HTML (Keras's ``model.summary()``), spans with an inline ``color: #00d7ff`` from rich's
16 terminal colours and xterm's 256-colour palette. On the light output background #00d7ff has a
contrast of 1.6:1.

``_static/output-colours.css`` shows each of those colours, in each colour mode, in a version with a
contrast of at least ``TARGET`` on every background an output or a page has in that mode
(``BACKGROUNDS``): same hue and saturation, only as much darker (light mode) or lighter (dark mode)
as needed; a colour that reads well already keeps its value. Coloured backgrounds are dropped (the
output's own shows), and an inline colour outside the palette (rich's "dim" blends, true colour)
shows as plain text. This file writes that CSS (``python tests/test_output_colours.py``) and fails
when it is out of date, e.g. after an update of MyST-NB or rich, or a change of ``BACKGROUNDS``.
``tests/test_site.py`` checks every one of these colours on a page of the built site with axe-core.
"""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CSS = ROOT / "_static" / "output-colours.css"
# WCAG's enhanced contrast (level AAA) is 7:1 for text; a little more, so no rounding matters.
TARGET = 7.1
# Backgrounds behind outputs and pages: sphinx-book-theme's page (#121212 dark), pydata-sphinx-
# theme's page and its "surface" under code and outputs, as _static/a11y.css sets them.
BACKGROUNDS = {
    "light": ("#ffffff", "#f8f9fa"),
    "dark": ("#121212", "#14181e", "#29313d"),
}


def luminance(hex_colour: str) -> float:
    """WCAG's relative luminance of ``#rrggbb``."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable(hex_colour: str, theme: str) -> str:
    """The colour itself if it has ``TARGET`` contrast on every background of ``theme``, else the
    nearest colour of the same hue and saturation that has (lightness moved in steps of 0.001)."""
    r, g, b = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    step = -0.001 if theme == "light" else 0.001
    for n in range(1001):
        value = min(max(lightness + n * step, 0.0), 1.0)
        rgb = colorsys.hls_to_rgb(hue, value, saturation)
        candidate = "#" + "".join(f"{round(c * 255):02x}" for c in rgb)
        if all(contrast(candidate, bg) >= TARGET for bg in BACKGROUNDS[theme]):
            return candidate
    raise ValueError(f"no version of {hex_colour} reaches {TARGET}:1 in {theme} mode")


def ansi_colours() -> dict[str, str]:
    """MyST-NB's foreground colour of each ANSI class name (``Red``, ``C45``), from its CSS."""
    import myst_nb

    text = (Path(myst_nb.__file__).parent / "static" / "mystnb.css").read_text()
    found = re.findall(r"\.-Color\[class\*=-(\w+)\]\s*\{\s*color:\s*(#[0-9a-fA-F]{6})", text)
    assert len(found) == 8 + 256, f"mystnb.css has {len(found)} ANSI colours, not 8 + 256"
    return {name: colour.lower() for name, colour in found}


def rich_colours() -> list[str]:
    """The inline colours rich's HTML (in Jupyter) gives its 256 colour numbers."""
    from rich.color import Color
    from rich.style import Style
    from rich.terminal_theme import DEFAULT_TERMINAL_THEME

    theme = DEFAULT_TERMINAL_THEME
    styles = [Style(color=Color.from_ansi(i)).get_html_style(theme) for i in range(256)]
    return [re.match(r"color: (#[0-9a-f]{6});", style).group(1) for style in styles]


def stylesheet() -> str:
    """The CSS. Each colour (MyST-NB's classes and rich's inline colour of the same value) defines
    its readable versions as custom properties; one rule per mode applies them to coloured spans,
    and a span whose colour is outside the palette has none, so it shows as plain text."""
    selectors: dict[str, list[str]] = {}
    for name, colour in ansi_colours().items():
        # The class list ends in the foreground's class, or has it before a background's class:
        # "-Color -Color-Bold -Color-Bold-C45 -Color-Bold-C45-BGC17". "-BGC45" does not match.
        selectors.setdefault(colour, []).extend([f'[class$="-{name}"]', f'[class*="-{name} "]'])
    for colour in dict.fromkeys(rich_colours()):
        selectors.setdefault(colour, []).append(f'[style^="color: {colour};"]')
    # Outputs' text in <pre>: streams (ANSI) and rich's HTML; other HTML outputs keep their colours
    # (in dark mode the theme shows those on a light card).
    coloured = '.cell_output pre :is([style^="color: #"], .-Color)'
    lines = [
        "/* Generated by tests/test_output_colours.py (`python tests/test_output_colours.py`): do",
        "   not edit. The colours notebook outputs carry (ANSI escape codes as MyST-NB's classes,",
        f"   rich's inline colours), each with a contrast of at least {TARGET}:1 on the output and",
        "   page backgrounds of each colour mode; that file says how. */",
        "",
        "/* Coloured backgrounds dropped: the output's own background shows. */",
        '.cell_output pre :is(.-Color[class*="-BG"], [style*="background-color"]) {',
        "  background-color: transparent !important;",
        "}",
        "",
        "/* A coloured span takes its colour's version for the mode. Without one (a colour",
        "   outside the palette, such as rich's dim blends; a background or bold only), var() is",
        "   invalid and the span inherits the output's text colour. */",
    ]
    for theme in BACKGROUNDS:
        lines += [
            f'html[data-theme="{theme}"] {coloured} {{',
            f"  color: var(--output-on-{theme}) !important;",
            "}",
        ]
    lines += [
        "",
        f"/* Each colour: light mode on {', '.join(BACKGROUNDS['light'])}, dark mode on "
        f"{', '.join(BACKGROUNDS['dark'])}. */",
    ]
    for colour, group in selectors.items():
        versions = "; ".join(
            f"--output-on-{theme}: {readable(colour, theme)}" for theme in BACKGROUNDS
        )
        lines.append(f"{', '.join(group)} {{ {versions}; }}")
    return "\n".join(lines) + "\n"


def test_stylesheet_is_up_to_date():
    assert CSS.read_text() == stylesheet(), (
        f"{CSS.relative_to(ROOT)} is out of date (colours of MyST-NB or rich, or BACKGROUNDS, "
        "changed): run `.venv/bin/python tests/test_output_colours.py`"
    )


def test_readable_keeps_good_colours_and_fixes_others():
    assert readable("#000000", "light") == "#000000"  # 21:1 on white
    assert readable("#ffffff", "dark") == "#ffffff"
    for theme in BACKGROUNDS:
        for colour in ("#00d7ff", "#00af00", "#0087ff", "#ff0000", "#ffff00", "#000000", "#ffffff"):
            fixed = readable(colour, theme)
            assert min(contrast(fixed, bg) for bg in BACKGROUNDS[theme]) >= TARGET, (colour, theme)
    # the hue stays: Keras's cyan for None becomes a dark cyan in light mode
    r, g, b = (int(readable("#00d7ff", "light")[i : i + 2], 16) for i in (1, 3, 5))
    assert r == 0 and 0 < b and g / b == pytest.approx(0xD7 / 0xFF, rel=0.05), (r, g, b)


if __name__ == "__main__":
    CSS.write_text(stylesheet())
    print(f"wrote {CSS.relative_to(ROOT)}: {len(CSS.read_text()):,} characters")
