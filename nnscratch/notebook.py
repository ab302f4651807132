"""Notebook helpers that work everywhere: in the book build, locally, on Binder and on Colab."""

from __future__ import annotations

from typing import Any


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Record ``variable`` under ``name`` for the book, like ``myst_nb.glue``, without MyST-NB.

    The book's markdown then shows it with ``{glue:text}`name``` or ``{glue:figure}`` (MyST-NB reads
    the output this writes, which is exactly what ``myst_nb.glue`` writes). Colab has no MyST-NB, so
    the notebooks import this one. With ``display=True`` the value is also shown in the notebook.
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as show

    bundle, metadata = format_display_data(variable)
    prefix = "" if display else "application/papermill.record/"
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    show({prefix + mime: value for mime, value in bundle.items()}, raw=True, metadata=metadata)
