"""A class site: the course without its solutions, built and checked: ``make class-site``.

    python -m nnscratch.book.classsite                 # stage, build strictly (-W), scan
    python -m nnscratch.book.classsite --stage-only    # only write the class's sources
    python -m nnscratch.book.classsite --scan DIR      # scan a built site for solutions

A class publishes the course for its learners without the worked solutions. This writes a class
copy of the course's sources into ``_build/class/src`` (also the tree of the class's own
repository, which its launch buttons open), builds it into ``_build/class/_build/html`` like the
full site (``-W``), then scans every file the build wrote for solution content or links:

- the exercises come from ``python -m nnscratch.grade.release --class-site`` (no "Stuck?" line
  linking a solution; cell ids kept, so the grader grades them with the same manifest);
- the table of contents loses the parts *Solutions* and *For teachers* (the rubric holds the
  answers); the syllabus stays, as the part *Syllabus*; the introduction loses its sentence about
  the *Solutions* part; redirects to solution pages are dropped;
- the repository is the class's, named in ``class_site.yml`` (``repository.url``, ``branch``,
  ``baseurl``): the launch buttons, the reader's copies' links and every notebook's set-up cell
  (which installs the course package from it on Colab) point there.

The scan looks, in every file (HTML as text, ``_sources``, the search index, the reader's copies
and their ``.zip``), for a link or path to ``solutions/``, a solution's title, and the
fingerprints of the solutions' own text: the lines of code and sentences inside their solution
regions and their ``solution-only`` cells that the class's sources do not contain.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import yaml

from nnscratch.grade import release

ROOT = Path(__file__).resolve().parents[2]
CONFIG = "class_site.yml"
#: What the class's sources hold besides the generated exercises and configuration: the book's
#: pages and assets, and what its repository needs for Binder and Colab (package, environment).
COPY = [
    "intro.md",
    "chapters",
    "teachers/syllabus.md",
    "_static",
    "_templates",
    "binder",
    "nnscratch",
    "pyproject.toml",
    "requirements.txt",
    "Makefile",
    "LICENSE",
    "LICENSE-TEXT.md",
]
DROPPED_PARTS = {"Solutions", "For teachers"}
SYLLABUS = "teachers/syllabus"


class ClassSiteError(Exception):
    """The class site cannot be staged or built; the message says why."""


def read_config(root: Path) -> dict:
    path = root / CONFIG
    try:
        config = yaml.safe_load(path.read_text()) or {}
        url = config["repository"]["url"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as err:
        raise ClassSiteError(
            f"{path}: expected `repository: {{url: https://github.com/OWNER/REPO}}` ({err})"
        ) from None
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+)", url)
    if match is None:
        raise ClassSiteError(f"{path}: repository.url must be https://github.com/OWNER/REPO")
    config["repository"].setdefault("branch", "main")
    config.setdefault("baseurl", f"https://{match[1]}.github.io/{match[2]}/")
    return config


def class_toc(toc: dict, keep: set[str] | None = None) -> dict:
    """The course's table of contents without solutions and teachers' pages; with ``keep``,
    only those files (a reduced site for the tests)."""
    parts = []
    for part in toc["parts"]:
        if part.get("caption") in DROPPED_PARTS:
            continue
        chapters = [c for c in part["chapters"] if keep is None or c["file"] in keep]
        if chapters:
            parts.append({**part, "chapters": chapters})
    if keep is None or SYLLABUS in keep:
        parts.append({"caption": "Syllabus", "chapters": [{"file": SYLLABUS}]})
    return {**toc, "parts": parts}


def class_config(config: dict, site: dict) -> dict:
    """The course's ``_config.yml`` pointed at the class's repository and site."""
    config = json.loads(json.dumps(config))  # a deep copy
    config["repository"] = {**config["repository"], **site["repository"]}
    config["html"]["baseurl"] = site["baseurl"]
    sphinx = config.get("sphinx", {}).get("config", {})
    redirects = sphinx.get("redirects", {})
    sphinx["redirects"] = {k: v for k, v in redirects.items() if "solutions" not in k + v}
    return config


def without_solutions_sentence(text: str) -> str:
    """The introduction without its sentence about the *Solutions* part."""
    return re.sub(r" ?[^.\n]*\*Solutions\*[^.]*\.", "", text)


def point_setup_cells(folder: Path, course_url: str, class_url: str) -> None:
    """Every notebook's set-up cell installs the course package from the class's repository."""
    for path in folder.glob("*.ipynb"):
        text = path.read_text()
        path.write_text(
            text.replace(f'REPOSITORY = \\"{course_url}\\"', f'REPOSITORY = \\"{class_url}\\"')
        )


def stage(root: Path, src: Path, keep: set[str] | None = None) -> Path:
    """Write the class's sources into ``src`` (emptied first); return it."""
    site = read_config(root)
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
    for name in COPY:
        source, target = root / name, src / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, target)
    notebooks, _ = release.build(root / "solutions", class_site=True)
    (src / "exercises").mkdir()
    for name, text in notebooks.items():
        (src / "exercises" / name).write_text(text)
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    (src / "_toc.yml").write_text(yaml.safe_dump(class_toc(toc, keep), sort_keys=False))
    config = yaml.safe_load((root / "_config.yml").read_text())
    course_url = config["repository"]["url"]
    (src / "_config.yml").write_text(yaml.safe_dump(class_config(config, site), sort_keys=False))
    intro = src / "intro.md"
    intro.write_text(without_solutions_sentence(intro.read_text()))
    for folder in ("chapters", "exercises"):
        point_setup_cells(src / folder, course_url, site["repository"]["url"])
    return src


