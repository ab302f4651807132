"""A grade no submission can forge (issue 23): the verdict is decided outside the learner's kernel.

Seven ways of forging a grade from inside the kernel, each a few lines added to the unsolved
exercise 1, and a notebook that answers from a table prepared with the repository's seed:

- each forgery fools the check cells *in its own kernel* (every check cell runs without an error
  and ``nnscratch.grade.PASSED`` holds every check: what a grader reading the kernel would trust),
  so the test shows it is a real one;
- graded by ``python -m nnscratch.grade`` (in the sandbox, as a teacher runs it), each scores zero,
  alone in a full grade and together in a quick class run (the gradebook);
- the prepared answers pass the self-check (the repository's seed) and score zero in a grade (the
  grade's own seed).

The forgery that runs the solution's code is delegation to a correct implementation: the kernel
cannot be stopped from it, and it fails only because the sandbox hides ``solutions/``.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISE = "01_relu"
CHECKS = ["relu", "relu_prime", "relu_network", "relu_training"]

# A fake check, for the forgeries that replace the checks: it records a pass and prints its line,
# and offers a probe that returns nothing, in case a grader asks it.
FAKE = """
def _fake(cid):
    def run(*args, **kwargs):
        import nnscratch.grade as g
        g.PASSED[cid] = "ok"
        print(f"PASS {cid}: ok")
    run.check_id, run.probe = cid, lambda *args: {}
    run.inputs, run.judge = (lambda rng: {}), (lambda given, measured: "ok")
    return run
"""

FORGERIES = {
    # 1. An IPython input transformer rewrites every check cell before it runs.
    "input_transformer": """
import re
def _forge(lines):
    ids = re.findall(r"check_(\\w+)\\(|serve_probe\\('\\w+', '(\\w+)'", "".join(lines))
    if not ids:
        return lines
    cid = [a or b for a, b in ids][-1]
    return [f"import nnscratch.grade as g; g.PASSED[{cid!r}] = 'ok'; print('PASS {cid}: ok')\\n"]
get_ipython().input_transformers_post.append(_forge)
""",
    # 2. importlib.reload replaced: the grader's reload keeps the patched checks.
    "reload": FAKE
    + """
import importlib
import nnscratch.grade.checks.ex01_relu as _m
def _patch(m):
    for name in list(vars(m)):
        if name.startswith("check_"):
            setattr(m, name, _fake(name[6:]))
    return m
_reload = importlib.reload
importlib.reload = lambda m: _patch(_reload(m)) if "checks.ex" in m.__name__ else _reload(m)
_patch(_m)
""",
    # 3. An import hook on sys.meta_path serves a fake module of checks.
    "meta_path": FAKE
    + """
import importlib.abc, importlib.util, sys
class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.startswith("nnscratch.grade.checks.ex"):
            return importlib.util.spec_from_loader(name, self)
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        def __getattr__(name):
            if name.startswith("check_"):
                return _fake(name[6:])
            raise AttributeError(name)
        module.__getattr__ = __getattr__
sys.modules.pop("nnscratch.grade.checks.ex01_relu", None)
sys.meta_path.insert(0, _Finder())
""",
    # 4. A builtins.__import__ hook hands out fake checks.
    "builtins_import": FAKE
    + """
import builtins, types
_import = builtins.__import__
def _hook(name, globals=None, locals=None, fromlist=(), level=0):
    if name.startswith("nnscratch.grade.checks.ex") and fromlist:
        fake = types.ModuleType(name)
        for n in fromlist:
            setattr(fake, n, _fake(n[6:]))
        return fake
    return _import(name, globals, locals, fromlist, level)
builtins.__import__ = _hook
""",
    # 5. functools.wraps patched: the check decorator wraps a fake.
    "functools_wraps": FAKE
    + """
import functools, importlib
import nnscratch.grade.harness, nnscratch.grade.checks.ex01_relu
_wraps = functools.wraps
def _forged(fn, *args, **kwargs):
    if getattr(fn, "__name__", "").startswith("check_"):
        return lambda run: _fake(fn.__name__[6:])
    return _wraps(fn, *args, **kwargs)
functools.wraps = _forged
importlib.reload(nnscratch.grade.harness)
importlib.reload(nnscratch.grade.checks.ex01_relu)
""",
    # 6. PASSED answers "ok" to everything, and every check cell is wrapped in try/except.
    "passed_always": """
