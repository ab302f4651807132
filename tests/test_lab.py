"""The notebooks as a learner runs them: JupyterLab from the project's environment, in a browser.

JupyterLab (this Python's: the pinned version, with jupyterlab-myst) serves a copy of the course on
127.0.0.1 (a free port, a token, no browser of its own) with its settings, workspaces, runtime
files and checkpoints in a temporary folder: notebook windowing off, so that every cell stays in
the page and is measured, and autosave off. Its kernels run in quick mode with one BLAS thread.
Debian's Chromium, driven by Playwright, opens each notebook below and runs *Run All*, then:

- chapters and solutions: every cell ran, none shows an error, every figure cell shows its image;
- the exercise: *Run All* stops at the first check cell, with the failure naming the unfinished
  function (no cell before it fails; the cells after it are not run);
- everywhere: no raw MyST in the rendered markdown (a ``{glue`` or ``{eval`` role, a directive
  fence, an "Unknown Directive" box, an unresolved cross-reference), and every number cited with
  {eval}`name` shows its value.

Screenshots of each notebook, top to bottom, go to ``_build/screenshots/lab/``, and JupyterLab's log
to ``_build/screenshots/lab/jupyterlab.log``. Without Chromium or Playwright the test is skipped (in
CI, with ``CI`` set, it fails instead).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "_build" / "screenshots" / "lab"
# A chapter with figures and data, the training chapter (learning curves, cited numbers), and one
# exercise with its solution.
NOTEBOOKS = [
    "chapters/01_data.ipynb",
    "chapters/05_sgd.ipynb",
    "exercises/02_biases.ipynb",
    "solutions/02_biases.ipynb",
]
START_TIMEOUT = 120  # seconds for JupyterLab to answer
RUN_TIMEOUT = 900  # seconds for Run All of one notebook in quick mode
EVAL = re.compile(r"\{eval\}`([^`]*)`")
RAW_MYST = ["{glue", "{eval", "{numref", "```", ":::", "Unknown Directive"]
# Roles that jupyterlab-myst renders; any other shows its bare content (a glue key, for instance).
ROLES = {"eval", "doc", "ref", "math", "sub", "sup", "abbr", "kbd", "term", "cite"}
SETTINGS = {  # JupyterLab user settings, by plugin
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server of this environment, over a copy of the course, and a browser."""

    def __init__(self, tmp: Path) -> None:
        self.root = tmp / "course"  # a copy: running notebooks can never write into the clone
        for folder in ("chapters", "exercises", "solutions"):
            shutil.copytree(
                ROOT / folder,
                self.root / folder,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
            )
        for plugin, values in SETTINGS.items():
            path = tmp / "settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        self.token, self.port = secrets.token_hex(16), free_port()
        self.base = f"http://127.0.0.1:{self.port}/"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.log = SCREENSHOTS / "jupyterlab.log"
        env = dict(
            os.environ,
            NNSCRATCH_QUICK="1",
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
            JUPYTER_CONFIG_DIR=str(tmp / "config"),
            JUPYTER_DATA_DIR=str(tmp / "data"),
            JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        )
        env.pop("MPLBACKEND", None)
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--port-retries=0",
            "--allow-root",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--FileCheckpoints.root_dir={tmp / 'checkpoints'}",
            "--expose-app-in-browser",
        ]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=tmp,
                start_new_session=True,
            )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(
                    f"{self.base}api/status?token={self.token}", timeout=5
                ) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        state = (
            f"exited with status {self.process.returncode}"
            if self.process.poll() is not None
            else f"did not answer on {self.base} within {START_TIMEOUT} s"
        )
        tail = "\n".join(self.log.read_text(errors="replace").splitlines()[-20:])
        self.stop()
        pytest.fail(
            f"JupyterLab ({sys.executable} -m jupyterlab) {state}. Its log: {self.log}\n{tail}",
            pytrace=False,
        )

    def stop(self) -> None:
        """Stop the server (it shuts its kernels down); whatever is left of its group, by force."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory, chromium):
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None:
        skip_or_fail(
            f"JupyterLab is not installed beside {sys.executable}: "
            "`.venv/bin/pip install -r requirements.txt`"
        )
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    server = Lab(tmp_path_factory.mktemp("lab"))
    try:
        server.wait_until_up()
        server.context = chromium.new_context(viewport={"width": 1280, "height": 1000})
        try:
            yield server
        finally:
            server.context.close()
    finally:
        server.stop()


# JavaScript run in the page: the notebook panel of JupyterLab (exposed as window.jupyterapp).
READY = """(path) => {
    const panel = window.jupyterapp?.shell.currentWidget;
    const kernel = panel?.sessionContext?.session?.kernel;
    return panel?.context?.path === path && panel.context.isReady && kernel?.status === "idle";
}"""
RUN_ALL = """() => {
    window.__runAll = "running";
    jupyterapp.commands.execute("notebook:run-all-cells")
        .then(ok => { window.__runAll = ok ? "done" : "stopped"; },
              err => { window.__runAll = "failed: " + err; });
}"""
CELLS = """() => jupyterapp.shell.currentWidget.content.widgets.map(cell => {
    const rendered = cell.node.querySelector(".myst");
    return {
        json: cell.model.toJSON(),
        text: rendered ? rendered.innerText : null,
        unresolved: [...cell.node.querySelectorAll('[title="Cross Reference Not Found"]')]
            .map(e => e.innerText),
        images: [...cell.node.querySelectorAll(".jp-OutputArea-output img")]
            .map(img => img.complete ? img.naturalWidth : 0),
    };
})"""
EXPRESSIONS_DONE = """() => jupyterapp.shell.currentWidget.content.widgets.every(cell =>
    cell.model.type !== "markdown" || !/\\{eval\\}`/.test(cell.model.sharedModel.getSource())
    || (cell.model.getMetadata("user_expressions") || []).length > 0)"""


def run_all(lab: Lab, path: str) -> tuple[list[dict], list[Path]]:
    """Open ``path`` in JupyterLab, Run All; return what each cell shows, and the screenshots."""
    page = lab.context.new_page()
    try:
        page.goto(f"{lab.base}lab/tree/{path}?token={lab.token}", wait_until="load")
        page.wait_for_function(READY, arg=path, timeout=START_TIMEOUT * 1000)
        page.evaluate("() => jupyterapp.shell.collapseLeft()")  # the notebook gets the width
        page.evaluate(RUN_ALL)
        page.wait_for_function("() => window.__runAll !== 'running'", timeout=RUN_TIMEOUT * 1000)
        status = page.evaluate("() => window.__runAll")
        assert status in ("done", "stopped"), f"{path}: Run All {status}"
        page.wait_for_function(READY, arg=path, timeout=RUN_TIMEOUT * 1000)
        if status == "done":  # jupyterlab-myst evaluates {eval} after each markdown cell runs
            page.wait_for_function(EXPRESSIONS_DONE, timeout=60_000)
        page.wait_for_timeout(1000)  # let the last outputs and images render
        cells = page.evaluate(CELLS)
        shots = screenshots(page, path)
        page.evaluate("() => jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        return cells, shots
    finally:
        page.close()


def screenshots(page, path: str) -> list[Path]:
    """The notebook from top to bottom, one screenshot per screenful."""
    scroller = (
        "jupyterapp.shell.currentWidget.content.node.querySelector('.jp-WindowedPanel-outer')"
    )
    height, view = page.evaluate(f"() => [{scroller}.scrollHeight, {scroller}.clientHeight]")
    stem = path.removesuffix(".ipynb").replace("/", "_")
    shots = []
    for k in range(min(60, -(-height // max(view - 60, 1)))):
        page.evaluate(f"() => {{ {scroller}.scrollTop = {k * (view - 60)}; }}")
        page.wait_for_timeout(150)
        shot = SCREENSHOTS / f"{stem}_{k + 1:02d}.png"
        page.screenshot(path=str(shot))
        shots.append(shot)
    return shots


def rendered_markdown_problems(cells: list[dict]) -> list[str]:
    """Raw MyST in rendered markdown, and {eval} values that do not show."""
    problems = []
    for i, cell in enumerate(cells):
        if cell["json"]["cell_type"] != "markdown":
            continue
        if cell["text"] is None:
            problems.append(f"markdown cell {i} is not rendered by jupyterlab-myst")
            continue
        raw = [token for token in RAW_MYST if token in cell["text"]]
        if raw or cell["unresolved"]:
            problems.append(f"markdown cell {i} shows {raw + cell['unresolved']} unrendered")
        source = "".join(cell["json"]["source"])
        prose = re.sub(r"```.*?```", "", source, flags=re.S)  # directive fences are not roles
        unknown = sorted(set(re.findall(r"\{([\w:-]+)\}`", prose)) - ROLES)
        if unknown:
            problems.append(
                f"markdown cell {i} uses roles jupyterlab-myst does not render: {unknown}"
            )
        results = {
            e["expression"]: e["result"]
            for e in cell["json"]["metadata"].get("user_expressions", [])
        }
        for name in EVAL.findall(source):
            result = results.get(name, {})
            value = result.get("data", {}).get("text/plain", "")
            value = re.sub(r"^(['\"])(.*)\1$", r"\2", value)  # as jupyterlab-myst shows a str
            if result.get("status") != "ok" or not value or value not in cell["text"]:
                problems.append(
                    f"markdown cell {i}: {{eval}}`{name}` does not show its value "
                    f"({result.get('status', 'not evaluated')}: {value!r})"
                )
    return problems


def errors_of(cell: dict) -> list[dict]:
    return [o for o in cell["json"].get("outputs", []) if o["output_type"] == "error"]


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if not p.startswith("exercises/")])
def test_notebook_runs_in_jupyterlab_with_every_figure_and_number(lab, path):
    cells, shots = run_all(lab, path)
    problems = rendered_markdown_problems(cells)
    for i, cell in enumerate(cells):
        data = cell["json"]
        if data["cell_type"] != "code":
            continue
        if data.get("execution_count") is None:
            problems.append(f"code cell {i} did not run")
        for error in errors_of(cell):
            problems.append(f"code cell {i} shows an error: {error['ename']}: {error['evalue']}")
        if "figure" in data["metadata"].get("mystnb", {}):
            name = data["metadata"]["mystnb"]["figure"].get("name")
            if len(cell["images"]) != 1 or not all(cell["images"]):
                problems.append(
                    f"figure cell {i} ({name}) shows {len(cell['images'])} images "
                    f"(natural widths {cell['images']}), not its figure"
                )
    assert not problems, f"{path} in JupyterLab ({shots[0].parent}):\n" + "\n".join(problems)


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.startswith("exercises/")])
def test_exercise_stops_at_the_first_check_naming_the_unfinished_function(lab, path):
    cells, shots = run_all(lab, path)
    problems = rendered_markdown_problems(cells)
    code = [(i, c) for i, c in enumerate(cells) if c["json"]["cell_type"] == "code"]
    first_check = next(i for i, c in code if "check" in c["json"]["metadata"].get("tags", []))
    stubs = [
        re.search(r'raise NotImplementedError\("(\w+)\(\)', "".join(c["json"]["source"]))
        for i, c in code
        if i < first_check
    ]
    function = next(m.group(1) for m in stubs if m)
    for i, cell in code:
        errors = errors_of(cell)
        if i < first_check and errors:
            problems.append(f"code cell {i}, before the first check, fails: {errors[0]['ename']}")
        if i == first_check:
            shown = " ".join(f"{e['ename']}: {e['evalue']}" for e in errors)
            if function not in shown or "NotImplementedError" not in shown:
                problems.append(
                    f"the first check (cell {i}) shows {shown!r}, not the failure "
                    f"of the unfinished {function}()"
                )
        if i > first_check and cell["json"].get("execution_count") is not None:
            problems.append(f"code cell {i} ran after the failing check: Run All should stop")
    assert not problems, f"{path} in JupyterLab ({shots[0].parent}):\n" + "\n".join(problems)
