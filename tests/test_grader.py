"""The grader's own machinery: the grade's settings, the contracts the harness enforces, which
exercise a notebook is, and the gradebook of a class.

(``tests/test_exercises.py`` grades the notebooks: solutions, stubs and wrong answers.)
"""

from __future__ import annotations

import copy
import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import nnscratch.grade
from nnscratch import fast
from nnscratch.grade import gradebook, harness, restore, runner, settings
from nnscratch.grade.contracts import forbidden, own, plain_state, unchanged
from nnscratch.grade.harness import CheckFailed
from nnscratch.grade.settings import Settings
from nnscratch.network import Network

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------
# The grade's settings are the grader's
# --------------------------------------------------------------------------------------------


def test_the_kernel_gets_the_grades_mode_and_one_blas_thread(monkeypatch):
    monkeypatch.setenv("NNSCRATCH_QUICK", "1")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    full = runner.kernel_env(Settings(quick=False))
    assert "NNSCRATCH_QUICK" not in full
    assert all(full[v] == "1" for v in runner.BLAS_THREADS)
    assert runner.kernel_env(Settings(quick=True))["NNSCRATCH_QUICK"] == "1"


def test_fixed_settings_ignore_the_environment(monkeypatch):
    monkeypatch.setenv("NNSCRATCH_QUICK", "1")
    try:
        settings.fix(Settings(quick=False).to_json())
        assert settings.current() == Settings(quick=False)
        assert settings.current().min_accuracy("relu") == settings.MIN_ACCURACY["relu"]["full"]
    finally:
        settings._fixed = None
    assert settings.current().quick and not settings.current().graded  # a self-check


def test_the_prologue_reloads_the_checks_and_fixes_the_settings():
    grade = Settings(quick=True, cell_timeout=12)
    text = restore.prologue("04_minibatch", grade)
    assert "nnscratch.grade.checks.ex04_minibatch" in text
    fixed = text.split(".fix(")[1].rsplit(")", 1)[0]
    assert Settings(**json.loads(eval(fixed))) == grade  # noqa: S307 (our own literal)


# --------------------------------------------------------------------------------------------
# The harness: contracts
# --------------------------------------------------------------------------------------------


def test_a_passing_check_records_its_detail_in_the_kernel(capsys):
    def judge(given, measured):
        if measured["x"] != 3:
            raise CheckFailed("no")
        return "x is 3"

    @harness.probe(lambda rng: {}, judge)
    def check_thing(x, given):
        return {"x": x}

    nnscratch.grade.PASSED.pop("thing", None)
    check_thing(3)
    assert nnscratch.grade.PASSED["thing"] == "x is 3"
    with pytest.raises(CheckFailed):
        check_thing(1)
    assert "thing" not in nnscratch.grade.PASSED  # a failed check leaves no pass behind