import nnscratch.grade as _g
class _Yes(dict):
    def get(self, key, default=None):
        return "ok"
    def __getitem__(self, key):
        return "ok"
_g.PASSED = _Yes()
def _quiet(lines):
    source = "".join(lines)
    if "check_" not in source and "serve_probe" not in source:
        return lines
    body = "".join("    " + line + "\\n" for line in source.splitlines())
    return ["try:\\n", body, "except BaseException:\\n", "    pass\\n"]
get_ipython().input_transformers_post.append(_quiet)
""",
}
# 7. The solution's code, found next to the package, run in place of the stubs.
SOLUTION_CODE = """
import json, pathlib, nnscratch
def _solution(cell_id):
    path = pathlib.Path(nnscratch.__file__).resolve().parents[1] / "solutions" / "01_relu.ipynb"
    cells = json.loads(path.read_text())["cells"]
    return next("".join(c["source"]) for c in cells if c.get("id") == cell_id)
"""
STUBS = ["relu", "relu-prime", "relu-network"]  # the cells the learner writes


def forged_notebook(name: str) -> nbformat.NotebookNode:
    """The released exercise 1 with forgery ``name`` added after its imports."""
    nb = nbformat.read(ROOT / "exercises" / f"{EXERCISE}.ipynb", as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.id == "imports") + 1
    if name == "solution_code":
        nb.cells.insert(at, nbformat.v4.new_code_cell(SOLUTION_CODE))
        for cell in nb.cells:
            if cell.id in STUBS:
                cell.source = f"exec(_solution({cell.id!r}))"
    else:
        nb.cells.insert(at, nbformat.v4.new_code_cell(FORGERIES[name]))
    return nb


# --------------------------------------------------------------------------------------------
# The prepared answers: a table computed with the repository's seed (the self-check's)
# --------------------------------------------------------------------------------------------


def _table() -> dict[str, np.ndarray]:
    """Right answers to the self-check's inputs of relu, relu_prime and relu_network, keyed by the
    bytes of each input (what a learner could prepare with a correct solution elsewhere)."""
    from nnscratch.grade.checks import ex01_relu as m
    from nnscratch.grade.harness import inputs_rng

    table = {}
    for cid, f in [("relu", lambda z: np.maximum(z, 0)), ("relu_prime", lambda z: z > 0)]:
        for z in getattr(m, f"check_{cid}").inputs(inputs_rng(cid, None))["z"]:
            table[f"{cid}:{z.tobytes().hex()}"] = np.asarray(f(z)).astype(z.dtype)
    for case in m.check_relu_network.inputs(inputs_rng("relu_network", None))["cases"]:
        ref = m.reference(case["params"])
        for X in (case["X"], case["X"] * case["scale"], case["X"][0]):
            acts, zs = ref.forward(X)
            for l, (a, z) in enumerate(zip(acts[1:], zs)):
                table[f"A{l}:{X.tobytes().hex()}"], table[f"Z{l}:{X.tobytes().hex()}"] = a, z
        acts, zs = ref.forward(case["X"])
        for l, D in enumerate(ref.deltas(acts, zs, case["Y"])):
            table[f"D{l}:{case['X'].tobytes().hex()}"] = D
    return table


PREPARED = """
import base64, io
import numpy as np
from nnscratch.network import Network
_npz = np.load(io.BytesIO(base64.b64decode("{blob}")))
TABLE = {{key: _npz[key] for key in _npz.files}}


def relu(z):
    return TABLE.get("relu:" + z.tobytes().hex(), np.zeros_like(z)).copy()


def relu_prime(z):
    return TABLE.get("relu_prime:" + z.tobytes().hex(), np.zeros_like(z)).copy()


class ReLUNetwork(Network):
    def forward(self, X):
        key = X.tobytes().hex()
        L = self.num_layers
        zs = [TABLE[f"Z{{l}}:{{key}}"].copy() for l in range(L)]
        return [X] + [TABLE[f"A{{l}}:{{key}}"].copy() for l in range(L)], zs

    def deltas(self, activations, zs, Y):
        key = activations[0].tobytes().hex()
        return [TABLE[f"D{{l}}:{{key}}"].copy() for l in range(self.num_layers)]
