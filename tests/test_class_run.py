"""A class run that no submission can stop or corrupt (issue 20).

One class folder holds an honest solution and one hostile case of each kind; graded once with
``--jobs 2 --csv`` (quick mode, outside the sandbox, so that these defenses are shown to hold on
their own), it must finish, write a fresh gradebook with a ``problem`` for each hostile case, leave
no process of a notebook alive and print no escape code. The hostile notebooks are tiny (one cell,
no training): the grader puts the exercise's check cells back, and they fail at once.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from nnscratch.grade import gradebook, procs, safefiles
from nnscratch.grade.safetext import csv_cell, shown

ROOT = Path(__file__).resolve().parents[1]
MARK = f"nnscratch-test-{uuid.uuid4().hex[:8]}"  # in the command line of every process left behind
NAMES = ["=1+1", "+1+1", "-1+1", "@SUM(1+1)", '=HYPERLINK("x.invalid","y")']
#: Shell code for a process that sleeps with the mark as its name (its whole command line).
SLEEP = f"exec -a {MARK} sleep"
#: These tests grade outside the sandbox: the defenses of this issue hold on their own.
OUTSIDE = ["--no-sandbox"]
FORGED = "eve\x1b[2J\x1b[H\nmallory        01_relu              4 of 4  \u202egnp.evil"


def tiny(path: Path, code: str, exercise: str = "01_relu") -> Path:
    """A notebook of ``exercise`` holding one cell; the grader adds the check cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["nnscratch"] = {"exercise": exercise}
    nb.cells = [nbformat.v4.new_code_cell(code)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def survivors() -> list[int]:
    """Processes whose command line holds this test run's mark."""
    found = []
    for pid in procs.table():
        try:
            if MARK.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def grade(*args: str, **kw) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "nnscratch.grade", "--quick", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, **kw)


def rows_of(path: Path) -> dict[tuple[str, str], dict]:
    with open(path, newline="") as f:
        return {(r["learner"], r["exercise"]): r for r in csv.DictReader(f)}


# --------------------------------------------------------------------------------------------
# Without kernels: files, text, processes
# --------------------------------------------------------------------------------------------


def test_terminal_text_shows_escapes_not_control_characters():
    assert shown("a\x1b[2Jb\nc\rd\te\x07") == "a\\x1b[2Jb\\nc\\rd\\te\\x07"
    assert shown("x\u202ey\u2066z\u200b\u2028") == "x\\u202ey\\u2066z\\u200b\\u2028"
    assert shown("ordinary, accentué: 4/4") == "ordinary, accentué: 4/4"


def test_csv_cells_never_start_a_formula():
    for name in NAMES + ["\t=1+1", "\r=1+1"]:
        cell = csv_cell(name)
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("alice") == "alice" and csv_cell(3) == "3"


def test_only_regular_files_are_read(tmp_path):
    canary = tmp_path / "teacher.txt"
    canary.write_text(f"{MARK}-SECRET first line\n")
    (tmp_path / "ok.ipynb").write_text("{}")
    os.mkfifo(tmp_path / "fifo.ipynb")
    os.symlink(canary, tmp_path / "link.ipynb")
    os.symlink("/dev/zero", tmp_path / "zero.ipynb")
    (tmp_path / "big.ipynb").write_bytes(b" " * (2 * 2**20))
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock.ipynb"))
        kinds = {
            p.name: why for p, why in safefiles.notebooks_below(tmp_path) if p.suffix == ".ipynb"
        }
    assert kinds["ok.ipynb"] is None
    assert kinds["fifo.ipynb"].startswith("a FIFO")
    assert kinds["link.ipynb"].startswith("a symbolic link")
    assert kinds["zero.ipynb"].startswith("a symbolic link")
    assert kinds["sock.ipynb"].startswith("a socket")
    assert safefiles.refusal(tmp_path / "big.ipynb", cap=2**20).startswith("2.0 MB, larger")
    with pytest.raises(safefiles.Refused, match="symbolic link") as refused:
        safefiles.read_bytes(tmp_path / "link.ipynb")
    assert "SECRET" not in str(refused.value)
    assert safefiles.read_bytes(tmp_path / "ok.ipynb") == b"{}"


