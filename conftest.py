"""Settings that must be in place before any notebook kernel starts; fixtures the tests share."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The suite runs every notebook in quick mode (same code, small slice of MNIST, fewer epochs).
os.environ.setdefault("NNSCRATCH_QUICK", "1")
# One BLAS thread: on 2 shared cores, thread hand-offs make the small products of this course
# 20-100x slower when the machine is busy (measured), and timings in outputs less reproducible.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# TensorFlow start-up noise off in kernels and in this process.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


@pytest.fixture
def nbval():
    """``nbval(notebook)`` runs ``pytest --nbval-lax`` on one notebook in a fresh process."""

    def run(notebook, cwd=None, timeout: float = 600) -> subprocess.CompletedProcess:
        options = ["-q", "-p", "no:cacheprovider", "--nbval-lax", "-c", "/dev/null"]
        command = [sys.executable, "-m", "pytest", *options, str(notebook)]
        return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)

    return run


# Debian's Chromium, for the browser tests (tests/test_site.py, tests/test_lab.py). Headless flags
# that work as root in a container (see the course's environment notes); Playwright adds --headless
# and its own fresh --user-data-dir (it refuses one passed here).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def built_site() -> Path:
    """The folder of the built site the tests read: ``$NNSCRATCH_SITE``, or ``_build/html``, where
    ``make book`` writes it (with the reader's copies of the notebooks in its ``notebooks/``)."""
    return Path(
        os.environ.get("NNSCRATCH_SITE") or Path(__file__).resolve().parent / "_build" / "html"
    )


def skip_or_fail(reason: str) -> None:
    """In CI a missing prerequisite is a failure; on a learner's machine the test is skipped."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium driven by Playwright (never Playwright's own download)."""
    if not CHROMIUM.is_file():
        skip_or_fail(
            f"no {CHROMIUM}: install Debian's Chromium with `apt-get install -y "
            "--no-install-recommends chromium` (Playwright must not download one)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail(
            "Playwright for Python is missing: `.venv/bin/pip install -r requirements.txt`"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