def test_jupyter_shows_a_failed_checks_message_without_the_harness_code(tmp_path):
    """In JupyterLab a failed check reads as its message, not as a traceback through the harness."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from nnscratch.grade.harness import probe, CheckFailed\n"
            "def judge(given, measured):\n"
            "    raise CheckFailed('W_1 has shape (64, 784), expected (128, 784)')\n"
            "@probe(lambda rng: {}, judge)\n"
            "def check_thing(given):\n"
            "    return {}\n"
            "check_thing()"
        )
    ]
    with pytest.raises(CellExecutionError):
        NotebookClient(nb, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    (error,) = [o for o in nb.cells[0].outputs if o.output_type == "error"]
    assert error.ename == "CheckFailed" and "expected (128, 784)" in error.evalue
    assert error.traceback == ["CheckFailed: W_1 has shape (64, 784), expected (128, 784)"], (
        error.traceback
    )


def test_forbidden_catches_every_way_to_the_function_and_puts_it_back():
    net = Network((4, 3, 2), dtype=np.float64)
    X, Y = np.random.default_rng(0).random((5, 4)), np.eye(2)[[0, 1, 0, 1, 1]]
    code, step = Network.backward.__code__, fast.sgd_batch_step
    sgd_batch_step = fast.sgd_batch_step  # imported before, like `from ... import ...`

    class Sub(Network):
        def backward(self, activations, zs, Y):
            return super().backward(activations, zs, Y)

    sub = Sub((4, 3, 2), dtype=np.float64)
    banned = [(Network, "backward", "Network.backward"), (fast, "sgd_batch_step", "the step")]
    ways = [
        lambda: net.backward(*net.forward(X), Y),
        lambda: Network.backward(net, *net.forward(X), Y),
        lambda: sub.backward(*sub.forward(X), Y),
        lambda: sgd_batch_step(net, X, Y, 0.1),
    ]
    for way in ways:
        with pytest.raises(CheckFailed, match="learner called"):
            with forbidden("learner", banned, "write it"):
                way()
    assert Network.backward.__code__ is code and fast.sgd_batch_step is step
    assert net.backward(*net.forward(X), Y)["W1"].shape == (3, 4)


def test_forbidden_catches_torch_optimizers():
    torch = pytest.importorskip("torch")
    from nnscratch.grade.fixtures import library_optimizers

    p = torch.nn.Parameter(torch.zeros(3))
    made = torch.optim.RMSprop([p])
    for way in (lambda: torch.optim.Adam([p]), lambda: made.step()):
        with pytest.raises(CheckFailed, match="called torch.optim"):
            with forbidden("rule", library_optimizers(), "no"):
                way()
    p.grad = torch.ones(3)
    made.step()  # put back
    assert float(p.detach()[0]) < 0


def test_unchanged_names_the_input_that_changed():
    z, keep = np.arange(4.0), {"a": np.ones(2)}
    with unchanged("f(z)", z=z, keep=keep):
        pass
    with pytest.raises(CheckFailed, match="f\\(z\\) changed `z`"):
        with unchanged("f(z)", z=z, keep=keep):
            z[0] = 9
    with pytest.raises(CheckFailed, match="changed `keep`"):
        with unchanged("f", keep=keep):
            keep["a"] += 1


def test_state_holds_numbers_only_and_functions_are_the_learners():
    plain_state({"m": np.zeros(2), "t": 3, "pair": (1.0, np.ones(1))}, "rule")
    plain_state(None, "rule")
    with pytest.raises(CheckFailed, match="holding a builtins.object"):
        plain_state({"m": object()}, "rule")
    with pytest.raises(CheckFailed, match="not your own function"):
        own(fast.sgd_step, "relu", "write it")
    own(lambda z: z, "relu", "write it")


# --------------------------------------------------------------------------------------------
# Which exercise a notebook is
# --------------------------------------------------------------------------------------------


def _notebook(exercise: str | None) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    if exercise:
        nb.metadata["nnscratch"] = {"exercise": exercise}
    return nb


def test_identify_says_what_is_wrong_with_a_name():
    assert restore.identify(_notebook("01_relu"), Path("anything.ipynb")) == "01_relu"
    assert restore.identify(_notebook(None), Path("alice-02_biases.ipynb")) == "02_biases"
    with pytest.raises(restore.GradingError, match="metadata says it is exercise 01_relu, but"):
        restore.identify(_notebook("01_relu"), Path("alice-02_biases.ipynb"))
    with pytest.raises(restore.GradingError, match="names 2 exercises \\(01_relu, 02_biases\\)"):
        restore.identify(_notebook(None), Path("01_relu-and-02_biases.ipynb"))
    with pytest.raises(restore.GradingError, match="its metadata names no exercise"):
        restore.identify(_notebook(None), Path("notes.ipynb"))


def test_a_learner_is_named_by_folder_or_file():
    assert gradebook.learner_of(Path("alice-02_biases.ipynb")) == "alice"
    assert gradebook.learner_of(Path("bob_smith-01_relu.ipynb")) == "bob_smith"
    assert gradebook.learner_of(Path("carol-notes.ipynb")) == "carol"


# --------------------------------------------------------------------------------------------
# The gradebook of a class
# --------------------------------------------------------------------------------------------


def _submissions(folder: Path) -> None:
    """A class: a learner's folder and loose files; a solution, stubs, a broken file, a foreign
    notebook, a notebook handed in under another exercise's name, missing exercises."""
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / "biases.ipynb").write_text((ROOT / "solutions/02_biases.ipynb").read_text())
    (folder / "alice" / "my_relu.ipynb").write_text((ROOT / "exercises/01_relu.ipynb").read_text())
    (folder / "bob-01_relu.ipynb").write_text('{"cells": [')  # cut off: not JSON
    (folder / "bob-02_biases.ipynb").write_text((ROOT / "exercises/02_biases.ipynb").read_text())
    nbformat.write(nbformat.v4.new_notebook(), folder / "carol-notes.ipynb")
    other = copy.deepcopy(nbformat.read(ROOT / "exercises/01_relu.ipynb", as_version=4))
    nbformat.write(other, folder / "dave-02_biases.ipynb")


def test_gradebook_grades_a_class_into_one_row_per_learner_and_exercise(tmp_path):
    folder = tmp_path / "submissions"
    _submissions(folder)
    out = tmp_path / "grades.csv"
    command = [sys.executable, "-m", "nnscratch.grade", "--quick", "--jobs", "2"]
    command += ["--exercises", "01_relu,02_biases", "--csv", str(out), str(folder)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == gradebook.COLUMNS
    got = {(r["learner"], r["exercise"]): r for r in rows}
    assert sorted(got) == [
        ("alice", "01_relu"),
        ("alice", "02_biases"),
        ("bob", "01_relu"),
        ("bob", "02_biases"),
        ("carol", "01_relu"),
        ("carol", "02_biases"),
        ("carol", "?"),
        ("dave", "01_relu"),
        ("dave", "02_biases"),
    ], run.stdout
    assert got[("alice", "02_biases")]["score"] == "1.00", got[("alice", "02_biases")]
    relu = got[("alice", "01_relu")]
    assert (relu["passed"], relu["total"], relu["problem"]) == ("0", "4", "")
    assert relu["failed checks"] == "relu relu_prime relu_network relu_training"
    assert "not a readable Jupyter notebook" in got[("bob", "01_relu")]["problem"]
    assert got[("bob", "02_biases")]["passed"] == "0"
    assert "cannot tell which exercise" in got[("carol", "?")]["problem"]
    assert got[("carol", "01_relu")]["problem"] == "missing"
    assert "metadata says it is exercise 01_relu" in got[("dave", "02_biases")]["problem"]
    assert got[("dave", "01_relu")]["problem"] == "missing"
    assert f"wrote {out}" in run.stdout


def test_a_failed_check_leads_with_the_error_of_a_cell_before_it():
    reply = {"ename": "CheckFailed", "evalue": "net reaches a validation accuracy of 0.0900"}
    before = "cell 10 (`data = mnist_splits()`) raised TypeError: sgd() got an unexpected keyword"
    message = runner.failed_check_message(reply, "biases_training", before, before)
    assert message.startswith(before) and message.endswith(reply["evalue"])
    assert runner.failed_check_message(reply, "biases_training", before, None) == reply["evalue"]
    missing = {"ename": "NameError", "evalue": "name 'net' is not defined"}
    message = runner.failed_check_message(missing, "biases_training", before, before)
    assert message.count(before) == 1
