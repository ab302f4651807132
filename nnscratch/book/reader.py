"""Sphinx extension: reader's copies of the notebooks, written by the site's own build.

Loaded by ``_config.yml`` (``sphinx.extra_extensions``). While the site is built it

1. **captures every ``{eval}`` value the page shows.** MyST-NB evaluates ``{eval}`name``` in the
   kernel while it renders the page (inline execution); the executed notebook it writes holds the
   cells' outputs, not these values. The extension replaces MyST-NB's ``eval`` role by a subclass
   that renders exactly as MyST-NB does and records the text of the output the page shows (the
   mime type MyST-NB's post-transform selects for this builder), keyed by page, markdown cell and
   name. The record lives in the build environment, so an incremental build keeps the values of
   pages it does not re-run;
2. **writes a reader's copy of every notebook page** (``copies.make_copy``) when the build has
   finished: into ``<html>/notebooks/<page>.ipynb`` (the folder is ``nnscratch_reader_folder``),
   with the executed notebook's outputs (``jupyter_execute/``), the captured values, figure
   numbers as the site numbers them, and links to the published pages (``html_baseurl``); plus
   all of them in one archive and ``reader.json`` (the record of the values, for the tests and
   ``branch.py``);
3. **points each page's menus at the copies:** the launch menu's Colab entry opens the copy on
   the branch the publishing workflow pushes them to (``nnscratch_reader_branch``; Binder stays on
   the repository's branch and notebooks), and the download menu offers the page's copy (in place
   of the bare source notebook) and the archive.
"""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote

import nbformat
from docutils import nodes
from myst_nb.core.render import get_mime_priority
from myst_nb.ext.eval import EvalRoleAny
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.util import logging

from nnscratch import is_quick
from nnscratch.book import copies, markdown

LOGGER = logging.getLogger(__name__)
RECORD = "reader.json"
# MyST-NB numbers a notebook's source lines (cell index + 1) * 10000 + line within the cell.
LINES_PER_CELL = 10000
ICON_ROLES = {"fas", "far", "fab", "fa"}


# ------------------------------------------------------------------------------------------------
# 1. The values of {eval}, as the page shows them


class CapturedEvalRole(EvalRoleAny):
    """MyST-NB's ``{eval}`` role, unchanged, that also records the text the page will show."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        result, messages = super().run()
        env = getattr(self.document.settings, "env", None)
        if env is not None and result and not messages:
            cell = str(self.line // LINES_PER_CELL - 1)
            shown = shown_text(result, env.app.builder.name, env.mystnb_config)
            page(env, env.docname)["cited"].setdefault(cell, {})[self.text] = shown
        return result, messages


def shown_text(result: list[nodes.Node], builder: str, config) -> str:
    """The text of the output MyST-NB's ``SelectMimeType`` keeps for this builder."""
    priority = get_mime_priority(builder, config.mime_priority_overrides)
    for node in result:
        bundle = {
            child.get("mime_type"): child
            for child in node.findall(nodes.container)
            if child.get("mime_type")
        }
        chosen = next((bundle[m] for m in priority if m in bundle), None)
        if chosen is not None:
            return chosen.astext()
    return "".join(node.astext() for node in result)


def pages(env) -> dict[str, dict]:
    """What the build saw while it read (and ran) each page, kept in the build environment, so
    that an incremental build knows it for the pages it does not re-run: ``{page: {"quick": was
    it run in quick mode, "cited": {markdown cell index: {name: text shown}}}}``."""
    if not hasattr(env, "nnscratch_reader"):
        env.nnscratch_reader = {}
    return env.nnscratch_reader


def page(env, docname: str) -> dict:
    return pages(env).setdefault(docname, {"quick": is_quick(), "cited": {}})


def read(app: Sphinx, docname: str, source: list[str]) -> None:
    """A page is read, so run: start its record afresh (``source-read``)."""
    pages(app.env)[docname] = {"quick": is_quick(), "cited": {}}


def purge(app: Sphinx, env, docname: str) -> None:
    pages(env).pop(docname, None)


def merge(app: Sphinx, env, docnames: set[str], other) -> None:
    for docname in docnames:
        if docname in pages(other):
            pages(env)[docname] = pages(other)[docname]


# ------------------------------------------------------------------------------------------------
# 2. The copies


def page_url(app: Sphinx, docname: str) -> str:
    return f"{app.config.html_baseurl.rstrip('/')}/{docname}.html"