"""


def prepared_code() -> str:
    buffer = io.BytesIO()
    np.savez(buffer, **_table())
    return PREPARED.format(blob=base64.b64encode(buffer.getvalue()).decode())


def prepared_notebook() -> nbformat.NotebookNode:
    """Exercise 1 whose functions answer from the table (placed after the stubs, before the
    checks that use them: a cell after each stub cell)."""
    nb = nbformat.read(ROOT / "exercises" / f"{EXERCISE}.ipynb", as_version=4)
    code = prepared_code()
    for cell in nb.cells:
        if cell.id in STUBS:
            cell.source = code
    return nb


def test_the_prepared_answers_pass_the_self_check():
    """The table is right for the repository's seed: the self-check (in this process, as in
    JupyterLab) passes relu, relu_prime and relu_network on it."""
    from nnscratch.grade.checks import ex01_relu as m

    space: dict = {}
    exec(prepared_code(), space)  # noqa: S102 (the test's own code)
    m.check_relu(space["relu"])
    m.check_relu_prime(space["relu_prime"])
    m.check_relu_network(space["ReLUNetwork"])


# --------------------------------------------------------------------------------------------
# Each forgery fools its own kernel
# --------------------------------------------------------------------------------------------

REPORT_PASSED = (
    "import json, nnscratch.grade as g\n"
    f"print('FORGED', json.dumps({{c: g.PASSED.get(c) for c in {CHECKS!r}}}))"
)


def _self_check(nb: nbformat.NotebookNode, cwd: Path) -> tuple[list[str], dict]:
    """Run ``nb`` in a plain kernel, as a learner or nbval does: the errors of its check cells,
    and what ``PASSED`` holds at the end."""
    from nbclient import NotebookClient

    nb.cells.append(nbformat.v4.new_code_cell(REPORT_PASSED))
    resources = {"metadata": {"path": str(cwd)}}
    client = NotebookClient(nb, timeout=120, allow_errors=True, resources=resources)
    client.execute()
    errors = [
        f"{c.id}: {o.get('ename')}"
        for c in nb.cells
        if "check" in c.metadata.get("tags", [])
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    return errors, json.loads(printed.split("FORGED", 1)[1])


@pytest.mark.parametrize("name", [None, *FORGERIES, "solution_code"])
def test_each_forgery_fools_its_own_kernel(name, tmp_path, monkeypatch):
    """... and the unsolved exercise alone (None) does not: its check cells fail."""
    monkeypatch.setenv("NNSCRATCH_QUICK", "1")
    nb = nbformat.read(ROOT / "exercises" / f"{EXERCISE}.ipynb", as_version=4)
    errors, passed = _self_check(forged_notebook(name) if name else nb, tmp_path)
    fooled = not errors and all(passed[c] for c in CHECKS)
    assert fooled == (name is not None), (errors, passed)


# --------------------------------------------------------------------------------------------
# ... and scores zero in a grade
# --------------------------------------------------------------------------------------------

NAMES = [*FORGERIES, "solution_code", "prepared_answers"]


def _write_all(folder: Path) -> list[Path]:
    paths = []
    for name in NAMES:
        nb = prepared_notebook() if name == "prepared_answers" else forged_notebook(name)
        path = folder / name / f"{name}-{EXERCISE}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def _grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nnscratch.grade", "--jobs", "2", *args],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )


def test_every_forgery_scores_zero_alone_in_a_full_grade(tmp_path):
    paths = _write_all(tmp_path / "in")
    run = _grade("--json", str(tmp_path / "out.json"), *map(str, paths))
    reports = json.loads((tmp_path / "out.json").read_text())
    assert [Path(r["path"]).parent.name for r in reports] == NAMES, run.stderr
    for report in reports:
        assert report["mode"] == "full" and not report["error"], report
        assert [r["check"] for r in report["results"]] == CHECKS
        assert not any(r["passed"] for r in report["results"]), report
        assert isinstance(report["seed"], int)


def test_every_forgery_scores_zero_in_a_quick_class_run(tmp_path):
    _write_all(tmp_path / "class")
    book = tmp_path / "gradebook.csv"
    run = _grade("--quick", "--csv", str(book), str(tmp_path / "class"))
    rows = [r for r in csv.DictReader(book.open()) if r["exercise"] == EXERCISE]
    assert sorted(r["learner"] for r in rows) == sorted(NAMES), run.stderr
    for row in rows:
        assert row["passed"] == "0" and not row["problem"], row
        assert row["total"] == str(len(CHECKS)) and row["seed"].isdigit(), row