def test_the_gradebook_is_written_whole_and_an_old_one_set_aside(tmp_path):
    out = tmp_path / "grades.csv"
    out.write_text("learner,score\nalice,1.00\n")
    assert gradebook.set_aside(out) == tmp_path / "grades.previous.csv" and not out.exists()
    row = dict.fromkeys(gradebook.COLUMNS, "x") | {"learner": "=1+1", "problem": "a\nb"}
    gradebook.write_csv([row], out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv", "grades.previous.csv"]
    text = out.read_text()
    assert '"\'=1+1"' in text and "a\\nb" in text and text.count("\n") == 2


def test_kill_tree_ends_processes_that_left_their_session(tmp_path):
    script = (
        "import os, subprocess, time\n"
        f"subprocess.Popen(['bash', '-c', '{SLEEP} 300'], start_new_session=True)\n"
        f"subprocess.Popen(['bash', '-c', '(setsid bash -c \"{SLEEP} 301\" &); {SLEEP} 302'])\n"
        "time.sleep(300)\n"
    )
    procs.become_subreaper()
    parent = subprocess.Popen([sys.executable, "-c", script, MARK], start_new_session=True)
    deadline = time.monotonic() + 30
    while len(survivors()) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(survivors()) >= 4, survivors()
    procs.kill_tree([parent.pid])
    parent.wait(timeout=10)
    for pid in procs.children(os.getpid()):  # orphans adopted by this (subreaper) process
        procs.kill_tree([pid])
        procs.reap(pid)
    assert survivors() == []


# --------------------------------------------------------------------------------------------
# A class run with one hostile case of each kind
# --------------------------------------------------------------------------------------------


def hostile_class(folder: Path, out: Path, teacher: Path) -> None:
    """The class: see the module's docstring. ``out`` is the gradebook, ``teacher`` a folder of
    the teacher's that must stay unread."""
    (folder / "honest-01_relu.ipynb").write_text((ROOT / "solutions/01_relu.ipynb").read_text())
    tiny(
        folder / "killer-01_relu.ipynb", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"
    )
    tiny(
        folder / "stopper-01_relu.ipynb", "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)"
    )
    tiny(
        folder / "group-01_relu.ipynb",
        "import os, signal\nos.killpg(os.getpgid(os.getppid()), signal.SIGKILL)\n"
        "os.killpg(os.getsid(os.getppid()), signal.SIGKILL)",
    )
    tiny(
        folder / "leaver-01_relu.ipynb",
        "import subprocess\n"
        "for i in range(20):\n"
        f"    subprocess.Popen(['bash', '-c', '{SLEEP} 600'], start_new_session=True)\n"
        f"subprocess.Popen(['bash', '-c', '(setsid bash -c \"{SLEEP} 601\" &); {SLEEP} 602'])\n"
        'late = \'sleep 4; echo learner,score > "$0"; echo mallory,1.00 >> "$0"\'\n'
        f"subprocess.Popen(['bash', '-c', late, {str(out)!r}, '{MARK}'], start_new_session=True)",
    )
    tiny(
        folder / "escaper-01_relu.ipynb",
        "import os, sys\nprint('\\x1b[2J\\x1b[31mred')\nsys.stderr.write('\\x1b]0;title\\x07')\n"
        "os.system(\"printf '\\\\033[2Jfrom the shell'\")\n"
        "raise ValueError('\\x1b[2J\\nmallory 01_relu 4/4')",
    )
    canary = teacher / "secret.txt"
    canary.write_text(f"{MARK}-CANARY the teacher's first line\n")
    os.mkfifo(folder / "fifo-01_relu.ipynb")
    os.symlink("/dev/zero", folder / "zero-01_relu.ipynb")
    os.symlink(ROOT / "solutions/01_relu.ipynb", folder / "cheat-01_relu.ipynb")
    os.symlink(canary, folder / "peek-01_relu.ipynb")
    (folder / "big-01_relu.ipynb").write_bytes(b" " * (2 * 2**20))  # over --max-size 1
    elsewhere = teacher / "elsewhere"
    (elsewhere).mkdir()
    (elsewhere / "01_relu.ipynb").write_text((ROOT / "solutions/01_relu.ipynb").read_text())
    os.symlink(elsewhere, folder / "linked")
    for name in NAMES + [FORGED]:
        (folder / name).mkdir()  # an empty learner folder: rows "missing", named as the folder


def test_a_hostile_class_cannot_stop_or_corrupt_the_run(tmp_path):
    folder, teacher, out = tmp_path / "submissions", tmp_path / "teacher", tmp_path / "grades.csv"
    folder.mkdir()
    teacher.mkdir()
    hostile_class(folder, out, teacher)
    out.write_text("learner,score\nstale,1.00\n")
    run = grade(
        *OUTSIDE, "--jobs", "2", "--max-size", "1", "--exercises", "01_relu",
        "--csv", str(out), str(folder),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    time.sleep(5)  # the leaver's late writer would have overwritten the gradebook by now
    assert survivors() == [], "processes of a notebook outlived its grade"
    assert (tmp_path / "grades.previous.csv").read_text() == "learner,score\nstale,1.00\n"
    rows = rows_of(out)
    problem = {learner: rows[(learner, "01_relu")]["problem"] for learner, _ in rows}
    assert rows[("honest", "01_relu")]["score"] == "1.00", run.stdout
    assert "killed by signal 9" in problem["killer"], problem
    assert "was stopped" in problem["stopper"], problem
    assert "killed by signal 9" in problem["group"], problem
    for name, kind in [("fifo", "a FIFO"), ("zero", "a symbolic link"), ("cheat", "a symbolic")]:
        assert kind in problem[name] and rows[(name, "01_relu")]["score"] == "0.00", problem
    assert "a symbolic link" in problem["peek"] and "larger than" in problem["big"], problem
    assert "a symbolic link" in rows[("linked", "?")]["problem"], rows
    assert ("linked", "01_relu") in rows and rows[("linked", "01_relu")]["problem"] == "missing"
    everything = out.read_text() + run.stdout + run.stderr
    assert "CANARY" not in everything
    for name in NAMES:
        assert rows[("'" + name, "01_relu")]["problem"] == "missing", rows
    assert rows[(shown(FORGED), "01_relu")]["problem"] == "missing"
    assert "\x1b" not in everything and "\u202e" not in everything and "\r" not in run.stdout
    assert "mallory" not in [line.split()[0] for line in run.stdout.splitlines() if line.strip()]
    assert "checks passed" in run.stderr and "[6/6]" in run.stderr, run.stderr  # the progress


def test_the_kernels_parent_is_a_worker_not_the_grader(tmp_path):
    seen = tmp_path / "seen.json"
    code = (
        "import json, os\n"
        "p = os.getppid()\n"
        "stat = open(f'/proc/{p}/stat').read().rsplit(')', 1)[1].split()\n"
        f"json.dump({{'parent': p, 'grandparent': int(stat[1]), 'sid': os.getsid(p)}}, "
        f"open({str(seen)!r}, 'w'))"
    )
    notebook = tiny(tmp_path / "01_relu.ipynb", code)
    grader = subprocess.Popen(
        [sys.executable, "-m", "nnscratch.grade", "--quick", *OUTSIDE, str(notebook)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = grader.communicate(timeout=600)
    facts = json.loads(seen.read_text())
    assert facts["parent"] != grader.pid and facts["grandparent"] == grader.pid, (facts, err)
    assert facts["sid"] == facts["parent"] != os.getsid(0)  # its own session, not the grader's


@pytest.mark.parametrize("where", ["outside", "sandbox"])
def test_ctrl_c_leaves_no_process_and_says_what_was_not_graded(tmp_path, where):
    if where == "sandbox" and shutil.which("bwrap") is None:
        pytest.skip("no bubblewrap (tests/test_sandbox.py says why)")
    folder, out = tmp_path / "submissions", tmp_path / "grades.csv"
    sleeper = (
        "import subprocess, time\n"
        f"subprocess.Popen(['bash', '-c', '{SLEEP} 600'], start_new_session=True)\n"
        "time.sleep(600)"
    )
    for learner in ("ann", "ben", "cat"):
        tiny(folder / f"{learner}-01_relu.ipynb", sleeper)
    out.write_text("learner,score\nstale,1.00\n")
    command = [sys.executable, "-m", "nnscratch.grade", "--quick", "--jobs", "2"]
    command += [*(OUTSIDE if where == "outside" else []), "--exercises", "01_relu"]
    command += ["--csv", str(out), str(folder)]
    assert survivors() == [], "an earlier test left processes behind"
    grader = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C in a teacher's terminal: a test run started in the background by a shell
        # without job control ignores SIGINT, and the grader would inherit that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while len(survivors()) < 2 and time.monotonic() < deadline:  # both sleepers started
        time.sleep(0.2)
    if len(survivors()) < 2:
        grader.terminate()
        _, stderr = grader.communicate(timeout=60)
        pytest.fail(f"the two notebooks did not start their sleepers within 300 s:\n{stderr}")
    placeholder = rows_of(out)
    assert all("not graded yet" in r["problem"] for r in placeholder.values()), placeholder
    grader.send_signal(signal.SIGINT)
    try:
        stdout, stderr = grader.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        grader.terminate()  # SIGTERM: the grader ends its workers, so no test inherits them
        stdout, stderr = grader.communicate(timeout=60)
        pytest.fail(f"the grader did not stop within 120 s of its Ctrl-C:\n{stderr}")
    assert grader.returncode == 130, stdout + stderr
    assert survivors() == []
    rows = rows_of(out)
    assert "interrupted (Ctrl-C) while it ran" in rows[("ann", "01_relu")]["problem"], rows
    assert "interrupted (Ctrl-C) before its turn" in rows[("cat", "01_relu")]["problem"], rows
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert "not graded" in stderr and "\x1b" not in stdout + stderr


def test_progress_names_the_cell_and_the_time_never_the_output():
    import io

    from nnscratch.grade.report import Progress, Report

    stream = io.StringIO()
    progress = Progress(2, stream, every=0)
    progress.started(Path("sub/eve\x1b[2J.ipynb"), "01_relu")
    progress.running(Path("sub/eve\x1b[2J.ipynb"), {"cell": 3, "of": 12, "check": "relu"}, 42.4)
    progress.finished(Report("sub/eve\x1b[2J.ipynb", "01_relu", seconds=50))
    text = stream.getvalue()
    assert "cell 3 of 12 (check relu), 42 s" in text and "[1/2]" in text, text
    assert "\x1b" not in text
