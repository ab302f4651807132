"""The branch of reader's copies: the tree the publishing workflow pushes, and the push.

    python -m nnscratch.book.branch _build/html/notebooks _build/reader-copies
    python nnscratch/book/branch.py _build/html/notebooks _build/reader-copies --push URL

Colab opens a notebook from GitHub (``colab.research.google.com/github/OWNER/REPO/blob/BRANCH/
PATH``), so the reader's copies the site's build writes (``nnscratch.book.reader``) must be on a
branch of the repository. This writes that branch's tree afresh into OUT: every copy at the path
of its notebook in the repository (``chapters/05_sgd.ipynb`` ...), and a README saying what the
branch is. ``make reader-copies`` writes it; the workflow runs the same code with ``--push``,
which commits the tree as the only commit of an orphan branch (its name is the one the build
recorded, ``nnscratch_reader_branch`` of ``_config.yml``) and force-pushes it to URL.

Standard library only: the workflow's publishing job runs it as a script, without the course's
dependencies.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

RECORD = "reader.json"  # written by nnscratch.book.reader beside the copies


class BranchError(Exception):
    """The tree cannot be written or pushed; the message says why."""


def read_record(copies: Path) -> dict:
    path = copies / RECORD
    if not path.is_file():
        raise BranchError(
            f"{path} is missing: {copies} holds no reader's copies written by the site's build "
            "(`make book` writes them into _build/html/notebooks)"
        )
    return json.loads(path.read_text())


def colab_url(record: dict, page: str) -> str:
    """The Colab URL of a page's copy, e.g. ``chapters/05_sgd``, on the branch."""
    slug = record["repository"].rstrip("/").removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/{record['branch']}/{page}.ipynb"


def readme(record: dict) -> str:
    pages = sorted(record["notebooks"])
    built = f" (commit `{record['commit']}`)" if record.get("commit") else ""
    first = pages[0] if pages else "chapters/01_data"
    return (
        "# Reader's copies of the course's notebooks\n\n"
        "Generated: do not edit, do not branch from here. The course's publishing workflow "
        f"builds the site from `main`{built} and force-pushes this branch, one commit, each "
        "time.\n\n"
        "Each notebook is the one at the same path on `main`, as the site shows it: with the "
        "outputs of the site's build (chapters and solutions), the numbers the text cites written "
        "in, notes as plain Markdown, figure captions under their figures, links to the site. "
        "Exercises carry no outputs and grade like the originals.\n\n"
        f"- The site: {record['site']}\n"
        f"- The repository: {record['repository']}\n"
        f"- On Colab, e.g. {colab_url(record, first)}\n"
        f"- All of them in one archive: {record['site'].rstrip('/')}/{record['folder']}/"
        f"{record['archive']}\n"
    )


def write_tree(copies: Path, out: Path) -> list[str]:
    """Write the branch's tree into ``out`` (emptied first); return its files, sorted."""
    record = read_record(copies)
    missing = [p for p in record["notebooks"] if not (copies / f"{p}.ipynb").is_file()]
    if missing:
        raise BranchError(f"{copies}: the copies of {', '.join(missing)} are missing")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = []
    for page in sorted(record["notebooks"]):
        target = out / f"{page}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copies / f"{page}.ipynb", target)
        files.append(f"{page}.ipynb")
    (out / "README.md").write_text(readme(record))
    return sorted([*files, "README.md"])


def push(out: Path, remote: str, branch: str, commit: str | None) -> None:
    """Commit ``out`` as the only commit of an orphan branch and force-push it to ``remote``."""

    def git(*args: str) -> None:
        run = subprocess.run(["git", *args], cwd=out, capture_output=True, text=True)
        if run.returncode != 0:
            raise BranchError(f"git {args[0]} failed: {run.stderr.strip() or run.stdout.strip()}")

    git("init", "--quiet")
    git("checkout", "--quiet", "--orphan", branch)
    git("add", "--all")
    message = "Reader's copies of the notebooks" + (f", built from {commit}" if commit else "")
    git(
        "-c",
        "user.name=nnscratch site build",
        "-c",
        "user.email=nnscratch-site-build@users.noreply.github.com",
        "commit",
        "--quiet",
        "--message",
        message,
    )
    git("push", "--quiet", "--force", remote, f"HEAD:refs/heads/{branch}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnscratch.book.branch",
        description="Write the tree of the reader's copies branch (and force-push it).",
    )
    parser.add_argument(
        "copies", type=Path, help="the copies the build wrote: _build/html/notebooks"
    )
    parser.add_argument("out", type=Path, help="where to write the tree (emptied first)")
    parser.add_argument(
        "--push", metavar="URL", help="force-push the tree as an orphan branch here"
    )
    args = parser.parse_args(argv)
    try:
        files = write_tree(args.copies, args.out)
        record = read_record(args.copies)
        if args.push:
            push(args.out, args.push, record["branch"], record.get("commit"))
    except BranchError as err:
        print(f"reader's copies: {err}", file=sys.stderr)
        return 2
    pushed = f", pushed to branch {record['branch']}" if args.push else ""
    print(f"reader's copies: {len(files)} files in {args.out}{pushed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
