"""The built site in a real browser: every page of the table of contents, as a reader gets it.

Debian's Chromium (``/usr/bin/chromium``), driven by Playwright, over ``_build/html`` (or
``$NNSCRATCH_SITE``, see ``HTML``) served on 127.0.0.1. One browser, one context, each page visited
once (its findings are cached and every test below reads them). A full-page screenshot of each page
goes to ``_build/screenshots/<page>.png``, and one in dark mode to ``<page>.dark.png``, for people
to look at; nothing asserts on them, so CI skips them (``NNSCRATCH_SCREENSHOTS=0``, about 40 s).

Requests to other hosts get an empty answer: the test is offline and does not depend on a CDN, and
the hosts a page may contact are listed in ``EXTERNAL_HOSTS``. MathJax, which pages load from its
CDN, is served from a local copy of its npm package instead (``make test`` installs it with npm,
see ``mathjax_folder``), so that the maths is typeset as a reader sees it, and checked: no MathJax
error, no formula left as raw TeX, on every page. Code and output blocks must not scroll sideways.

Accessibility: axe-core (npm, the version pinned in the Makefile, installed by ``make test``) audits
every page with all its rules, in light mode and, after the page's own switch, in dark mode (see
``test_accessibility_audit_in_light_and_dark_mode`` for the configuration); a keyboard user's path
is walked with Tab, Enter and Escape (``Site.keyboard``). Each check is shown to catch what it
looks for on a page made of faults (``test_audit_catches_each_kind_of_violation``,
``test_focus_check_catches_missing_or_faint_indicators``).
"""

from __future__ import annotations

import functools
import http.server
import io
import json
import os
import re
import threading
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import nbformat
import pytest
import yaml

from conftest import built_site, skip_or_fail

ROOT = Path(__file__).resolve().parents[1]
# The built site, by default `make book`'s. To test a small book of a few pages (built with
# `jupyter-book build --toc SMALL_TOC --path-output DIR .`), set NNSCRATCH_SITE=DIR/_build/html and
# NNSCRATCH_TOC=SMALL_TOC: the pages tested are those of that table of contents.
HTML = built_site().resolve()
TOC = Path(os.environ.get("NNSCRATCH_TOC") or ROOT / "_toc.yml").resolve()
SCREENSHOTS = HTML.parent / "screenshots"
SHOOT = os.environ.get("NNSCRATCH_SCREENSHOTS", "1") != "0"  # the pages' screenshots, for people
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
# Pages of an earlier numbering of the chapters and exercises: each old URL redirects to the
# page's new place (sphinx-reredirects), so that links to the published site keep working.
REDIRECTS: dict[str, str] = CONFIG["sphinx"]["config"].get("redirects", {})

# Harmless errors every stock Jupyter Book 1.x page logs, by exact text. Anything else fails.
KNOWN_HARMLESS = {
    # jupyter-book 1.x includes sphinx-thebe's settings script twice in every page.
    "Identifier 'THEBE_JS_URL' has already been declared",
    # pydata-sphinx-theme on a first visit, before a colour mode is stored in localStorage.
    "Got invalid theme mode: . Resetting to auto.",
}
# The only other hosts a page may contact (answered with an empty body here): MathJax's CDN.
EXTERNAL_HOSTS = {"cdn.jsdelivr.net"}
# The MathJax the pages ask for (Sphinx's default), and where its files are in the npm package.
MATHJAX_URL = re.compile(r"^https://cdn\.jsdelivr\.net/npm/mathjax@3/(es5/.+)$")
IMAGE_FILE = re.compile(r"\.(png|jpe?g|gif|svg|webp)$", re.I)
# A figure shown below this share of the width it was drawn at has text too small to read.
MIN_SCALE = 0.6
MAX_FIGURE_INCHES = (
    11  # at 100 dpi: 1100 px, shown at >= 60% in the ~700 px text column of a 1280 px window
)


def toc_pages() -> list[str]:
    """Every file of ``_toc.yml`` in reading order, without extension, e.g. ``chapters/01_data``."""
    toc = yaml.safe_load(TOC.read_text())

    def walk(entries: list[dict]) -> list[str]:
        found = []
        for entry in entries:
            if "file" in entry:
                name = entry["file"]
                found.append(
                    str(Path(name).with_suffix("")) if name.endswith((".md", ".ipynb")) else name
                )
            found += walk(entry.get("sections", []))
            for part in entry.get("parts", []):
                found += walk(part.get("chapters", []))
        return found

    parts = [page for part in toc.get("parts", []) for page in walk(part["chapters"])]
    return [toc["root"]] + walk(toc.get("chapters", [])) + parts


PAGES = toc_pages()


def unnumbered_pages() -> set[str]:
    """The pages of ``_toc.yml`` parts that are not numbered (the exercises, the solutions)."""
    toc = yaml.safe_load(TOC.read_text())
    return {
        str(Path(entry["file"]).with_suffix(""))
        if entry["file"].endswith(".ipynb")
        else entry["file"]
        for part in toc.get("parts", [])
        if not part.get("numbered")
        for entry in part["chapters"]
    }


def source_of(page: str) -> Path:
    """The source file of a TOC page (``.ipynb`` or ``.md``)."""
    for ext in (".ipynb", ".md"):
        if (ROOT / f"{page}{ext}").is_file():
            return ROOT / f"{page}{ext}"
    raise FileNotFoundError(f"_toc.yml names {page!r} but there is no {page}.ipynb or {page}.md")


NOTEBOOK_PAGES = [p for p in PAGES if (ROOT / f"{p}.ipynb").is_file()]


# Where the reader's copies are: their folder of the site, their branch (nnscratch/book/reader.py).
READER = CONFIG["sphinx"]["config"]
READER_FOLDER = READER.get("nnscratch_reader_folder", "notebooks")
READER_BRANCH = READER.get("nnscratch_reader_branch", "reader-copies")
ARCHIVE = READER.get("nnscratch_reader_archive", "nnscratch-notebooks.zip")


def launch_urls(page: str) -> dict[str, str]:
    """The Binder and Colab URLs a notebook page must offer, from ``_config.yml``'s repository:
    Binder opens the repository's notebook (its branch), Colab the reader's copy (on the branch
    the publishing workflow pushes the copies to)."""
    repo = CONFIG["repository"]
    slug = urlsplit(repo["url"]).path.strip("/")  # owner/name
    branch = repo.get("branch", "main")
    path = "/".join(filter(None, [repo.get("path_to_book", "").strip("/"), f"{page}.ipynb"]))
    interface = {"jupyterlab": "lab/tree", "classic": "tree"}[
        CONFIG["launch_buttons"]["notebook_interface"]
    ]
    return {
        "Binder": f"https://mybinder.org/v2/gh/{slug}/{branch}?urlpath={interface}/{path}",
        "Colab": f"https://colab.research.google.com/github/{slug}/blob/{READER_BRANCH}/{path}",
    }


# Where `make test` installs the browser test's npm packages (MathJax, axe-core).
NPM_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nnscratch"


def mathjax_folder() -> Path:
    """The local copy of MathJax 3 (the npm package ``mathjax``): ``$NNSCRATCH_MATHJAX``, or
    where ``make test`` installs it, ``~/.cache/nnscratch/mathjax/node_modules/mathjax`` (under
    ``$XDG_CACHE_HOME`` if set)."""
    if os.environ.get("NNSCRATCH_MATHJAX"):
        return Path(os.environ["NNSCRATCH_MATHJAX"])
    return NPM_CACHE / "mathjax" / "node_modules" / "mathjax"