# ------------------------------------------------------------------------------------------------
# The scan: nothing of the solutions in a built site
# ------------------------------------------------------------------------------------------------


def fragments(text: str, markdown: bool) -> set[str]:
    """Pieces of a solution's text long enough to be its own: code lines of at least 25
    characters; in markdown, runs of plain words (markup and roles cut out) of at least 40."""
    if not markdown:
        return {" ".join(line.split()) for line in text.split("\n") if len(line.strip()) >= 25}
    text = re.sub(r"\{[a-z]+\}`[^`]*`|\$[^$]*\$|<!--.*?-->", "|", text, flags=re.S)
    pieces = re.split(r"[`*_\[\]()|{}#>\n]+", text)
    return {" ".join(p.split()) for p in pieces if len(" ".join(p.split())) >= 40}


def solution_fingerprints(solutions: Path) -> set[str]:
    """Every solution's own text: its solution regions, solution-only cells and title."""
    out = set()
    for path in sorted(solutions.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            md = cell.cell_type == "markdown"
            tags = cell.metadata.get("tags", [])
            if release.SOLUTION_ONLY in tags:
                out |= fragments(cell.source, md)
            for region in re.findall(
                r"### BEGIN SOLUTION(.*?)### END SOLUTION|<!-- BEGIN SOLUTION -->(.*?)"
                r"<!-- END SOLUTION -->",
                cell.source,
                flags=re.S,
            ):
                out |= fragments("".join(region), md)
            title = re.match(r"# (Solution \d+: .+)", cell.source) if md else None
            if title:
                out.add(title[1].strip())
    return out


def readable(path: Path, data: bytes) -> str:
    """What a file says, as a reader or a search engine sees it: HTML without its tags, a
    notebook's cells; whitespace collapsed."""
    text = data.decode("utf-8", errors="replace")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text)["cells"]
            text = "\n".join("".join(c["source"]) for c in cells)
        except (ValueError, KeyError, TypeError):
            pass
    if path.suffix in (".html", ".htm"):
        text = text + " " + html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.split())


def scan(site: Path, fingerprints: set[str]) -> list[str]:
    """Findings, one line each (empty: the site holds nothing of the solutions)."""
    found = []

    def check(name: str, path: Path, data: bytes) -> None:
        text = readable(path, data)
        if "solutions/" in text or "solutions/" in name:
            found.append(f"{name}: a link or path to solutions/")
        for piece in sorted(fingerprints):
            if piece in text:
                found.append(f"{name}: solution text {piece[:60]!r}")
                break

    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        name = str(path.relative_to(site))
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    check(f"{name}:{member}", Path(member), archive.read(member))
        else:
            check(name, path, path.read_bytes())
    return found


def own_fingerprints(root: Path, src: Path) -> set[str]:
    """The solutions' fingerprints that the class's own sources do not also contain."""
    sources = " ".join(
        readable(p, p.read_bytes())
        for p in src.rglob("*")
        if p.suffix in (".ipynb", ".md") and "nnscratch" not in p.parts
    )
    return {f for f in solution_fingerprints(root / "solutions") if f not in sources}


def build(src: Path, out: Path, strict: bool = True) -> subprocess.CompletedProcess:
    """``jupyter-book build`` of the class's sources into ``out``, as ``make book`` builds."""
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(src)]
    command += ["--path-output", str(out)] + (["-W", "-n", "--keep-going"] if strict else [])
    return subprocess.run(command, capture_output=True, text=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnscratch.book.classsite", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "class")
    parser.add_argument("--stage-only", action="store_true", help="write the sources, no build")
    parser.add_argument("--scan", type=Path, metavar="DIR", help="only scan a built site's html")
    args = parser.parse_args(argv)
    src = args.out / "src"
    try:
        if args.scan is None:
            stage(ROOT, src)
            print(f"class site's sources written: {src}")
            if args.stage_only:
                return 0
            done = build(src, args.out)
            sys.stdout.write(done.stdout[-4000:])
            if done.returncode != 0:
                sys.stderr.write(done.stderr)
                print("the class site's build failed (above)", file=sys.stderr)
                return 1
        if not src.is_dir():
            raise ClassSiteError(f"{src}: no class sources to compare with; stage them first")
        site = args.scan or args.out / "_build" / "html"
        findings = scan(site, own_fingerprints(ROOT, src))
    except (ClassSiteError, release.ReleaseError) as err:
        print(f"class site failed: {err}", file=sys.stderr)
        return 2
    if findings:
        print(f"{site} shows solutions:\n  " + "\n  ".join(findings), file=sys.stderr)
        return 1
    print(f"{site}: the class site, with no solution content or link found.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
