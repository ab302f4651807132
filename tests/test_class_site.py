"""The class site (make class-site, nnscratch/book/classsite.py): the course without its solutions.

A reduced class site (the introduction, every exercise, chapter 1 and the syllabus) is built as
``make class-site`` builds the full one, and every file it writes is scanned for solution content
or links. It is built without ``-W``, because its pages link chapters it leaves out; every warning
must be one of those. About 30 s on the course's 2-core machine, chapter 1 in quick mode.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
import yaml

from nnscratch.book import classsite
from nnscratch.grade import release

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = sorted(f"exercises/{p.stem}" for p in (ROOT / "solutions").glob("*.ipynb"))
KEEP = {"chapters/01_data", classsite.SYLLABUS, *EXERCISES}
# A page of the reduced site may link a page it leaves out (intro.md's table of chapters); Sphinx
# and the reader's copies (nnscratch/book/reader.py) each warn of such a link.
LEFT_OUT = re.compile(
    r"WARNING: [Uu]nknown (?:source )?document:? '(?P<doc>[\w/]+)'"
    r"|the link to (?:\.\./)?(?:chapters/)?(?P<chapter>\w+)\.ipynb leads to no page"
)


def left_out(warning: str) -> str | None:
    """The page a warning says is missing, as in _toc.yml; None for any other warning."""
    m = LEFT_OUT.search(warning)
    return None if m is None else m["doc"] or f"chapters/{m['chapter']}"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("class")
    src = classsite.stage(ROOT, out / "src", KEEP)
    done = classsite.build(src, out, strict=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return src, out / "_build" / "html", done.stdout + done.stderr


def test_the_reduced_class_site_warns_only_of_the_pages_it_leaves_out(site):
    _, _, log = site
    warnings = [
        line for line in log.splitlines() if "WARNING" in line and "IPKernelApp" not in line
    ]
    unexpected = [w for w in warnings if not (left_out(w) or "").startswith("chapters/")]
    assert not unexpected, "\n".join(unexpected)
    missing = {left_out(w) for w in warnings}
    assert missing and not missing & KEEP


def test_the_class_site_has_exercises_and_no_solution_pages(site):
    src, html, _ = site
    toc = yaml.safe_load((src / "_toc.yml").read_text())
    captions = [part["caption"] for part in toc["parts"]]
    assert "Solutions" not in captions and "For teachers" not in captions
    for name in EXERCISES:
        assert (html / f"{name}.html").is_file()
    assert (html / "chapters/01_data.html").is_file()
    assert not (html / "solutions").exists() and not (html / "teachers/rubric.html").exists()
    assert "Stuck?" not in (html / "exercises/01_relu.html").read_text()


def test_no_file_of_the_class_site_holds_solution_content_or_links(site):
    src, html, _ = site
    files = [p for p in html.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    # what the scan must cover: pages, their sources, the search index, the reader's copies
    assert {".html", ".js", ".ipynb", ".zip"} <= kinds, kinds
    assert (html / "searchindex.js").is_file() and (html / "_sources").is_dir()
    fingerprints = classsite.own_fingerprints(ROOT, src)
    assert len(fingerprints) > 100  # the solutions' own code and prose, not a handful of titles
    assert classsite.scan(html, fingerprints) == []


def test_launch_buttons_and_set_up_cells_point_at_the_class_repository(site):
    src, html, _ = site
    url = classsite.read_config(ROOT)["repository"]["url"]
    page = (html / "chapters/01_data.html").read_text()
    repo = url.removeprefix("https://github.com/")
    assert f"mybinder.org/v2/gh/{repo}/" in page
    assert "colab.research.google.com/github/" + repo in page
    assert f'REPOSITORY = \\"{url}\\"' in (src / "exercises/01_relu.ipynb").read_text()


def test_the_scan_finds_a_leaked_solution_line_link_and_archive_member(site, tmp_path):
    src, html, _ = site
    fingerprints = classsite.own_fingerprints(ROOT, src)
    code = next(f for f in sorted(fingerprints) if "=" in f and not f.startswith("#"))
    (tmp_path / "page.html").write_text(f"<pre><span>{code[:10]}</span>{code[10:]}</pre>")
    (tmp_path / "link.html").write_text('<a href="../solutions/01_relu.html">Stuck?</a>')
    with zipfile.ZipFile(tmp_path / "copies.zip", "w") as archive:
        archive.writestr("solutions/01_relu.ipynb", '{"cells": []}')
    findings = classsite.scan(tmp_path, fingerprints)
    assert any(f.startswith("page.html: solution text") for f in findings), findings
    assert "link.html: a link or path to solutions/" in findings
    assert "copies.zip:solutions/01_relu.ipynb: a link or path to solutions/" in findings


def test_class_release_drops_the_solution_links_and_keeps_cell_ids():
    course, _ = release.build(ROOT / "solutions")
    for name, text in release.build(ROOT / "solutions", class_site=True)[0].items():
        assert "solutions/" not in text and "](#fig-" not in text, name
        ids = re.findall(r'"id": "([^"]+)"', text)
        assert ids == re.findall(r'"id": "([^"]+)"', course[name]), name


def test_a_solution_mentioned_outside_a_link_line_fails_the_class_release():
    release.without_solution_links("- Stuck? [it](../solutions/01_relu.ipynb)\nText.", "cell")
    with pytest.raises(release.ReleaseError, match="cell: the class site's exercise"):
        release.without_solution_links("See `solutions/01_relu.ipynb`.", "cell")


def test_class_site_configuration_is_checked(tmp_path):
    (tmp_path / "class_site.yml").write_text("repository:\n  url: http://example.com/x\n")
    with pytest.raises(classsite.ClassSiteError, match="OWNER/REPO"):
        classsite.read_config(tmp_path)
    (tmp_path / "class_site.yml").write_text("repository:\n  url: https://github.com/a/b\n")
    assert classsite.read_config(tmp_path)["baseurl"] == "https://a.github.io/b/"


def test_the_class_sites_figure_pack_has_the_chapters_figures_and_no_solutions(site):
    _, html, _ = site
    with zipfile.ZipFile(html / "nnscratch-figures.zip") as archive:
        names = archive.namelist()
        table = archive.read("FIGURES.md").decode()
    assert "chapters-01_data-fig-digits.png" in names
    assert not [n for n in names if n.startswith("solutions")]
    digits = next(line for line in table.splitlines() if "fig-digits" in line)
    assert "MNIST" in digits and "CC BY-SA 3.0" in digits
