"""The exercises and their grading.

- The exercises are listed once, by the release's manifest: the solutions, the released notebooks,
  the table of contents and the modules of checks agree with it.
- The released exercises are up to date with the solutions (their single source), and hold stubs
  only.
- Graded by ``nnscratch.grade`` (quick mode): every solution passes every check, every released
  exercise fails every check, every plausible wrong answer in ``tests/wrong_answers/`` fails the
  check aimed at it, with the expected words, including attempts to fool the grader, and every
  right answer written differently in ``tests/right_answers/`` passes.

A grade draws its inputs from a seed. Here each notebook's seed comes from ``TEST_SEED`` and its
name, so that a run repeats the last; ``NNSCRATCH_TEST_SEED=<n>`` explores other inputs (a
failing report prints its notebook's seed: ``--seed`` repeats that grade).
"""

from __future__ import annotations

import copy
import csv
import os
import re
import subprocess
import sys
import uuid
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml

import nnscratch.grade
from nnscratch.grade import checks, gradebook, harness, release, restore, runner, stubs
from nnscratch.grade.capstone_judges import judge_best
from nnscratch.grade.report import Report, format_reports
from nnscratch.grade.settings import MAX_TEST_ERROR, MIN_ACCURACY, Settings

ROOT = Path(__file__).resolve().parents[1]
RELEASED = restore.released()  # the manifest written by the release: the one list of exercises
NAMES = list(RELEASED)
SOLUTIONS = [ROOT / "solutions" / f"{name}.ipynb" for name in NAMES]
EXERCISE_NBS = [ROOT / "exercises" / f"{name}.ipynb" for name in NAMES]
CASES = sorted((ROOT / "tests" / "wrong_answers").glob("*.py"))
RIGHT = sorted((ROOT / "tests" / "right_answers").glob("*.py"))  # the same format, must pass
TEST_SEED = int(os.environ.get("NNSCRATCH_TEST_SEED", "0"))


def seed_of(job: str) -> int:
    """The seed of a graded notebook's inputs: from ``TEST_SEED`` and the notebook's name."""
    return zlib.crc32(f"{TEST_SEED}:{job}".encode())


def test_the_exercises_are_listed_once():
    """The manifest lists the exercises; everything else that names them agrees with it."""
    assert NAMES, "the manifest lists no exercise"
    assert [p.stem for p in sorted((ROOT / "solutions").glob("*.ipynb"))] == NAMES
    assert [p.stem for p in sorted((ROOT / "exercises").glob("*.ipynb"))] == NAMES
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    parts = {part["caption"]: [c["file"] for c in part["chapters"]] for part in toc["parts"]}
    assert parts["Exercises"] == [f"exercises/{name}" for name in NAMES]
    assert parts["Solutions"] == [f"solutions/{name}" for name in NAMES]
    modules = sorted(p.stem for p in (ROOT / "nnscratch" / "grade" / "checks").glob("ex*.py"))
    assert modules == [f"ex{name}" for name in NAMES]  # one module of checks per exercise


@pytest.mark.parametrize("name", NAMES)
def test_each_check_is_declared_once(name):
    """The check ids of the manifest are those the exercise's module declares, in order."""
    released = [c["check"] for c in RELEASED[name]["cells"] if "check" in c]
    assert released == list(checks.declared(name))


def _declare(name: str, detail):
    """A check ``check_<name>`` whose judge returns ``detail(x)`` for the probe's x."""

    def check(x, given):
        return {"x": x}

    check.__name__ = f"check_{name}"
    return harness.probe(lambda rng: {}, lambda given, measured: detail(measured["x"]))(check)


def test_a_check_prints_its_pass_line_from_its_declaration(capsys):
    check_something = _declare("something", lambda x: f"x is {x}")
    assert check_something.check_id == "something"
    check_something(3)
    assert capsys.readouterr().out == "PASS something: x is 3\n"

    check_wordy = _declare("wordy", lambda x: " ".join(["a-long-detail"] * 12) + f" ({x})")
    check_wordy(4)
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 79 < len(out), out  # wrapped to 79
    assert nnscratch.grade.PASSED["wordy"] == " ".join(["a-long-detail"] * 12) + " (4)"

    with pytest.raises(TypeError, match="not a line"):
        _declare("forgetful", lambda x: None)(3)