class SiteResolver(markdown.Resolver):
    """Roles and links of one page, resolved against the built site."""

    def __init__(self, app: Sphinx, docname: str) -> None:
        super().__init__()
        self.app, self.env, self.docname = app, app.env, docname
        self.values = page(app.env, docname)["cited"]
        self.cell = -1  # the markdown cell being converted

    def warn(self, message: str) -> None:
        super().warn(message)
        LOGGER.warning(
            f"reader's copy, cell {self.cell}: {message}",
            location=self.docname,
            type="nnscratch",
            subtype="reader",
        )

    def role(self, name: str, content: str) -> str | None:
        if name == "eval":
            value = self.values.get(str(self.cell), {}).get(content)
            if value is None:
                self.warn(f"no value was captured for {{eval}}`{content}` (was the page run?)")
                return markdown.escape(content)
            return markdown.escape(value)
        if name in ICON_ROLES:
            return ""
        if name in ("sub", "sup", "kbd"):
            return f"<{name}>{markdown.escape(content)}</{name}>"
        if name == "abbr":
            return markdown.escape(re.sub(r"\s*\(.*\)\s*$", "", content))
        if name in ("doc", "ref", "numref"):
            return self.cross_reference(name, content)
        return super().role(name, content)

    def cross_reference(self, name: str, content: str) -> str | None:
        explicit = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", content, re.S)
        text, target = (explicit["text"], explicit["target"]) if explicit else (None, content)
        std = self.env.get_domain("std")
        if name == "doc":
            docname = posixpath.normpath(
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.join(posixpath.dirname(self.docname), target)
            )
            if docname not in self.env.found_docs:
                return None
            title = text or self.env.titles[docname].astext()
            return f"[{markdown.escape(title)}]({page_url(self.app, docname)})"
        label = target.lower()
        found = std.labels.get(label) or std.anonlabels.get(label)
        if not found:
            return None
        docname, labelid = found[0], found[1]
        url = f"{page_url(self.app, docname)}#{labelid}"
        if name == "numref":
            number = self.env.toc_fignumbers.get(docname, {}).get("figure", {}).get(labelid)
            shown = ".".join(map(str, number)) if number else ""
            title = (text or "Fig. %s").replace("%s", shown).replace("{number}", shown)
        else:
            title = text or (found[2] if len(found) > 2 else "") or label
        return f"[{markdown.escape(title)}]({url})"

    def link(self, target: str) -> str:
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):  # https:, mailto:, attachment: ...
            return target
        path, _, fragment = target.partition("#")
        docname = self.docname
        if not path and fragment:  # MyST resolves (#name) as a label of any page, like {ref}
            std = self.env.get_domain("std")
            found = std.labels.get(fragment.lower()) or std.anonlabels.get(fragment.lower())
            if found:
                return f"{page_url(self.app, found[0])}#{found[1]}"
        if path:
            joined = posixpath.normpath(
                posixpath.join(posixpath.dirname(self.docname), unquote(path))
            )
            docname = re.sub(r"\.(ipynb|md)$", "", joined)
            if docname not in self.env.found_docs:
                self.warn(
                    f"the link to {target} leads to no page of the site: link a notebook or page "
                    "of the table of contents, or a full https:// address"
                )
                return target
        return page_url(self.app, docname) + (f"#{fragment}" if fragment else "")


def figure_number(env, docname: str, name: str | None) -> str | None:
    number = env.toc_fignumbers.get(docname, {}).get("figure", {}).get(name or "")
    return ".".join(map(str, number)) if number else None


def commit(srcdir: str) -> str | None:
    """The commit the site is built from (``-dirty`` if the clone has uncommitted changes), when
    the sources are a git clone."""
    try:
        run = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=7"],
            cwd=srcdir,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return run.stdout.strip() or None if run.returncode == 0 else None


def note(url: str, built_from: str | None, quick: bool) -> str:
    """The cell after the title of a chapter's or solution's copy: where its numbers come from."""
    where = f" from commit `{built_from}`" if built_from else ""
    mode = "in quick mode (`NNSCRATCH_QUICK=1`)" if quick else "at full settings"
    return (
        f"> **A reader's copy.** The outputs in this notebook are those of the run that built "
        f"[this page of the course's site]({url}){where}, {mode}, and every number the text "
        "cites is the value that run printed, as the page shows it. Run the notebook (*Run "
        "All*) and the outputs become yours; the numbers written in the text stay the site's."
    )


def notebook_pages(app: Sphinx) -> list[str]:
    return sorted(d for d in app.env.found_docs if app.env.doc2path(d).endswith(".ipynb"))


def executed_notebook(app: Sphinx, docname: str) -> nbformat.NotebookNode | None:
    """The notebook as the build executed it, or None if the build does not run it."""
    data = NbMetadataCollector.get_exec_data(app.env, docname)
    if not data or not data.get("succeeded"):
        return None
    path = Path(app.env.mystnb_config.output_folder, f"{docname}.ipynb")
    return nbformat.read(path, as_version=4)