MATHJAX = mathjax_folder()
HAVE_MATHJAX = (MATHJAX / "es5" / "tex-mml-chtml.js").is_file()

# axe-core, the accessibility audit: the version pinned once, in the Makefile that installs it.
AXE_VERSION = re.search(
    r"^AXE_CORE_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE
).group(1)


def axe_script() -> Path:
    """axe-core's ``axe.min.js``: in ``$NNSCRATCH_AXE`` (a copy of the npm package ``axe-core``),
    or where ``make test`` installs it, ``~/.cache/nnscratch/axe-core-VERSION/node_modules/
    axe-core`` (under ``$XDG_CACHE_HOME`` if set)."""
    folder = os.environ.get("NNSCRATCH_AXE") or (
        NPM_CACHE / f"axe-core-{AXE_VERSION}" / "node_modules" / "axe-core"
    )
    return Path(folder) / "axe.min.js"


AXE = axe_script()
HAVE_AXE = AXE.is_file()


# ----------------------------------------------------------------------------------------------
# Serving the site, and what one visit of a page records


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no access log in the test output
        pass


class IdCollector(HTMLParser):
    """Every ``id`` (and ``<a name>``) in an HTML document: the targets a ``#fragment`` may name."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        for key, value in attrs:
            if value and (key == "id" or (tag == "a" and key == "name")):
                self.ids.add(value)


@dataclass
class Visit:
    """What loading one page in the browser showed."""

    page: str
    status: int
    errors: list[str] = field(default_factory=list)  # uncaught exceptions and console errors
    # same-site requests that did not answer 200/304
    failed: list[str] = field(default_factory=list)
    external: set[str] = field(default_factory=set)  # other hosts the page asked for
    # {src, alt, width, complete, shown, column, caption}
    images: list[dict] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)  # text of each <h1> of the article
    sections: list[str] = field(default_factory=list)  # text of each <h2>-<h4> of the article
    links: list[str] = field(default_factory=list)  # absolute hrefs of every <a>
    launch: dict[str, str] = field(default_factory=dict)  # visible launch-menu entry text -> href
    # absolute hrefs of the download menu's files (the page's notebook or source, the archive)
    downloads: list[str] = field(default_factory=list)
    maths: dict = field(default_factory=dict)  # {formulas, typeset, errors, raw}: see MATHS
    clipped: list[str] = field(default_factory=list)  # code or outputs wider than the column
    figures: list[dict] = field(default_factory=list)  # {id, images, number} of each <figure>
    stray: list[str] = field(default_factory=list)  # text outputs a figure cell should not show
    keyboard: dict = field(default_factory=dict)  # what Tab, Enter and Escape did: Site.keyboard
    themes: list[str] = field(default_factory=list)  # the theme after each press of the mode switch
    audits: dict = field(default_factory=dict)  # "light", "dark" -> axe's findings (AXE_RUN)


class Site:
    """The served site and a browser page; ``visit(page)`` loads a page once, caches what it saw."""

    def __init__(self, base: str, page) -> None:
        self.base = base
        self.page = page
        self._visits: dict[str, Visit] = {}
        self._ids: dict[str, set[str]] = {}
        self._status: dict[str, int] = {}
        self._current: Visit | None = None
        self._menus_audited: set[str] = set()
        page.on(
            "pageerror",
            lambda exc: self._error(exc.message if hasattr(exc, "message") else str(exc)),
        )
        page.on("console", self._console)
        page.on("response", self._response)

    def _error(self, text: str, where: str = "") -> None:
        if self._current is not None and text not in KNOWN_HARMLESS:
            self._current.errors.append(f"{text} [{where}]" if where else text)

    def _console(self, message) -> None:
        if message.type == "error":
            url = message.location.get("url", "")
            line = message.location.get("lineNumber", 0) + 1
            self._error(message.text, f"{url.removeprefix(self.base)}:{line}" if url else "")

    def _response(self, response) -> None:
        same_site = response.url.startswith(self.base)
        if self._current is not None and same_site and response.status not in (200, 304):
            self._current.failed.append(f"{response.status} {response.url}")

    def route(self, route) -> None:
        """Same-site requests go to the server; any other host gets an empty 200 and is recorded."""
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
            return
        if self._current is not None:
            self._current.external.add(urlsplit(url).hostname or url)
        local = MATHJAX_URL.match(url)
        if local and HAVE_MATHJAX and (MATHJAX / local.group(1)).is_file():
            route.fulfill(status=200, path=str(MATHJAX / local.group(1)))
            return
        route.fulfill(status=200, body="", content_type="application/javascript")

    def visit(self, page: str) -> Visit:
        if page in self._visits:
            return self._visits[page]
        visit = self._current = Visit(page, status=0)
        response = self.page.goto(f"{self.base}{page}.html", wait_until="load")
        visit.status = response.status if response else 0
        self.page.wait_for_load_state("networkidle")
        if HAVE_MATHJAX and self.page.evaluate("() => !!document.querySelector('.math')"):
            self.page.wait_for_function("() => window.MathJax?.startup?.promise", timeout=30000)
            self.page.evaluate("() => MathJax.startup.promise")  # typesetting done
        visit.maths = self.page.evaluate(MATHS)
        visit.clipped = self.page.evaluate(CLIPPED)
        visit.figures = self.page.eval_on_selector_all(
            "article.bd-article figure",
            """figures =>
            figures.map(f => ({id: f.id, images: f.querySelectorAll('img').length,
                number: f.querySelector('.caption-number')?.innerText.trim() ?? null}))""",
        )
        visit.stray = self.page.eval_on_selector_all(
            "article.bd-article .cell_output pre",
            r"pres => pres.map(p => p.innerText).filter(t => /<Figure size|<matplotlib\./.test(t))",
        )
        # Images: wait until each has loaded or failed, then read what the reader would see.
        visit.images = self.page.evaluate("""async () => {
            const imgs = [...document.images];
            await Promise.all(imgs.map(img => img.complete ? null :
                new Promise(done => {
                    img.addEventListener('load', done);
                    img.addEventListener('error', done);
                })));
            const article = document.querySelector('article.bd-article');
            return imgs.map(img => ({
                src: img.getAttribute('src'), alt: img.getAttribute('alt'),
                width: img.naturalWidth, complete: img.complete,
                intended: img.getAttribute('width'),
                shown: img.getBoundingClientRect().width,               // CSS pixels on screen
                column: article ? article.clientWidth : null,          // width of the text column
                caption: img.closest('figure')?.querySelector('figcaption')?.innerText.trim()
                    ?? null}));
        }""")
        visit.headings = self.page.eval_on_selector_all(
            "article.bd-article h1", "hs => hs.map(h => h.innerText.trim())"
        )
        visit.sections = self.page.eval_on_selector_all(
            "article.bd-article :is(h2, h3, h4)", "hs => hs.map(h => h.innerText.trim())"
        )
        visit.links = self.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
        visit.downloads = self.page.eval_on_selector_all(
            ".dropdown-download-buttons a[href]", "as => as.map(a => a.href)"
        )
        shot = SCREENSHOTS / f"{page}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        if SHOOT:
            self.page.screenshot(path=str(shot), full_page=True)
        if HAVE_AXE:
            self.page.add_script_tag(path=str(AXE))
        visit.keyboard = self.keyboard()
        # The audit in each colour mode, switched in place with the page's own switch.
        self.switch_theme("light")
        if HAVE_AXE:
            visit.audits["light"] = self.page.evaluate(AXE_RUN)
        visit.themes = self.switch_theme("dark")
        if visit.themes[-1:] == ["dark"]:
            if HAVE_AXE:
                visit.audits["dark"] = self.page.evaluate(AXE_RUN)
            if SHOOT:
                self.page.screenshot(path=str(SCREENSHOTS / f"{page}.dark.png"), full_page=True)
        self.switch_theme("light")  # the next page opens in light mode (the theme is stored)
        toggle = self.page.locator(".dropdown-launch-buttons button.dropdown-toggle")
        if toggle.count():
            toggle.first.click()  # open the rocket menu as a reader would, and read what it offers
            items = self.page.locator(".dropdown-launch-buttons .dropdown-menu a")
            items.first.wait_for(state="visible", timeout=5000)
            visit.launch = {
                items.nth(i).inner_text().strip(): items.nth(i).get_attribute("href")
                for i in range(items.count())
                if items.nth(i).is_visible()
            }
            self.page.keyboard.press("Escape")
        self._current = None
        self._visits[page] = visit
        return visit

    def settle(self) -> None:
        """Nothing focused, and every transition over (a colour change, a tooltip fading)."""
        self.page.evaluate(SETTLE)

    def switch_theme(self, theme: str) -> list[str]:
        """Press the colour-mode switch (focus it, Enter) until the page shows ``theme``; it cycles
        through auto, dark and light. Returns the theme seen after each press."""
        seen = []
        switch = self.page.locator(".bd-header-article .theme-switch-button")
        for _ in range(3):
            if not switch.count() or self.page.evaluate(THEME) == theme:
                break
            switch.first.focus()
            self.page.keyboard.press("Enter")
            seen.append(self.page.evaluate(THEME))
        self.settle()
        return seen

    def keyboard(self) -> dict:
        """What a keyboard user meets, from the page as it loaded: each element Tab focuses
        (``FOCUSED``) until the article (at most ``MAX_TABS``); the article header's controls
        (``HEADER_CONTROLS``); where focus goes after Enter on the skip link and Tab; each header
        menu (launch, repository, download) after Enter, then Escape (``MENU``), with axe's audit of
        it (the first time it opens); the search dialog after Enter on each search button, then
        Escape.
        """
        page = self.page
        header = page.evaluate(HEADER_CONTROLS)
        steps: list[dict | None] = []
        reached: set[int] = set()
        for _ in range(MAX_TABS):
            page.keyboard.press("Tab")
            step = page.evaluate(FOCUSED)
            steps.append(step)
            if step is None or step["article"] or (step["skip"] and len(steps) > 1):
                break
            if step["control"] is not None:
                reached.add(step["control"])
                if len(reached) == len(header):
                    break
        page.locator("#pst-skip-link a, .skip-link a").first.focus()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        after_skip = page.evaluate(FOCUSED)
        menus = {}
        for name in page.evaluate(HEADER_MENUS):
            toggle = page.locator(f".dropdown-{name}-buttons > button.dropdown-toggle")
            toggle.first.focus()
            page.keyboard.press("Enter")
            opened = page.evaluate(MENU, name)
            if HAVE_AXE and opened["shown"] and name not in self._menus_audited:
                # once per site (an audit costs seconds): every page's menu is the same template
                opened["audit"] = page.evaluate(AXE_RUN, f".dropdown-{name}-buttons .dropdown-menu")
                self._menus_audited.add(name)
            page.keyboard.press("Escape")
            menus[name] = {"opened": opened, "closed": page.evaluate(MENU, name)}
        search = []  # each search button (sidebar, header): does Enter open the search dialog?
        for i in range(page.locator(SEARCH_BUTTONS).count()):
            button = page.locator(SEARCH_BUTTONS).nth(i)
            if not button.is_visible():
                continue
            button.focus()
            page.keyboard.press("Enter")
            opened = page.evaluate(SEARCH_DIALOG)
            page.keyboard.press("Escape")
            search.append({"opened": opened, "closed": page.evaluate(SEARCH_DIALOG)})
        self.settle()
        return {
            "steps": steps,
            "header": header,
            "after_skip": after_skip,
            "menus": menus,
            "search": search,
        }

    def status(self, url: str) -> int:
        """HTTP status of a same-site file (no fragment), fetched once."""
        if url not in self._status:
            try:
                with urllib.request.urlopen(url, timeout=10) as reply:
                    self._status[url] = reply.status
            except urllib.error.HTTPError as err:
                self._status[url] = err.code
        return self._status[url]

    def ids(self, url: str) -> set[str]:
        """The ids in a same-site HTML file."""
        if url not in self._ids:
            with urllib.request.urlopen(url, timeout=10) as reply:
                parser = IdCollector()
                parser.feed(reply.read().decode("utf-8"))
            self._ids[url] = parser.ids
        return self._ids[url]


# What became of the page's maths: formulas (Sphinx's .math elements) typeset by MathJax or not,
# MathJax's error boxes, and TeX left in the text outside formulas and code.
MATHS = r"""() => {
    const article = document.querySelector('article.bd-article');
    if (!article) return {formulas: 0, typeset: 0, errors: [], raw: []};
    const formulas = [...article.querySelectorAll('.math')];
    // MathJax's own record: an error box (merror), or a macro it does not know (drawn in red)
    const errors = [];
    for (const item of window.MathJax?.startup?.document?.math ?? []) {
        item.root.walkTree(node => {
            if (node.isKind('merror')) {
                errors.push(`${node.attributes.get('data-mjx-error')}: ${item.math}`);
            } else if (node.isKind('mtext') && node.attributes.get('mathcolor') === 'red') {
                errors.push(`undefined ${node.childNodes.map(c => c.text).join('')}: ${item.math}`);
            }
        });
    }
    errors.push(...[...article.querySelectorAll('mjx-merror')]
        .map(e => e.getAttribute('data-mjx-error') || e.textContent));
    const raw = [];
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {acceptNode: node =>
        node.parentElement.closest('pre, code, script, style, .math, mjx-container, .output')
            ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
    while (walker.nextNode()) {
        const found = walker.currentNode.textContent
            .match(/\$[^$\s][^$]*\$|\\[a-zA-Z]{2,}|\\[()\[\]]/);
        if (found) raw.push(found[0].slice(0, 60));
    }
    return {formulas: formulas.length, errors, raw,
            typeset: formulas.filter(m => m.querySelector('mjx-container')).length,
            untypeset: formulas.filter(m => !m.querySelector('mjx-container'))
                .map(m => m.textContent.trim().slice(0, 60)),
            version: window.MathJax?.version ?? null};
}"""
# Code cells and outputs that scroll sideways at this width: their right end is cut off.
CLIPPED = r"""() => [...document.querySelectorAll('article.bd-article pre')]
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => `${pre.scrollWidth} > ${pre.clientWidth} px: ` +
         pre.innerText.split('\n').reduce((a, b) => b.length > a.length ? b : a, '')
            .slice(0, 90))"""

# axe-core's audit of the page (or of the elements a CSS selector names) with every rule it has
# enabled, whatever its tags: WCAG 2.0-2.2 A/AA/AAA, best practices, experimental rules and
# deprecated ones. Returns how many rules exist and ran, and each element that violates one, with
# the impact axe gives it.
AXE_RUN = r"""async (scope) => {
    const rules = axe.getRules().map(rule => rule.ruleId);
    const result = await axe.run(scope || document, {
        rules: Object.fromEntries(rules.map(id => [id, {enabled: true}])),
        resultTypes: ['violations'],
    });
    const ran = new Set([...result.violations, ...result.passes, ...result.incomplete,
                         ...result.inapplicable].map(rule => rule.id));
    return {version: axe.version, rules: rules.length, ran: ran.size,
            theme: document.documentElement.dataset.theme,
            violations: result.violations.flatMap(rule => rule.nodes.map(node => ({
                rule: rule.id, impact: node.impact || rule.impact, help: rule.help,
                target: node.target.join(' '), html: node.html.slice(0, 160),
                summary: node.failureSummary.split('\n').slice(1).join(' ').trim()})))};
}"""
THEME = "() => document.documentElement.dataset.theme"
# Nothing focused, and every finite animation or transition finished (at most 2 s).
SETTLE = r"""async () => {
    document.activeElement?.blur?.();
    const running = document.getAnimations()
        .filter(a => a.effect?.getTiming().iterations !== Infinity);
    await Promise.race([Promise.all(running.map(a => a.finished.catch(() => null))),
                        new Promise(done => setTimeout(done, 2000))]);
}"""
# The focusable controls of the article's header (the sidebar toggles, launch, repository,
# download, full screen, colour mode, search), each numbered in data-test-control.
HEADER_CONTROLS = r"""() => [...document.querySelectorAll(
        '.bd-header-article :is(a[href], button, input, select, [tabindex])')]
    .filter(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length &&
                  getComputedStyle(el).visibility !== 'hidden')
    .map((el, i) => {
        el.dataset.testControl = i;
        return el.getAttribute('aria-label') || el.dataset.bsOriginalTitle || el.title ||
               el.innerText.trim() || el.outerHTML.slice(0, 80);
    })"""
# The focused element: its name, where it is, and how its focus is drawn (outline, box-shadow)
# on what background (the first ancestor with an opaque one).
FOCUSED = r"""async () => {
    const el = document.activeElement;
    // transitions that move or restyle it (the skip link slides in), not a tooltip elsewhere
    const running = document.getAnimations().filter(a => a.effect?.target?.contains?.(el) &&
        a.effect.getTiming().iterations !== Infinity);
    await Promise.race([Promise.all(running.map(a => a.finished.catch(() => null))),
                        new Promise(done => setTimeout(done, 1000))]);
    if (!el || el === document.body || el === document.documentElement) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    let background = 'rgb(255, 255, 255)';
    for (let node = el.parentElement; node; node = node.parentElement) {
        const colour = getComputedStyle(node).backgroundColor;
        if (colour !== 'transparent' && !/, 0\)$/.test(colour)) { background = colour; break; }
    }
    return {
        name: el.getAttribute('aria-label') || el.dataset.bsOriginalTitle || el.title ||
              el.innerText.trim().slice(0, 60) || el.outerHTML.slice(0, 80),
        control: el.dataset.testControl === undefined ? null : Number(el.dataset.testControl),
        skip: !!el.closest('#pst-skip-link, .skip-link'),
        href: el.getAttribute('href'),
        target: !!(el.hash && document.getElementById(decodeURIComponent(el.hash.slice(1)))),
        article: !!el.closest('article.bd-article'),
        main: !!el.closest('main'),
        shown: box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0 &&
               box.bottom <= innerHeight && box.right <= innerWidth,
        outline: {style: style.outlineStyle, width: parseFloat(style.outlineWidth),
                  colour: style.outlineColor},
        shadow: style.boxShadow,
        background,
    };
}"""
# The article header's dropdown menus by name: "launch", "source" (repository), "download".
HEADER_MENUS = r"""() => [...document.querySelectorAll('.bd-header-article .dropdown')]
    .map(d => [...d.classList].find(c => /^dropdown-.+-buttons$/.test(c)))
    .filter(Boolean).map(c => c.slice('dropdown-'.length, -'-buttons'.length))"""
# A header dropdown ("launch", "source", "download"): is its menu shown, what does its toggle say,
# where is focus.
MENU = r"""(name) => {
    const dropdown = document.querySelector(`.dropdown-${name}-buttons`);
    const menu = dropdown.querySelector('.dropdown-menu');
    const toggle = dropdown.querySelector('button.dropdown-toggle');
    const shown = el => el.getClientRects().length > 0 &&
                        getComputedStyle(el).visibility !== 'hidden';
    return {shown: shown(menu), expanded: toggle.getAttribute('aria-expanded'),
            focus_on_toggle: document.activeElement === toggle,
            items: [...menu.querySelectorAll('a, button')].filter(shown).length};
}"""
SEARCH_BUTTONS = "button.search-button__button"
# The search dialog: open, and the search field focused in it.
SEARCH_DIALOG = r"""() => {
    const dialog = document.querySelector('#pst-search-dialog');
    return {open: !!dialog?.open, typing: !!dialog?.contains(document.activeElement) &&
            document.activeElement.matches('input')};
}"""
# Enough presses of Tab to go from the top of a page through the sidebar to the article header.
MAX_TABS = 200


def stale_pages() -> list[str]:
    """TOC pages whose HTML is missing or older than their source: the site needs `make book`."""
    stale = []
    for page in PAGES:
        html = HTML / f"{page}.html"
        if not html.is_file() or html.stat().st_mtime < source_of(page).stat().st_mtime:
            stale.append(page)
    return stale


@pytest.fixture(scope="module")
def site(chromium):
    if not (HTML / "intro.html").is_file():
        skip_or_fail(f"no built site in {HTML}: run `make book` first")
    stale = stale_pages()
    if stale:
        skip_or_fail(
            f"the built site is older than the sources of {', '.join(stale)}: run `make book` first"
        )
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)  # random free port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    # Screenshots of pages no longer in the TOC would mislead; those of JupyterLab (lab/) stay.
    for old in SCREENSHOTS.rglob("*.png"):
        if old.relative_to(SCREENSHOTS).parts[0] != "lab":
            old.unlink()
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        site = Site(base, context.new_page())
        context.route("**/*", site.route)
        yield site
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def image_problems(images: list[dict]) -> list[str]:
    """What is wrong with a page's images (``Visit.images``): not loaded, or no alt text."""
    problems = []
    for img in images:
        src, alt = img["src"], (img["alt"] or "").strip()
        if not img["complete"] or img["width"] == 0:
            problems.append(f"did not load: {src}")
        # Sphinx writes the image's own path as alt when none is given: that is no description.
        if not alt or IMAGE_FILE.search(alt) or alt == Path(urlsplit(src or "").path).stem:
            problems.append(
                f"no alt text: {src}" + (f" (alt={img['alt']!r})" if alt and alt != src else "")
            )
    return problems