# --------------------------------------------------------------------------------------------
# The release: exercises generated from the solutions
# --------------------------------------------------------------------------------------------


def test_release_is_up_to_date():
    out_of_date = release.stale(ROOT / "solutions", ROOT / "exercises")
    assert not out_of_date, "exercises/ is out of date with solutions/: run `make release`:\n" + (
        "\n".join(out_of_date)
    )


def test_release_check_fails_when_a_solution_changes(tmp_path):
    for path in SOLUTIONS:
        (tmp_path / path.name).write_text(path.read_text())
    nb = nbformat.read(tmp_path / "02_biases.ipynb", as_version=4)
    nb.cells[1].source += "\n\nOne more sentence."
    nbformat.write(nb, tmp_path / "02_biases.ipynb")
    command = [sys.executable, "-m", "nnscratch.grade.release", "--check"]
    run = subprocess.run(
        command + ["--solutions", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 1 and "02_biases.ipynb" in run.stderr and "make release" in run.stderr
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("name", NAMES)
def test_exercise_holds_stubs_not_solutions(name):
    solution = nbformat.read(ROOT / "solutions" / f"{name}.ipynb", as_version=4)
    exercise = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    text = "\n".join(c.source for c in exercise.cells)
    assert stubs.BEGIN not in text and stubs.END not in text and stubs.MD_BEGIN not in text
    regions = sum(c.source.count(stubs.BEGIN) for c in solution.cells if c.cell_type == "code")
    assert regions and text.count("raise NotImplementedError(") == regions
    code_lines = {
        line.strip()
        for c in exercise.cells
        if c.cell_type == "code"
        for line in c.source.split("\n")
    }
    for cell in solution.cells:  # no line written inside a solution region survives
        if cell.cell_type == "code" and stubs.BEGIN in cell.source:
            body = re.findall(
                re.escape(stubs.BEGIN) + r"(.*?)" + re.escape(stubs.END), cell.source, re.S
            )
            for line in "\n".join(body).split("\n"):
                if len(line.strip()) > 12:
                    assert line.strip() not in code_lines, (
                        f"{name}: solution line leaked into the exercise: {line.strip()}"
                    )
    ids = {c.id for c in exercise.cells}
    for cell in solution.cells:
        tags = cell.metadata.get("tags", [])
        assert (cell.id in ids) == ("solution-only" not in tags)
    how_to = next(c for c in exercise.cells if c.id == "how-to")
    assert (
        "tags" not in how_to.metadata
        and f".venv/bin/python -m nnscratch.grade exercises/{name}.ipynb" in how_to.source
    )
    assert f".venv/bin/pytest --nbval-lax exercises/{name}.ipynb" in how_to.source
    assert "quick mode" in how_to.source  # what the self-check runs in, from the root
    assert exercise.cells[1].source.startswith(f"# Exercise {int(name[:2])}:")
    assert solution.cells[1].source.startswith(f"# Solution {int(name[:2])}:")
    checks = [c for c in exercise.cells if "check" in c.metadata.get("tags", [])]
    assert len(checks) >= 3 and all(c.metadata["nnscratch"]["check"] for c in checks)
    for (
        cell
    ) in checks:  # check cells only call the package: no expected values stored in the notebook
        code = [line for line in cell.source.split("\n") if not line.startswith("#")]
        assert len(code) == 2 and code[0].startswith(
            f"from nnscratch.grade.checks.ex{name} import check_"
        )


@pytest.mark.parametrize("name", NAMES)
def test_exercise_opens_like_a_chapter(name):
    """Under its title, each solution and its exercise say what the learner will be able to do and
    how long it takes, in the chapters' form (the teacher's syllabus is generated from them)."""
    from test_notebooks import OPENING

    for folder in ("solutions", "exercises"):
        nb = nbformat.read(ROOT / folder / f"{name}.ipynb", as_version=4)
        first = nb.cells[1].source.split("\n", 1)[1].lstrip("\n")
        assert OPENING.match(first), (
            f"{folder}/{name}.ipynb: the title must be followed by '**You will be able to:** ...' "
            "and, on a line of its own, '**Time:** about N minutes.' (CONTRIBUTING.md, \"A "
            "chapter's opening\")"
        )


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_prose_is_written_not_chosen_by_code(path):
    """The solutions follow the chapters' rule (tests/test_prose.py): verdicts are written in the
    markdown and asserted, never chosen by code, and little code only builds strings for prose."""
    from test_prose import MAX_PROSE_SHARE, prose_code, words_chosen_by_code

    assert not words_chosen_by_code(path), words_chosen_by_code(path)
    prose, total, what = prose_code(path)
    assert prose <= MAX_PROSE_SHARE * total, "\n".join(what)


# The training checks' keys in settings.MIN_ACCURACY, in the order the exercise states them.
TRAINING_KEYS = {
    "01_relu": ["relu"],
    "02_biases": ["biases"],
    "03_layer_loops": ["loops_softmax", "loops", "loops_deep"],
    "04_minibatch": ["minibatch"],
    "05_optimizers": ["optimizers"],
    "06_regularization": ["regularization"],
    "07_capstone": ["capstone"],
}
PERCENT = r"(\d+(?:\.\d+)?)%"
STATED = re.compile(
    rf"at\s+least\s+{PERCENT}\s+in\s+a\s+full\s+grade,\s+{PERCENT}\s+in\s+a\s+quick\s+one"
)


def test_every_training_threshold_is_stated_by_its_exercise():
    keys = [key for listed in TRAINING_KEYS.values() for key in listed]
    assert sorted(keys) == sorted(MIN_ACCURACY), (
        "each key of settings.MIN_ACCURACY belongs to one exercise in TRAINING_KEYS, whose "
        "statement gives its thresholds"
    )


@pytest.mark.parametrize("name", NAMES)
def test_exercise_states_the_accuracy_its_training_check_needs(name):
    """The learner reads, where the training is described, the validation accuracy the training
    check needs in a full and in a quick grade: the numbers of settings.MIN_ACCURACY, typed once
    in the solution (exercises cite no computed number), kept equal by this test."""
    exercise = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    text = "\n".join(c.source for c in exercise.cells if c.cell_type == "markdown")
    stated = [(float(full), float(quick)) for full, quick in STATED.findall(text)]
    expected = [
        (round(MIN_ACCURACY[k]["full"] * 100, 6), round(MIN_ACCURACY[k]["quick"] * 100, 6))
        for k in TRAINING_KEYS[name]
    ]
    assert stated == expected, (
        f"{name}: the statement gives {stated} (full, quick), settings.MIN_ACCURACY "
        f"{dict(zip(TRAINING_KEYS[name], expected))}: write 'at least F% in a full grade, Q% in a "
        "quick one' for each training check, in the order of TRAINING_KEYS"
    )


# The test-error checks' keys in settings.MAX_TEST_ERROR, by exercise.
TEST_ERROR_KEYS = {"07_capstone": ["capstone"]}
STATED_AT_MOST = re.compile(
    rf"at\s+most\s+{PERCENT}\s+in\s+a\s+full\s+grade,\s+{PERCENT}\s+in\s+a\s+quick\s+one"
)


@pytest.mark.parametrize("name", NAMES)
def test_exercise_states_the_test_error_its_check_allows(name):
    """The capstone's statement gives the highest test error its check accepts, in a full and in
    a quick grade: the numbers of settings.MAX_TEST_ERROR."""
    assert sorted(k for keys in TEST_ERROR_KEYS.values() for k in keys) == sorted(MAX_TEST_ERROR)
    exercise = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    text = "\n".join(c.source for c in exercise.cells if c.cell_type == "markdown")
    stated = [(float(full), float(quick)) for full, quick in STATED_AT_MOST.findall(text)]
    expected = [
        (round(MAX_TEST_ERROR[k]["full"] * 100, 6), round(MAX_TEST_ERROR[k]["quick"] * 100, 6))
        for k in TEST_ERROR_KEYS.get(name, [])
    ]
    assert stated == expected, (
        f"{name}: the statement gives {stated} (full, quick), settings.MAX_TEST_ERROR "
        f"{expected}: write 'at most F% in a full grade, Q% in a quick one'"
    )


def test_a_misreported_test_error_is_named():
    """The capstone's test-error check names the mistake behind a reported number that is not the
    grader's (unit test: in a quick grade some of these land within one image of the right one)."""
    from nnscratch.grade.capstone_reference import misreported

    n, single, ensemble, mean = 10_000, 0.0147, 0.0132, 0.0148
    assert misreported("single_error", 0.0147, single, ensemble, n, mean) is None
    assert misreported("single_error", np.float32(0.0148), single, ensemble, n, mean) is None
    cases = {
        ("single_error", 0.0132): "that is the ensemble's",
        ("ensemble_error", 0.0147): "that is nets[0]'s alone",
        ("ensemble_error", 0.0148): "the mean of the networks' own errors",
        ("single_error", 0.9853): "that is an accuracy",
        ("ensemble_error", 1.32): "that is a percentage",
        ("single_error", 0.02): "measure nets[0] alone on data.test",
        ("single_error", "1.47%"): "should be a number",
        ("ensemble_error", None): "should be a number",
    }
    for (name, value), words in cases.items():
        true, other = (single, ensemble) if name == "single_error" else (ensemble, single)
        assert words in (misreported(name, value, true, other, n, mean) or ""), (name, value)


def test_stub_keeps_signature_and_docstring():
    source = (
        'def f(x):\n    """Doc."""\n    y = 1  # hint\n'
        "    ### BEGIN SOLUTION\n    return x + y\n    ### END SOLUTION"
    )
    stub = stubs.stub_code(source, "test")
    assert stub == (
        'def f(x):\n    """Doc."""\n    y = 1  # hint\n    # YOUR CODE HERE\n'
        '    raise NotImplementedError("f(): not written yet")'
    )
    with pytest.raises(release.ReleaseError, match="has no"):
        stubs.stub_code("### BEGIN SOLUTION\nx = 1", "test")
    with pytest.raises(release.ReleaseError, match="without"):
        stubs.stub_code("x = 1\n### END SOLUTION", "test")
    assert (
        stubs.stub_markdown("Q?\n<!-- BEGIN SOLUTION -->\nA.\n<!-- END SOLUTION -->", "t")
        == "Q?\n*Your answer here.*"
    )


def test_release_refuses_an_exercise_that_cites_computed_numbers(tmp_path):
    for text in ("Accuracy {eval}`relu_val`.", "Accuracy {glue:text}`relu_val`."):
        nb = nbformat.read(SOLUTIONS[0], as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell(text, id="bad"))
        with pytest.raises(release.ReleaseError, match="computed number"):
            release.make_exercise(nb, SOLUTIONS[0])


def _cell(nb, cell_id):
    return next(c for c in nb.cells if c.id == cell_id)


def test_release_takes_the_check_id_from_the_declaration():
    """A check cell names its check once, by calling it; the release refuses anything else."""
    nb = nbformat.read(SOLUTIONS[0], as_version=4)
    exercise = release.make_exercise(nb, SOLUTIONS[0])
    assert _cell(exercise, "check-relu-prime").metadata["nnscratch"] == {"check": "relu_prime"}
    cases = {
        "declares no check check_relu_twice": "from nnscratch.grade.checks.ex01_relu import "
        "check_relu_twice\ncheck_relu_twice(relu)",
        "imports one check from its exercise": "from nnscratch.grade.checks.ex02_biases import "
        "check_init_biases\ncheck_init_biases(relu)",
        "calls another function": "from nnscratch.grade.checks.ex01_relu import check_relu\n"
        "check_relu_prime(relu)",
        "called by a second check cell": "from nnscratch.grade.checks.ex01_relu import check_relu\n"
        "check_relu(relu)",
    }
    for message, source in cases.items():
        broken = copy.deepcopy(nb)
        _cell(broken, "check-relu-prime").source = source
        with pytest.raises(release.ReleaseError, match=message):
            release.make_exercise(broken, SOLUTIONS[0])
    broken = copy.deepcopy(nb)
    _cell(broken, "check-relu-prime").metadata["nnscratch"] = {"check": "relu_prime"}
    with pytest.raises(release.ReleaseError, match="remove metadata"):
        release.make_exercise(broken, SOLUTIONS[0])
    broken = copy.deepcopy(nb)
    broken.cells = [c for c in broken.cells if c.id != "check-relu-network"]
    with pytest.raises(release.ReleaseError, match="declares relu_network, but no check cell"):
        release.make_exercise(broken, SOLUTIONS[0])
    broken = copy.deepcopy(nb)
    _cell(broken, "check-relu-prime").metadata.pop("tags")
    with pytest.raises(release.ReleaseError, match="must be tagged 'check'"):
        release.make_exercise(broken, SOLUTIONS[0])


@pytest.mark.parametrize("name", NAMES)
def test_restore_puts_checks_back_in_place(name):
    """Deleting every check cell (and renewing the cell ids) gives back the released order."""
    exercise = nbformat.read(ROOT / "exercises" / f"{name}.ipynb", as_version=4)
    want = [c.id for c in exercise.cells]
    stripped = copy.deepcopy(exercise)
    stripped.cells = [c for c in stripped.cells if "check" not in c.metadata.get("tags", [])]
    restored, found = restore.restore_checks(stripped, name)
    assert [c.id for c in restored.cells] == want
    for cell in stripped.cells:
        cell.id = uuid.uuid4().hex[:8]
    restored, found = restore.restore_checks(stripped, name)
    order = [c.metadata.get("nnscratch", {}).get("check") or c.cell_type for c in restored.cells]
    assert order == [
        c.metadata.get("nnscratch", {}).get("check") or c.cell_type for c in exercise.cells
    ]
    assert [cid for _, cid in found] == [
        c["check"] for c in RELEASED[name]["cells"] if "check" in c
    ]


CAPSTONE = ROOT / "solutions" / "07_capstone.ipynb"


def _old_capstone() -> nbformat.NotebookNode:
    """The capstone as a notebook of its earlier release names it: id 06_capstone in its metadata,
    check cells that import the checks' module of that id (no longer there)."""
    nb = nbformat.read(ROOT / "exercises" / "07_capstone.ipynb", as_version=4)
    nb.metadata["nnscratch"]["exercise"] = "06_capstone"
    for cell in nb.cells:
        cell.source = cell.source.replace("ex07_capstone", "ex06_capstone")
    return nb


def test_an_old_exercise_id_names_the_exercise_it_became(tmp_path):
    """The capstone was 06_capstone until the regularization exercise came before it: a notebook
    that names the old id, in its metadata or its file name, is the capstone, 07_capstone; a name
    and metadata that name two different exercises are still refused."""
    assert restore.ALIASES == {"06_capstone": "07_capstone"}
    old, new = _old_capstone(), nbformat.read(CAPSTONE, as_version=4)
    bare = copy.deepcopy(old)
    bare.metadata.pop("nnscratch")
    for nb, name in (
        (old, "capstone.ipynb"),
        (old, "alice-06_capstone.ipynb"),
        (old, "alice-07_capstone.ipynb"),
        (bare, "alice-06_capstone.ipynb"),
        (new, "alice-06_capstone.ipynb"),
    ):
        assert restore.identify(nb, tmp_path / name) == "07_capstone", name
    with pytest.raises(restore.GradingError, match="file name names 01_relu"):
        restore.identify(old, tmp_path / "alice-01_relu.ipynb")
    with pytest.raises(restore.GradingError, match="metadata says it is exercise 01_relu"):
        relu = nbformat.read(SOLUTIONS[0], as_version=4)
        restore.identify(relu, tmp_path / "alice-06_capstone.ipynb")
    # A class's folder: the learner and the exercise of a loose file named with the old id.
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(bare, folder / "alice-06_capstone.ipynb")
    (found,), learners = gradebook.collect(folder)
    assert (found.learner, found.exercise, found.problem, learners) == (
        "alice",
        "07_capstone",
        None,
        ["alice"],
    )


def test_a_notebook_of_an_old_exercise_id_is_graded(tmp_path):
    """Graded for real (quick, one check): the old id and the old check cells become the
    capstone's current checks, restored in place."""
    path = tmp_path / "alice-06_capstone.ipynb"
    nb = _old_capstone()
    solved = nbformat.read(CAPSTONE, as_version=4)
    _cell(nb, "init-params").source = _cell(solved, "init-params").source
    nbformat.write(nb, path)
    quick = Settings(quick=True, cell_timeout=120, notebook_timeout=300)
    report = runner.grade_notebook(path, quick, only=["init_params"])
    assert report.error is None and report.exercise == "07_capstone", _table(report)
    assert [(r.check, r.passed) for r in report.results] == [("init_params", True)], _table(report)


def test_a_class_gradebook_takes_the_old_exercise_id(tmp_path):
    """``--csv --exercises 06_capstone`` makes the gradebook of the capstone under its new id: a
    notebook named by the old id is graded as 07_capstone, one refused (a symbolic link) is listed
    under 07_capstone too, and no row names the old id (quick, outside the sandbox, one cell)."""
    folder, out = tmp_path / "submissions", tmp_path / "grades.csv"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    nb.metadata["nnscratch"] = {"exercise": "06_capstone"}
    nbformat.write(nb, folder / "alice-06_capstone.ipynb")
    (folder / "bob-06_capstone.ipynb").symlink_to(folder / "alice-06_capstone.ipynb")
    command = [sys.executable, "-m", "nnscratch.grade", "--quick", "--no-sandbox"]
    command += ["--exercises", "06_capstone", "--csv", str(out), str(folder)]
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    with open(out, newline="") as f:
        rows = {(r["learner"], r["exercise"]): r for r in csv.DictReader(f)}
    assert sorted(rows) == [("alice", "07_capstone"), ("bob", "07_capstone")], rows
    assert rows[("alice", "07_capstone")]["problem"] == "", rows  # graded: its checks fail
    assert "symbolic link" in rows[("bob", "07_capstone")]["problem"], rows


# --------------------------------------------------------------------------------------------
# Grading: solutions, stubs, wrong answers (one pool of kernels for all of them)
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One file of tests/wrong_answers/: a notebook to derive, and what grading it must give."""

    path: Path
    exercise: str
    base: str = "solution"
    fails: list[str] = field(default_factory=list)
    passes: list[str] = field(default_factory=list)
    message: str | None = None
    cell_timeout: float = 120
    grade: str = "quick"
    problem: str | None = None
    edits: list[tuple[str, str, str]] = field(default_factory=list)  # (action, cell id, code)


def parse_case(path: Path) -> Case:
    header, edits, current = {}, [], None
    for line in path.read_text().split("\n"):
        if line.startswith("# %%"):
            action, _, cid = line[4:].strip().partition(" ")
            current = [action, cid.strip(), []]
            edits.append(current)
        elif current is not None:
            current[2].append(line)
        elif m := re.match(r"# ([a-z-]+): (.*)", line):
            header[m.group(1)] = m.group(2).strip()
    listed = lambda key: [s.strip() for s in header.get(key, "").split(",") if s.strip()]  # noqa: E731
    return Case(
        path,
        header["exercise"],
        header.get("base", "solution"),
        listed("fails"),
        listed("passes"),
        header.get("message"),
        float(header.get("cell-timeout", 120)),
        header.get("grade", "quick"),
        header.get("problem"),
        [(a, cid, "\n".join(code).strip("\n")) for a, cid, code in edits],
    )


def build_case(case: Case, folder: Path) -> Path:
    nb = nbformat.read(ROOT / f"{case.base}s" / f"{case.exercise}.ipynb", as_version=4)
    for action, cid, code in case.edits:
        index = next((i for i, c in enumerate(nb.cells) if c.id == cid), None) if cid else None
        if cid and index is None:
            raise AssertionError(
                f"{case.path.name}: no cell with id {cid!r} in the {case.base} notebook"
            )
        if action == "replace":
            nb.cells[index].source = code
        elif action == "insert-after":
            nb.cells.insert(index + 1, nbformat.v4.new_code_cell(code))
        elif action == "delete":
            del nb.cells[index]
        elif action == "new-ids":
            for cell in nb.cells:
                cell.id = uuid.uuid4().hex[:8]
        elif action == "drop-metadata":
            nb.metadata.pop("nnscratch")
        else:
            raise AssertionError(f"{case.path.name}: unknown edit {action!r}")
    path = folder / f"{case.path.stem}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    "best, words",
    [
        (1, ["counts the epochs from 0", "highest validation accuracy", "More than one"]),
        (2.0, ["as an int"]),
        (4, ["a later one of the tied epochs"]),
    ],
)
def test_a_best_epoch_message_names_every_mistake_that_fits(best, words):
    """With the grade's random data, two mistakes may give the same wrong epoch: both are named."""
    losses = np.array([2.356, 2.341, 2.345, 2.341])  # lowest at epochs 2 and 4 (from 1)
    accs = np.array([0.30, 0.20, 0.25, 0.10])  # highest at epoch 1
    judge_best(2, losses, accs, "choose_epochs")
    with pytest.raises(harness.CheckFailed) as failed:
        judge_best(best, losses, accs, "choose_epochs")
    for word in words:
        assert word in str(failed.value)


def test_steps_that_differ_from_the_graders_name_the_parameter():
    """A training check compares the learner's steps with the grader's, parameter by parameter."""
    from nnscratch.grade.fixtures import same_steps

    grader = {"W1": np.ones((3, 2), np.float32), "W2": np.zeros((2, 1), np.float32)}
    same_steps({k: v + 1e-7 for k, v in grader.items()}, grader, "12 steps")
    for wrong in (
        {"W1": grader["W1"]},
        {**grader, "W2": grader["W2"] + 1e-3},
        {**grader, "W2": grader["W2"].T},
    ):
        with pytest.raises(harness.CheckFailed, match="12 steps, do not give the grader's W2"):
            same_steps(wrong, grader, "12 steps")
    with pytest.raises(harness.CheckFailed, match="W1, SGD on the thinned networks: make"):
        same_steps({}, grader, "12 steps", ", SGD on the thinned networks")


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, Report]:
    """Every solution, released exercise and wrong answer, graded (quick unless a wrong answer
    asks for a full grade), three at a time."""
    folder = tmp_path_factory.mktemp("graded")
    jobs: dict[str, tuple[Path, dict]] = {}
    for kind, paths in (("solution", SOLUTIONS), ("exercise", EXERCISE_NBS)):
        for path in paths:
            target = folder / f"{kind}-{path.name}"
            target.write_text(path.read_text())
            job = f"{kind}:{path.stem}"
            quick = Settings(quick=True, cell_timeout=120, notebook_timeout=300, seed=seed_of(job))
            jobs[job] = (target, {"settings": quick})
    for kind, paths in (("case", CASES), ("right", RIGHT)):
        for path in paths:
            case = parse_case(path)
            named = case.fails + case.passes
            # A case runs only up to the checks it names (the training at the end is not
            # needed); a right answer that names none runs them all.
            only = None if "all" in named or not named else named
            job = f"{kind}:{path.stem}"
            settings = Settings(
                quick=case.grade == "quick",
                cell_timeout=case.cell_timeout,
                notebook_timeout=300,
                seed=seed_of(job),
            )
            jobs[job] = (
                build_case(case, folder),
                {"settings": settings, "only": only},
            )
    # The cases with short time limits (endless loops) first, so that they overlap with the others.
    # Three at a time on two cores: a kernel's start leaves the cores idle at times (measured on
    # 20 wrong answers, idle machine: 2 workers 18.5-19.9 s, 3 workers 16.2-17.1 s, 4 workers
    # 17.3-18.9 s).
    order = sorted(jobs, key=lambda k: jobs[k][1]["settings"].cell_timeout)
    with ProcessPoolExecutor(max_workers=3) as pool:
        return dict(zip(order, pool.map(runner._grade_kw, [jobs[k] for k in order])))


def _table(report: Report) -> str:
    return format_reports([report])


@pytest.mark.parametrize("name", NAMES)
def test_solution_passes_every_check(graded, name):
    report = graded[f"solution:{name}"]
    assert report.error is None, report.error
    assert [r.check for r in report.results] == [
        c["check"] for c in RELEASED[name]["cells"] if "check" in c
    ]
    assert report.ok, _table(report)


#: Checks that judge what a notebook's training left behind (the networks, their test errors): on a
#: stub they fail because the training cell before them failed, not with their own stub's error.
JUDGE_TRAINED_NETWORKS = ("training", "test_error")


@pytest.mark.parametrize("name", NAMES)
def test_released_exercise_fails_every_check(graded, name):
    report = graded[f"exercise:{name}"]
    assert report.error is None and report.results, report.error
    assert not any(r.passed for r in report.results), _table(report)
    for (
        result
    ) in report.results:  # each failure explains itself: the stub, not a crash of the grader
        if not result.check.endswith(JUDGE_TRAINED_NETWORKS):
            assert "raised NotImplementedError" in result.message, _table(report)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_wrong_answer_fails_the_check_aimed_at_it(graded, path):
    case = parse_case(path)
    report = graded[f"case:{path.stem}"]
    assert report.error is None, report.error
    results = {r.check: r for r in report.results}
    fails = list(results) if case.fails == ["all"] else case.fails
    passes = list(results) if case.passes == ["all"] else case.passes
    assert fails or passes, f"{path.name} expects nothing"
    for check in fails:
        assert check in results, f"{path.name}: no check {check!r} in {list(results)}"
        assert not results[check].passed, (
            f"{path.name}: check {check} passed but should fail\n{_table(report)}"
        )
    if case.message:  # the check the wrong answer aims at (the first listed) says what is wrong
        assert case.message in results[fails[0]].message, (
            f"{path.name}: the message of {fails[0]} lacks {case.message!r}\n{_table(report)}"
        )
    if case.problem:  # the run ended early, and the report says why
        assert report.problem and case.problem in report.problem, _table(report)
        assert case.problem in _table(report)
    for check in passes:
        assert results[check].passed, f"{path.name}: check {check} should pass\n{_table(report)}"


@pytest.mark.parametrize("path", RIGHT, ids=lambda p: p.stem)
def test_right_answer_written_differently_passes(graded, path):
    """A right answer written otherwise than the worked solution passes every check it reaches
    (every check of its exercise unless its header names some)."""
    case = parse_case(path)
    assert not case.fails, f"{path.name}: a right answer fails nothing"
    report = graded[f"right:{path.stem}"]
    assert report.error is None and report.problem is None, _table(report)
    results = {r.check: r for r in report.results}
    named = list(results) if case.passes in ([], ["all"]) else case.passes
    assert named and all(check in results for check in named), _table(report)
    assert all(r.passed for r in report.results), f"{path.name}\n{_table(report)}"


def test_every_check_has_a_wrong_answer_aimed_at_it():
    aimed = {
        (c.exercise, check)
        for c in map(parse_case, CASES)
        if not c.path.stem.startswith("tamper")
        for check in c.fails
    }
    for name, entry in RELEASED.items():
        for cell in entry["cells"]:
            if "check" in cell and not cell["check"].endswith("training"):
                assert (name, cell["check"]) in aimed, (
                    f"no wrong answer in tests/wrong_answers aims at {name}/{cell['check']}"
                )


# --------------------------------------------------------------------------------------------
# The command line and nbval
# --------------------------------------------------------------------------------------------


def test_grade_command_prints_a_table_and_exits_by_the_result(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnscratch.grade",
            "--quick",
            "--jobs",
            "2",
            "solutions/04_minibatch.ipynb",
            "exercises/04_minibatch.ipynb",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert re.search(r"exercise\s+check\s+result\s+message", run.stdout)
    assert "score 04_minibatch: 3/3 checks passed (100%)" in run.stdout
    assert "score 04_minibatch: 0/3 checks passed (0%)" in run.stdout
    assert "total: 3/6 checks passed (50%) in 2 notebooks" in run.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "nnscratch.grade", str(tmp_path / "nope.ipynb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "no such file" in missing.stdout
    other = tmp_path / "notes.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), other)
    unknown = subprocess.run(
        [sys.executable, "-m", "nnscratch.grade", str(other)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 2 and "cannot tell which exercise" in unknown.stdout


def test_nbval_runs_the_checks_of_an_exercise(nbval):
    """`pytest --nbval-lax exercises/NN.ipynb` grades too: on the stubs, every check cell fails."""
    run = nbval("exercises/01_relu.ipynb", cwd=ROOT)
    out = run.stdout[-3000:]
    assert run.returncode == 1, out
    assert run.stdout.count("CheckFailed") >= 4 and "NotImplementedError" in run.stdout, out