def write_copies(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    start = time.process_time()
    folder = Path(app.outdir, app.config.nnscratch_reader_folder)
    built_from = commit(app.srcdir)
    record = {
        "commit": built_from,
        "site": app.config.html_baseurl,
        "repository": app.config.html_theme_options.get("repository_url", ""),
        "branch": app.config.nnscratch_reader_branch,
        "folder": app.config.nnscratch_reader_folder,
        "archive": app.config.nnscratch_reader_archive,
        "notebooks": {},
    }
    written = []
    for docname in notebook_pages(app):
        source = nbformat.read(app.env.doc2path(docname), as_version=4)
        executed = executed_notebook(app, docname)
        resolver = SiteResolver(app, docname)
        quick = page(app.env, docname)["quick"]

        def convert(index: int, text: str, resolver=resolver) -> str:
            resolver.cell = index
            return markdown.convert(text, resolver)

        def caption(cell, text: str, resolver=resolver, docname=docname) -> str:
            number = figure_number(app.env, docname, copies.figure_name(cell))
            return copies.caption_text(markdown.convert_inline(text, resolver), number)

        try:
            nb = copies.make_copy(
                source,
                executed,
                markdown=convert,
                caption=caption,
                note=None if executed is None else note(page_url(app, docname), built_from, quick),
            )
        except copies.CopyError as err:
            LOGGER.warning(f"no reader's copy: {err}", location=docname, type="nnscratch")
            continue
        target = folder / f"{docname}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        written.append(docname)
        record["notebooks"][docname] = {
            "executed": executed is not None,
            "quick": quick,
            "cited": page(app.env, docname)["cited"],
        }
    for old in folder.rglob("*.ipynb"):  # copies of pages no longer in the table of contents
        if str(old.relative_to(folder).with_suffix("")) not in written:
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)  # a book without notebooks still gets its record
    (folder / RECORD).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    write_archive(folder, written, app.config.nnscratch_reader_archive)
    LOGGER.info(
        f"reader's copies: {len(written)} notebooks and {app.config.nnscratch_reader_archive} in "
        f"{folder} ({time.process_time() - start:.1f} s CPU)"
    )


def write_archive(folder: Path, docnames: list[str], name: str) -> None:
    """All copies in one zip, in a folder named like the archive; the same bytes for the same
    copies (fixed dates), so that an unchanged build republishes an unchanged file."""
    top = name.removesuffix(".zip")
    with zipfile.ZipFile(folder / name, "w", zipfile.ZIP_DEFLATED) as archive:
        for docname in docnames:
            info = zipfile.ZipInfo(f"{top}/{docname}.ipynb", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (folder / f"{docname}.ipynb").read_bytes())


# ------------------------------------------------------------------------------------------------
# 3. The page's menus


def colab_url(url: str, branch: str, reader_branch: str) -> str | None:
    """The Colab URL of the reader's copy, from the theme's URL of the committed notebook."""
    marker = f"/blob/{branch}/"
    if marker not in url:
        return None
    return url.replace(marker, f"/blob/{reader_branch}/", 1)


def has_copy(app: Sphinx, pagename: str) -> bool:
    return pagename in app.env.found_docs and app.env.doc2path(pagename).endswith(".ipynb")


def menus(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """The launch menu's Colab entry opens the copy; the download menu gives it, and the archive."""
    groups = {group.get("label"): group for group in context.get("header_buttons") or []}
    folder, copy = app.config.nnscratch_reader_folder, has_copy(app, pagename)
    if "launch-buttons" in groups and copy:
        branch = app.config.html_theme_options.get("repository_branch") or "main"
        for button in groups["launch-buttons"]["buttons"]:
            if button.get("text") == "Colab":
                url = colab_url(button["url"], branch, app.config.nnscratch_reader_branch)
                if url is None:
                    LOGGER.warning(f"the Colab link {button['url']} names no branch {branch}")
                    continue
                button.update(url=url, tooltip="Open the reader's copy (with outputs) on Colab")
    if "download-buttons" in groups:
        entries = groups["download-buttons"]["buttons"]
        for button in entries:
            if copy and button.get("label") == "download-source-button":
                button.update(
                    url=context["pathto"](f"{folder}/{pagename}.ipynb", 1),
                    tooltip="Download the notebook (the reader's copy: outputs, numbers)",
                    label="download-notebook-button",
                )
        archive = {
            "type": "link",
            "url": context["pathto"](f"{folder}/{app.config.nnscratch_reader_archive}", 1),
            "text": ".zip",
            "tooltip": "Download every notebook of the course (reader's copies)",
            "icon": "fas fa-file-zipper",
            "label": "download-archive-button",
        }
        printing = [i for i, b in enumerate(entries) if b.get("label") == "download-pdf-button"]
        entries.insert(printing[0] if printing else len(entries), archive)


def setup(app: Sphinx) -> dict:
    app.add_config_value("nnscratch_reader_folder", "notebooks", "html")
    app.add_config_value("nnscratch_reader_branch", "reader-copies", "html")
    app.add_config_value("nnscratch_reader_archive", "nnscratch-notebooks.zip", "html")
    app.add_role("eval", CapturedEvalRole(), override=True)
    app.connect("source-read", read)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("html-page-context", menus, priority=600)  # after the theme's buttons (501)
    app.connect("build-finished", write_copies)
    return {
        "version": "1",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 2,  # bump when what the environment keeps (pages()) changes
    }