# ----------------------------------------------------------------------------------------------
# The tests


def test_only_the_toc_is_built():
    """Nothing outside the table of contents becomes a page (or runs): only_build_toc_files."""
    if not (HTML / "intro.html").is_file():
        skip_or_fail(f"no built site in {HTML}: run `make book` first")
    built = {
        str(p.relative_to(HTML).with_suffix(""))
        for p in HTML.rglob("*.html")
        if "_static" not in p.parts
    }
    extra = built - set(PAGES) - set(REDIRECTS) - {"index", "search", "genindex"}
    assert not extra, (
        f"pages built that are not in _toc.yml: {sorted(extra)} (stale? `make book-all` starts "
        "afresh)"
    )
    executed = {
        str(p.relative_to(HTML.parent / "jupyter_execute").with_suffix(""))
        for p in (HTML.parent / "jupyter_execute").rglob("*.ipynb")
    }
    assert executed <= set(PAGES), (
        f"notebooks executed that are not in _toc.yml: {sorted(executed - set(PAGES))}"
    )


def test_redirects_lead_from_old_pages_to_pages_of_the_toc():
    """The map itself: old pages are not pages any more, and each leads to one that is."""
    assert REDIRECTS, "_config.yml lists no redirects"
    for old, target in REDIRECTS.items():
        assert old not in toc_pages(), f"{old} is a page of the TOC and a redirect"
        new = str((Path(old).parent / target).with_suffix(""))
        assert new in toc_pages(), f"{old} redirects to {target}, which is not a page of the TOC"


@pytest.mark.parametrize("old", sorted(REDIRECTS))
def test_old_page_urls_open_their_new_page(site, old):
    """A reader with a link to the earlier numbering lands on the page's new place."""
    new = str((Path(old).parent / REDIRECTS[old]).with_suffix(""))
    if new not in PAGES:  # a small book (NNSCRATCH_TOC) without that page
        pytest.skip(f"{new} is not in this book")
    site.page.goto(f"{site.base}{old}.html", wait_until="load")
    site.page.wait_for_url(f"{site.base}{new}.html", timeout=10000)


def test_the_toc_lists_the_landing_page_and_chapters():
    assert PAGES[0] == "intro" and "chapters/01_data" in PAGES, PAGES
    for page in PAGES:
        source_of(page)


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_without_javascript_errors(site, page):
    visit = site.visit(page)
    assert visit.status == 200, f"{page}.html: HTTP {visit.status}"
    assert not visit.errors, (
        f"{page}.html: JavaScript errors (only the known harmless ones, by exact text, are "
        "allowed: KNOWN_HARMLESS):\n" + "\n".join(visit.errors)
    )
    assert not visit.failed, f"{page}.html: requests that failed:\n" + "\n".join(visit.failed)
    unexpected = sorted(visit.external - EXTERNAL_HOSTS)
    assert not unexpected, (
        f"{page}.html: requests to unexpected hosts {unexpected} (a widget? an external image?)"
    )


def test_image_check_catches_missing_alt_and_broken_images():
    """A figure output without alt text gets its path as alt from Sphinx: the check sees that."""
    src = "../_images/1824b40530aa5e5524120cd43f1ddfdba0c78c2b667ef20a3bc5ca4a1a66315f.png"
    fine = {"src": src, "alt": "A grid of 40 digits", "width": 700, "complete": True}
    assert image_problems([fine]) == []
    assert (
        image_problems([fine | {"alt": "A grid of 40 digits, from 1824b40530aa5e5524120cd4"}]) == []
    )
    for alt in [
        "",
        "  ",
        None,
        src,
        "_build/jupyter_execute/" + src.rsplit("/", 1)[1],
        "figure.png",
        src.rsplit("/", 1)[1].removesuffix(".png"),
    ]:
        assert image_problems([fine | {"alt": alt}])[0].startswith(f"no alt text: {src}"), alt
    assert image_problems([fine | {"width": 0}]) == [f"did not load: {src}"]


@pytest.mark.parametrize("page", PAGES)
def test_every_image_loaded_and_has_alt_text(site, page):
    problems = image_problems(site.visit(page).images)
    assert not problems, (
        f"{page}: "
        + "; ".join(problems)
        + '. Figures from cells: give the cell the metadata {"mystnb": {"image": '
        '{"alt": "..."}}} (CONTRIBUTING.md); Markdown images: ![description](path).'
    )


def figure_problems(images: list[dict]) -> list[str]:
    """Content figures (``_images/``) need a caption and a size a reader can read at 1280 px."""
    problems = []
    for img in images:
        if "_images/" not in (img["src"] or "") or not img["width"]:
            continue
        if not img["caption"]:
            problems.append(f"no caption: {img['src']}")
        given = img.get("intended") or ""
        # CSS px: the width attribute, else natural
        intended = float(given) if given.isdigit() else img["width"]
        if img["column"] and img["shown"] > img["column"] + 1:
            problems.append(
                f"wider than the text column ({img['shown']:.0f} > {img['column']} px): "
                f"{img['src']}"
            )
        if img["shown"] < MIN_SCALE * intended:
            problems.append(
                f"shrunk to {img['shown'] / intended:.0%} of its size ({intended:.0f} px drawn, "
                f"{img['shown']:.0f} px shown), its text too small to read; draw it narrower: "
                f"{img['src']}"
            )
        if not img["src"].lower().endswith(".svg") and img["shown"] > 1.05 * img["width"]:
            problems.append(
                f"enlarged to {img['shown']:.0f} px from {img['width']} px (blurred): {img['src']}"
            )
    return problems


def test_figure_check_catches_missing_captions_and_bad_sizes():
    fig = {
        "src": "../_images/ab12.png",
        "alt": "x",
        "width": 890,
        "complete": True,
        "intended": None,
        "shown": 672.0,
        "column": 752,
        "caption": "Fig. 1.1 Digits.",
    }
    assert figure_problems([fig]) == []
    assert figure_problems([fig | {"caption": None}]) == ["no caption: ../_images/ab12.png"]
    assert "too small to read" in figure_problems([fig | {"width": 1600}])[0]  # a 16-inch figure
    assert figure_problems([fig | {"width": 1600, "intended": "800"}]) == []  # retina: drawn at 2x
    assert "enlarged" in figure_problems([fig | {"width": 300}])[0]
    assert (
        "wider than the text column" in figure_problems([fig | {"shown": 900.0, "width": 900}])[0]
    )
    assert (
        figure_problems([fig | {"src": "../_static/images/logo_binder.svg", "caption": None}]) == []
    )


@pytest.mark.parametrize("page", PAGES)
def test_figures_have_captions_and_a_readable_size(site, page):
    problems = figure_problems(site.visit(page).images)
    assert not problems, (
        f"{page}: "
        + "; ".join(problems)
        + '. Give each figure cell the metadata {"mystnb": {"figure": '
        '{"caption": "...", "name": "fig-..."}}} (CONTRIBUTING.md); draw figures '
        f"at most {MAX_FIGURE_INCHES} inches wide at matplotlib's default 100 dpi."
    )


@pytest.mark.parametrize("page", PAGES)
def test_one_title_numbered_like_its_file(site, page):
    """One H1 per page; chapter NN is numbered NN on the site: _toc.yml keeps the files' order.

    A numbered part continues the numbers of the numbered part before it (Sphinx 7 with Jupyter
    Book 1.x), so the optional "Making it fast", in a numbered part of its own, is chapter 13. A
    chapter in a part that is not numbered has no number on the site.
    """
    headings = site.visit(page).headings
    assert len(headings) == 1, f"{page}.html has {len(headings)} titles (H1): {headings}"
    number = re.match(r"chapters/(\d+)_", page)
    if number and page in unnumbered_pages():
        assert not re.match(r"\d+\. ", headings[0]), (
            f"{page}.html is titled {headings[0]!r}: a chapter outside the numbered part is not "
            "numbered on the site (its part in _toc.yml has no `numbered: true`)"
        )
    elif number:
        assert headings[0].startswith(f"{int(number.group(1))}. "), (
            f"{page}.html is titled {headings[0]!r}, not number {int(number.group(1))}: list the "
            "chapters in _toc.yml in file order, all in one numbered part"
        )


@pytest.mark.parametrize("page", PAGES)
def test_no_hand_numbered_headings(site, page):
    """The book numbers sections ("4.4.1."): a heading starting with its own "1." reads twice."""
    doubled = [h for h in site.visit(page).sections if re.match(r"^(\d+\.)+\s+\d+[.)]\s", h)]
    assert not doubled, (
        f"{page}: headings numbered twice: {doubled}; drop the hand-written number (e.g. '### 1. "
        "Title' -> '### Title')"
    )


@pytest.mark.parametrize("page", PAGES)
def test_every_internal_link_resolves(site, page):
    visit = site.visit(page)
    broken = []
    for href in sorted(set(visit.links)):
        if not href.startswith(site.base):
            continue
        target, fragment = urldefrag(href)
        status = site.status(target)
        if status != 200:
            broken.append(f"{href}: HTTP {status}")
        elif fragment and target.endswith(".html") and unquote(fragment) not in site.ids(target):
            broken.append(
                f"{href}: no element with id {unquote(fragment)!r} in "
                f"{target.removeprefix(site.base)}"
            )
    assert not broken, f"{page}.html has broken links:\n" + "\n".join(broken)


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_launch_menu_offers_binder_and_colab(site, page):
    visit = site.visit(page)
    expected = launch_urls(page)
    assert visit.launch, f"{page}.html: no launch (rocket) menu, or it showed nothing when clicked"
    for name, url in expected.items():
        assert visit.launch.get(name) == url, (
            f"{page}.html: launch menu entry {name!r} is {visit.launch.get(name)!r}, expected "
            f"{url!r}"
        )


@functools.cache
def fetched(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return reply.read()


@pytest.mark.parametrize("page", PAGES)
def test_page_downloads_its_reader_copy_and_the_archive(site, page):
    """The download menu gives a notebook page's reader's copy (its committed cells, the set-up
    cell first, as ``make book`` wrote it), a Markdown page's source, and on every page the
    archive of all the copies."""
    visit = site.visit(page)
    source = source_of(page)
    wanted = [href for href in visit.downloads if href.endswith(source.suffix)]
    assert len(wanted) == 1, (
        f"{page}.html: the download menu has no single {source.suffix} file (it offers "
        f"{visit.downloads})"
    )
    body = fetched(wanted[0])
    if source.suffix == ".ipynb":
        assert wanted[0] == f"{site.base}{READER_FOLDER}/{page}.ipynb", wanted[0]
        assert body == (HTML / READER_FOLDER / f"{page}.ipynb").read_bytes()
        nb = nbformat.reads(body.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
        committed = json.loads(source.read_text())
        ids = [c["id"] for c in committed["cells"]]
        assert [c.id for c in nb.cells if c.id in ids] == ids, (
            f"{wanted[0]} does not hold the cells of the committed {source.relative_to(ROOT)}"
        )
        assert 'find_spec("nnscratch")' in nb.cells[0].source, (
            f"{wanted[0]}: the first cell is not the set-up cell"
        )
    else:
        assert body.decode("utf-8") == source.read_text(), (
            f"{wanted[0]} is not {source.relative_to(ROOT)}"
        )
    archives = [href for href in visit.downloads if href.endswith(".zip")]
    assert archives == [f"{site.base}{READER_FOLDER}/{ARCHIVE}"], (
        f"{page}.html: the download menu offers {archives}, not the archive of the copies"
    )
    with zipfile.ZipFile(io.BytesIO(fetched(archives[0]))) as archive:
        names = set(archive.namelist())
    top = ARCHIVE.removesuffix(".zip")
    assert names == {f"{top}/{p}.ipynb" for p in NOTEBOOK_PAGES}, sorted(names)


@pytest.mark.parametrize("page", PAGES)
def test_maths_is_typeset_without_errors(site, page):
    """Every formula typeset by MathJax (a local copy of the version the page asks for)."""
    if not HAVE_MATHJAX:
        skip_or_fail(
            f"no local MathJax in {MATHJAX}: `make test` installs it (npm install "
            "mathjax@3), or set NNSCRATCH_MATHJAX to a copy of the npm package"
        )
    maths = site.visit(page).maths
    assert not maths["errors"], f"{page}.html: MathJax errors: {maths['errors']}"
    assert not maths.get("untypeset"), (
        f"{page}.html: {len(maths['untypeset'])} of {maths['formulas']} formulas left as TeX "
        f"(MathJax {maths.get('version')}): {maths['untypeset'][:5]}"
    )
    assert not maths["raw"], (
        f"{page}.html: TeX in the text, outside any formula: {maths['raw'][:5]}"
    )


def test_maths_check_catches_errors_and_raw_tex(site):
    """The check is real: a formula MathJax cannot parse and TeX outside any formula are found."""
    if not HAVE_MATHJAX:
        skip_or_fail(f"no local MathJax in {MATHJAX}: `make test` installs it")
    page = site.page.context.new_page()  # a fresh window: no MathJax loaded yet
    page.set_content(
        '<article class="bd-article"><p><span class="math">\\(\\notamacro{x}\\)</span>, '
        '<span class="math">\\(x^2^3\\)</span> and '
        '<span class="math">\\(x^2\\)</span>, then $y^2$ left raw.</p></article>'
        '<script src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"></script>'
    )
    page.wait_for_function("() => window.MathJax?.startup?.promise", timeout=30000)
    page.evaluate("() => MathJax.startup.promise")
    maths = page.evaluate(MATHS)
    page.close()
    assert maths["formulas"] == 3 and maths["typeset"] == 3, maths
    assert maths["raw"] == ["$y^2$"], maths
    assert [e.split(":")[0] for e in maths["errors"]] == [
        "undefined \\notamacro",
        "Double exponent",
        "Double exponent",  # the same error, found in the page too (mjx-merror)
    ], maths


@pytest.mark.parametrize("page", PAGES)
def test_no_code_or_output_is_clipped(site, page):
    """At 1280 px no code cell or output needs a sideways scroll (its end would be hidden)."""
    clipped = site.visit(page).clipped
    assert not clipped, (
        f"{page}.html: blocks wider than the content column (keep code lines <= 79 "
        "characters and printed tables narrower):\n" + "\n".join(clipped)
    )


def notebook_figures(page: str) -> list[str]:
    """The names of the figures a notebook's cells make (``metadata.mystnb.figure.name``)."""
    source = source_of(page)
    if source.suffix != ".ipynb" or page.startswith("exercises/"):  # exercises are not executed
        return []
    cells = json.loads(source.read_text())["cells"]
    return [
        c["metadata"]["mystnb"]["figure"]["name"]
        for c in cells
        if c["cell_type"] == "code" and "figure" in c.get("metadata", {}).get("mystnb", {})
    ]


@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_each_figure_shows_once_numbered_under_its_name(site, page):
    """A figure cell's output is one numbered figure whose id is its name, so a link or a {numref}
    to the name resolves; no cell shows a figure's text stand-in (``<Figure size ...>``)."""
    visit = site.visit(page)
    shown = {f["id"]: f for f in visit.figures}
    for name in notebook_figures(page):
        figure = shown.get(name)
        assert figure, f"{page}.html: no figure with id {name!r} (cell metadata mystnb.figure.name)"
        assert figure["images"] == 1, f"{page}.html: figure {name} holds {figure['images']} images"
        assert re.match(r"^Fig\. \d+(\.\d+)*\s*$", figure["number"] or ""), (
            f"{page}.html: figure {name} is not numbered ({figure['number']!r})"
        )
    figure_ids = [f["id"] for f in visit.figures if f["id"].startswith("fig-")]
    assert sorted(figure_ids) == sorted(notebook_figures(page)), (
        f"{page}.html: figures {figure_ids}, cells name {notebook_figures(page)} "
        "(one figure per cell)"
    )
    assert not visit.stray, f"{page}.html: a cell shows a figure as text: {visit.stray}"


# Impacts that fail the audit; "minor" findings are printed, not failed.
FAILING_IMPACTS = ("critical", "serious", "moderate")


def audit_report(page: str, audit: dict, impacts=FAILING_IMPACTS) -> list[str]:
    """One line per element that violates a rule with one of ``impacts``: impact, rule, theme,
    page, element (axe's selector and its HTML) and what axe says is wrong."""
    return [
        f"{v['impact']} {v['rule']} [{audit['theme']}] {page}.html {v['target']}: {v['html']}"
        f"\n    {v['help']}. {v['summary']}"
        for v in audit["violations"]
        if v["impact"] in impacts
    ]


def require_axe() -> None:
    if not HAVE_AXE:
        skip_or_fail(
            f"no axe-core in {AXE.parent}: `make test` installs it (npm install "
            f"axe-core@{AXE_VERSION}), or set NNSCRATCH_AXE to a copy of the npm package"
        )


@pytest.mark.parametrize("page", PAGES)
def test_accessibility_audit_in_light_and_dark_mode(site, page):
    """axe-core (the npm package, version ``AXE_VERSION`` pinned in the Makefile) finds no
    critical, serious or moderate violation on the page, in light mode and in dark mode.

    Configuration: every rule of axe-core enabled (``axe.getRules()``, each ``{enabled: true}`` in
    ``axe.run``'s ``rules`` option; 105 rules in axe-core 4.14.1): WCAG 2.0, 2.1 and 2.2 at levels
    A, AA and AAA (``color-contrast-enhanced``: text contrast of 7:1), best practices (30),
    experimental rules (6: ``p-as-heading``, ``td-has-header``, ...; ``label-content-name-mismatch``
    was one, in 4.14.1 it is a WCAG 2.1 A rule) and deprecated ones (5); the
    whole document, as loaded at 1280 x 900 with its maths typeset (and each header menu, open,
    in ``test_keyboard_reaches_and_shows_every_header_control``). The page loads once: the audit
    runs in light mode, then the page's own colour-mode switch is pressed until it shows the
    dark theme, and the audit runs again. Minor violations are printed, not failed.
    """
    require_axe()
    visit = site.visit(page)
    assert visit.themes[-1:] == ["dark"], (
        f"{page}.html: the colour-mode switch did not turn the page dark (themes after each "
        f"press: {visit.themes})"
    )
    failures = []
    for theme in ("light", "dark"):
        audit = visit.audits[theme]
        assert audit["theme"] == theme, f"{page}.html: audited in {audit['theme']}, not {theme}"
        assert audit["version"] == AXE_VERSION, (
            f"axe-core {audit['version']} in {AXE.parent}, the Makefile pins {AXE_VERSION}"
        )
        assert audit["ran"] == audit["rules"], (
            f"{page}.html: axe ran {audit['ran']} of its {audit['rules']} rules"
        )
        failures += audit_report(page, audit)
        for line in audit_report(page, audit, impacts=("minor",)):
            print(line)
    assert not failures, f"{page}.html: {len(failures)} accessibility violations:\n" + "\n".join(
        failures
    )


def test_audit_catches_each_kind_of_violation(site):
    """The audit is real: on a page made of known faults, axe run as above (``AXE_RUN``) reports
    each, rules that axe leaves out by default included (experimental, WCAG AAA, deprecated, and
    target-size), and runs every rule it has."""
    require_axe()
    page = site.page.context.new_page()
    page.set_content(
        '<html lang="en"><head><title>Faults</title></head><body><main><h1>Faults</h1>'
        '<p style="font-weight: bold; font-size: 1.6em">A line standing for a heading</p>'
        "<p>Some text after it, long enough to be a paragraph of prose.</p>"
        "<p>And another paragraph of ordinary text here.</p>"
        '<button aria-label="Search">Search Ctrl+K</button>'
        '<p style="color: #00d7ff; background: #f3f4f5">None</p>'
        '<p style="color: #767676; background: #ffffff">Grey: 4.5:1, not 7:1.</p>'
        '<span id="twice">a</span><span id="twice">b</span>'
        '<div style="display: flex"><button style="width: 12px; height: 12px; padding: 0; '
        'border: 0">a</button><button style="width: 12px; height: 12px; padding: 0; border: 0">'
        "b</button></div>"
        "<table><tr><th></th><th>Shape</th></tr><tr><td>1</td><td>2</td></tr></table>"
        "</main><p>Outside every landmark.</p></body></html>"
    )
    page.add_script_tag(path=str(AXE))
    audit = page.evaluate(AXE_RUN)
    page.close()
    found = {(v["rule"], v["impact"]) for v in audit["violations"]}
    assert {
        ("label-content-name-mismatch", "serious"),  # was experimental, WCAG 2.1 A in 4.14
        ("color-contrast", "serious"),
        ("color-contrast-enhanced", "serious"),  # WCAG AAA, off by default
        ("p-as-heading", "serious"),  # experimental
        ("target-size", "serious"),  # WCAG 2.2 AA, off by default
        ("region", "moderate"),  # best practice
        ("empty-table-header", "minor"),  # best practice
        ("duplicate-id", "minor"),  # deprecated
    } <= found, found
    assert audit["ran"] == audit["rules"] > 100, audit["ran"]


def test_coloured_outputs_are_readable_in_both_modes(site):
    """Every colour an output can carry, shown as the site shows it (``_static/output-colours.css``,
    from ``tests/test_output_colours.py``): MyST-NB's ANSI classes (plain, bold, on a background)
    and rich's inline colours, in an output added to a page, pass axe's audit (contrast 7:1) in
    light and in dark mode; Keras's cyan keeps its hue; an unknown colour shows as plain text."""
    require_axe()
    from test_output_colours import ansi_colours, readable, rich_colours

    ansi = "".join(
        f'<span class="-Color -Color-{n}">{n}</span> '
        f'<span class="-Color -Color-Bold -Color-Bold-{n}">bold</span> '
        f'<span class="-Color -Color-{n} -Color-{n}-BGC17">on blue</span> '
        f'<span class="-Color -Color-BG{n}">background only</span>\n'
        for n in ansi_colours()
    )
    rich = "".join(
        f'<span style="color: {c}; text-decoration-color: {c}">{c}</span>\n'
        for c in dict.fromkeys(rich_colours())
    )
    rich += (
        '<span id="dim" style="color: #7fbfbf; text-decoration-color: #7fbfbf">dim cyan</span>\n'
        '<span style="background-color: #800000">on red</span>\n'
    )
    page = site.page
    page.goto(f"{site.base}{PAGES[0]}.html", wait_until="load")
    page.add_script_tag(path=str(AXE))
    page.evaluate(
        """([ansi, rich]) => document.querySelector('article.bd-article').insertAdjacentHTML(
            'beforeend', `<div class="cell_output docutils container" id="test-colours">
            <div class="output stream highlight-myst-ansi notranslate"><div class="highlight">
            <pre>${ansi}</pre></div></div>
            <div class="output text_html"><pre>${rich}</pre></div></div>`)""",
        [ansi, rich],
    )
    colour_of = """selector => getComputedStyle(document.querySelector(selector)).color"""
    keras_cyan = '#test-colours [style^="color: #00d7ff;"]'
    failures = []
    for theme in ("light", "dark"):
        site.switch_theme(theme)
        audit = page.evaluate(AXE_RUN, "#test-colours")
        assert audit["theme"] == theme
        failures += audit_report("coloured outputs", audit)
        wanted = readable("#00d7ff", theme)
        shown = page.evaluate(colour_of, keras_cyan)
        assert shown == "rgb({}, {}, {})".format(
            *(int(wanted[i : i + 2], 16) for i in (1, 3, 5))
        ), f"Keras's cyan shows as {shown} in {theme} mode, not {wanted}"
        text = page.evaluate(colour_of, "#test-colours .text_html pre")
        assert page.evaluate(colour_of, "#dim") == text, "an unknown colour is not plain text"
    site.switch_theme("light")
    assert not failures, "\n".join(failures)


def colour(text: str) -> tuple[float, float, float, float]:
    """``rgb(r, g, b)`` or ``rgba(r, g, b, a)`` (as getComputedStyle writes them) -> r, g, b, a."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", text)]
    return (*numbers[:3], numbers[3] if len(numbers) > 3 else 1.0)


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio of a colour (blended over the background if translucent)."""
    *fg, alpha = colour(foreground)
    bg = colour(background)[:3]
    fg = [alpha * f + (1 - alpha) * b for f, b in zip(fg, bg)]

    def luminance(rgb) -> float:
        c = [v / 255 for v in rgb]
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    high, low = sorted([luminance(fg), luminance(bg)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def focus_problem(step: dict) -> str | None:
    """None if the focused element (``FOCUSED``) shows where focus is: an outline at least 2 px
    wide, or a box-shadow ring at least 2 px wide, in a colour with a contrast of 3:1 against the
    background it is drawn on (WCAG 2.2, 2.4.7 and 2.4.13's minimum area, 1.4.11's contrast)."""
    rings = []
    outline = step["outline"]
    if outline["style"] not in ("none", "hidden") and outline["width"] >= 2:
        rings.append(outline["colour"])
    # getComputedStyle: "rgba(13, 110, 253, 0.5) 0px 0px 0px 4px, ..." (colour, x, y, blur, spread)
    for shadow in re.findall(
        r"(rgba?\([^)]*\))\s+([-\d.]+)px\s+([-\d.]+)px\s+([\d.]+)px\s+([\d.]+)px", step["shadow"]
    ):
        if float(shadow[4]) >= 2:
            rings.append(shadow[0])
    if not rings:
        return f"no focus indicator (outline {outline}, box-shadow {step['shadow']!r})"
    best = max(contrast(ring, step["background"]) for ring in rings)
    if best < 3:
        return f"focus indicator {rings} has a contrast of {best:.2f} on {step['background']}"
    return None


def test_focus_check_catches_missing_or_faint_indicators():
    step = {
        "outline": {"style": "solid", "width": 3.0, "colour": "rgb(157, 83, 206)"},
        "shadow": "none",
        "background": "rgb(255, 255, 255)",
    }
    assert focus_problem(step) is None
    assert "no focus indicator" in focus_problem(
        step | {"outline": {**step["outline"], "width": 0}}
    )
    assert "no focus indicator" in focus_problem(
        step | {"outline": {**step["outline"], "style": "none"}}
    )
    assert "contrast of 1.0" in focus_problem(
        step | {"outline": {**step["outline"], "colour": "rgb(250, 250, 250)"}}
    )
    ring = "rgb(13, 110, 253) 0px 0px 0px 4px"
    assert (
        focus_problem(step | {"outline": {**step["outline"], "width": 0}, "shadow": ring}) is None
    )
    faint = "rgba(13, 110, 253, 0.5) 0px 0px 0px 4px"  # Bootstrap's ring: 2.06 on white
    assert "contrast" in focus_problem(
        step | {"outline": {**step["outline"], "width": 0}, "shadow": faint}
    )


@pytest.mark.parametrize("page", PAGES)
def test_keyboard_reaches_and_shows_every_header_control(site, page):
    """From the top of the page, Tab first focuses a visible skip link, whose Enter skips to the
    main content; Tab then reaches every control of the article header, each with a visible focus
    indicator (``focus_problem``); Enter opens each header menu (the launch menu on notebook
    pages, the repository and download menus), Escape closes it and gives focus back to its button
    (each menu, open, audited by axe in light mode, on the first page that has it: every page's
    menu is the same template); Enter on each search button opens the search dialog, and Escape
    closes it."""
    keyboard = site.visit(page).keyboard
    steps = keyboard["steps"]
    first = steps[0]
    assert first and first["skip"], f"{page}.html: the first Tab focuses {first}, not a skip link"
    assert first["shown"] and first["target"], (
        f"{page}.html: the skip link is not visible when focused, or its target "
        f"{first['href']} is missing: {first}"
    )
    after = keyboard["after_skip"]
    assert after and after["main"], (
        f"{page}.html: Enter on the skip link, then Tab, focuses {after}, outside the main content"
    )
    problems = []
    reached = {step["control"]: step for step in steps if step and step["control"] is not None}
    for i, name in enumerate(keyboard["header"]):
        if i not in reached:
            problems.append(f"{name!r}: Tab never reaches it (within {MAX_TABS} presses)")
        elif focus_problem(reached[i]):
            problems.append(f"{name!r}: {focus_problem(reached[i])}")
        elif not reached[i]["shown"]:
            problems.append(f"{name!r}: focused outside the window")
    assert keyboard["header"] and not problems, (
        f"{page}.html: header controls {keyboard['header']}:\n" + "\n".join(problems)
    )
    menus = keyboard["menus"]
    wanted = {"launch", "download"} if page in NOTEBOOK_PAGES else {"download"}
    assert wanted <= set(menus), f"{page}.html: header menus {sorted(menus)}, not {wanted}"
    for name, menu in menus.items():
        opened, closed = menu["opened"], menu["closed"]
        assert opened["shown"] and opened["expanded"] == "true" and opened["items"], (
            f"{page}.html: Enter on the {name} button did not open its menu: {opened}"
        )
        assert not closed["shown"] and closed["expanded"] == "false", (
            f"{page}.html: Escape did not close the {name} menu: {closed}"
        )
        assert closed["focus_on_toggle"], (
            f"{page}.html: after Escape, focus is not back on the {name} button"
        )
        if "audit" in opened:
            failures = audit_report(f"{page} ({name} menu open)", opened["audit"])
            assert not failures, "\n".join(failures)
    assert keyboard["search"], f"{page}.html: no visible search button"
    for search in keyboard["search"]:
        assert search["opened"] == {"open": True, "typing": True}, (
            f"{page}.html: Enter on a search button did not open the search field: {search}"
        )
        assert not search["closed"]["open"], f"{page}.html: Escape left the search dialog open"


def test_search_finds_backpropagation(site):
    site.page.goto(f"{site.base}search.html?q=backpropagation", wait_until="load")
    summary = site.page.locator("#search-results .search-summary")
    summary.wait_for(timeout=15000)
    site.page.wait_for_function(
        "() => document.querySelector('#search-results "
        ".search-summary').textContent.includes('Search finished')",
        timeout=15000,
    )
    hits = site.page.eval_on_selector_all(
        "#search-results ul.search li > a", "as => as.map(a => a.href)"
    )
    found = {urlsplit(h).path.lstrip("/").removesuffix(".html") for h in hits}
    assert found, f"the search for 'backpropagation' found nothing: {summary.inner_text()!r}"
    assert found <= set(PAGES), (
        f"search results outside the table of contents: {sorted(found - set(PAGES))}"
    )
    titled = {p for p in PAGES if "backprop" in p.lower()}
    assert titled <= found, f"the search for 'backpropagation' misses {sorted(titled - found)}"
    shot = SCREENSHOTS / "search.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    site.page.screenshot(path=str(shot), full_page=True)


def test_site_root_opens_the_landing_page(site):
    site.page.goto(site.base, wait_until="load")
    site.page.wait_for_url(f"{site.base}intro.html", timeout=10000)
