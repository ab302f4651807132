"""A sandbox per graded notebook: the kernel runs inside bubblewrap (``bwrap``), Linux only.

This module decides what every sandbox of a run shows and allows (:func:`plan`, checked by a
trial run); :mod:`.sandbox_kernel` starts one kernel in it and names the limit it hit.

What the notebook's kernel sees and may do:

- **files**: read-only, exactly what it needs: the system's programs and libraries (``/usr`` and
  the links to it), the Python installation and the environment (a virtual environment inside the
  repository is bound alone, over an empty repository folder), the course package (an editable
  install maps to ``<repo>/nnscratch``) and MNIST (found by the grader, bound at ``/data``).
  Nothing else of the teacher's exists there: not the home folder, the repository's
  ``solutions/``, other submissions, the gradebook, the grader's job folders. Writable: its
  working folder ``/grade`` (a scratch copy of the notebook, and a fresh ``HOME`` with fresh
  IPython, Jupyter and matplotlib folders; matplotlib's font list is prepared once per run) and a
  private ``/tmp``, both memory-backed and of bounded size;
- **processes**: its own process namespace (it sees only its own processes, and can signal no
  other), its own IPC and host-name namespaces, a new session (no terminal), no new privileges;
  an unprivileged user inside (uid 65534) in a user namespace of its own;
- **network**: none (a network namespace with no interface but a loopback of its own). The grader
  talks to the kernel over Jupyter's ``ipc`` transport: Unix sockets that the kernel creates in its
  private ``/tmp``, reached from outside through ``/proc/PID/root``;
- **environment**: only the grade's (``--clearenv``): no variable of the teacher's reaches it;
- **limits** (:class:`Limits`, options of ``python -m nnscratch.grade``): memory, processes,
  file size and disk, CPU time, output. A notebook that hits one fails its remaining checks with
  a ``problem`` naming the limit.

Modes, by who runs the grader:

- a user (not root): the sandbox's user namespace maps uid 65534 inside to that user;
- root, when every path the sandbox needs is readable by ``nobody``: bubblewrap itself runs as
  ``nobody`` (uid 65534), so the notebook is ``nobody`` outside the sandbox too;
- root otherwise (e.g. a Python installed under ``/root``, which ``nobody`` cannot enter):
  bubblewrap runs as root and maps uid 65534 inside to root outside, without any capability.
  Linux does not apply ``RLIMIT_NPROC`` to root's processes, so there the grader counts the
  sandbox's processes and threads itself (:mod:`.supervisor`) and ends it at the limit.

Pitfalls designed for: ZMQ over TCP does not cross a network namespace (hence ``ipc``; socket
paths stay under 107 bytes); bubblewrap does not forward SIGINT (the kernel is interrupted by a
message, ``interrupt_mode = "message"``, and stopped by killing the sandbox, whose process
namespace ends with it); ``--die-with-parent`` follows the thread that started bubblewrap (the
worker starts it from its main thread).
"""

from __future__ import annotations

import atexit
import multiprocessing.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

NOBODY = 65534
SCRATCH = "/grade"  # the notebook's working folder inside
HOME = f"{SCRATCH}/home"
IPC = "/tmp/.kernel/k"  # the kernel's sockets: /tmp/.kernel/k-1, k-2, ...
CONNECTION = "/run/kernel.json"
DATA, CACHE = "/data", "/cache"
GiB, MiB = 2**30, 2**20
INSTALL = (
    "Install bubblewrap: Debian, Ubuntu: `sudo apt-get install bubblewrap`; Fedora: `sudo dnf "
    "install bubblewrap`; Arch: `sudo pacman -S bubblewrap`. On macOS or Windows, grade in a "
    "Linux virtual machine (e.g. WSL 2, UTM, VirtualBox)."
)
USERNS = (
    "bubblewrap needs unprivileged user namespaces: on Debian `sudo sysctl -w "
    "kernel.unprivileged_userns_clone=1`; on Ubuntu 23.10 and later, allow bwrap in AppArmor "
    "(`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or a profile for "
    "/usr/bin/bwrap); in a container, run the container with user namespaces allowed (Docker: "
    "`--security-opt seccomp=unconfined --security-opt apparmor=unconfined`), or grade outside it."
)
RISK = (
    "--no-sandbox runs every notebook with your own rights: it can read, change or delete your "
    "files (other submissions, the solutions, the gradebook), use the network and stop the grader"
)


@dataclass(frozen=True)
class Limits:
    """What one graded notebook may use. The defaults leave a wide margin over what the worked
    solutions use in a full grade (measured in the sandbox; README, "Grading in a sandbox"):
    at most 1.2 GB of data in the kernel and 1.0 GB of memory in all, 17 processes and threads,
    88 s of CPU, 0.14 MB of files."""

    memory: int = 4 * GiB  # bytes: each process's data (RLIMIT_DATA), and all of them together
    processes: int = 256  # processes and threads inside the sandbox (RLIMIT_NPROC)
    file_size: int = 64 * MiB  # the largest file it may write (RLIMIT_FSIZE)
    disk: int = 256 * MiB  # the size of its working folder, and of its /tmp (memory-backed)
    cpu: int = 1800  # CPU seconds of each process (RLIMIT_CPU: SIGXCPU, SIGKILL 5 s later)

    def rlimits(self) -> dict[str, int]:
        return {
            "RLIMIT_DATA": self.memory,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_FSIZE": self.file_size,
            "RLIMIT_CPU": self.cpu,
            "RLIMIT_CORE": 0,
        }


class Unavailable(RuntimeError):
    """The sandbox cannot run here; the message says why and how to fix it."""


def _inside(path: Path, roots) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _system() -> list[str]:
    """bwrap options for the system: /usr, the top-level links or folders of libraries and
    programs, the few files of /etc that programs read, fresh /proc and /dev."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives"):
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args + ["--proc", "/proc", "--dev", "/dev"]


def needed(hide: list[Path] = ()) -> list[Path]:
    """The folders the kernel reads besides the system's: the Python installation, the
    environment and the package; and folders that ``.pth`` files put on ``sys.path`` (other
    editable installs), unless they hold something hidden (the repository, the teacher's home or
    current folder, submissions, the gradebook)."""
    import nnscratch

    package = Path(nnscratch.__file__).resolve().parent
    prefixes = {Path(p).resolve() for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    paths = prefixes | {package, Path(os.path.realpath(sys.executable)).parent}
    private = [Path(p).resolve() for p in (*hide, package.parent, Path.home(), os.getcwd())]
    for entry in sys.path[1:]:  # sys.path[0] is the grader's own folder or script's
        p = Path(entry).resolve() if entry else None
        if p and p.is_dir() and not any(p == h or p in h.parents for h in private):
            paths.add(p)
    paths = {p for p in paths if not _inside(p, [Path("/usr")])}
    return sorted(p for p in paths if not any(q in p.parents for q in paths))


def data_folders() -> dict[str, Path]:
    """Where the grader finds MNIST: ``{"/data/mnist": ..., "/cache": ...}`` for what exists.
    Files found in neither are downloaded first (by the grader: the kernel has no network)."""
    from nnscratch import data

    found = {}
    given = data.data_dir()
    missing = [s for pair in data.FILES.values() for s in pair]
    if given is not None and given.is_dir():
        found[f"{DATA}/mnist"] = given.resolve()
        missing = [s for s in missing if not (given / s.name).is_file()]
    if missing:
        for spec in missing:
            try:
                data.load_file(spec)  # into the cache (verified), or MNISTError
            except data.MNISTError:
                pass
        if data.cache_dir().is_dir():
            found[CACHE] = data.cache_dir().resolve()
    return found


def _mounts(hide: list[Path], data: dict[str, Path]) -> list[str]:
    """The read-only view: the system, what the kernel needs, the data; and every folder in
    ``hide`` (repository, home, submissions, gradebook) covered by an empty folder wherever a
    bound tree holds it, with only the needed parts bound again on top."""
    args = _system()
    wanted = needed(hide)
    bound = [Path("/usr"), *wanted]
    for path in wanted:
        args += ["--ro-bind", str(path), str(path)]
    for path in sorted({p.resolve() for p in hide}):
        if any(b in path.parents or b == path for b in bound):
            args += ["--tmpfs", str(path), "--remount-ro", str(path)]
            for again in wanted:
                if path in again.parents:
                    args += ["--ro-bind", str(again), str(again)]
    for inside, outside in data.items():
        args += ["--ro-bind", str(outside), inside]
    return args


def _base(hide: list[Path], data: dict[str, Path]) -> list[str]:
    args = [shutil.which("bwrap") or "bwrap", "--unshare-all", "--unshare-user", "--disable-userns"]
    args += ["--die-with-parent", "--new-session", "--uid", str(NOBODY), "--gid", str(NOBODY)]
    return args + ["--hostname", "sandbox", *_mounts(hide, data), "--clearenv"]


def _run(args: list[str], command: list[str], user: int | None, timeout: float = 120):
    kw = {"user": user, "group": user, "extra_groups": []} if user is not None else {}
    try:
        return subprocess.run(
            args + ["--", *command], capture_output=True, text=True, timeout=timeout, cwd="/", **kw
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return subprocess.CompletedProcess(args, 1, "", str(exc))


def plan(hide: list[Path], limits: Limits | None = None) -> dict:
    """Check that the sandbox works here (a trial run, not only that bwrap is installed), prepare
    what every kernel shares (matplotlib's font list), and return the plan the workers follow.
    Raises :class:`Unavailable` saying why and how to fix it."""
    if not sys.platform.startswith("linux"):
        raise Unavailable(f"the sandbox needs Linux (this is {sys.platform}). {INSTALL}")
    if shutil.which("bwrap") is None:
        raise Unavailable(f"bubblewrap (bwrap) is not installed. {INSTALL}")
    data = data_folders()
    root = os.geteuid() == 0
    tries = [(NOBODY, "nobody"), (None, "root-mapped")] if root else [(None, "user")]
    args, failures = _base(hide, data), []
    for user, mode in tries:  # noqa: B007 (the mode that worked is the plan's)
        probe = _run(args, [sys.executable, "-S", "-c", "print('nnscratch-sandbox-ok')"], user)
        if probe.returncode == 0 and "nnscratch-sandbox-ok" in probe.stdout:
            break
        failures.append((probe.stderr.strip().splitlines() or [f"status {probe.returncode}"])[-1])
    else:
        said = "; ".join(failures)[:300]
        raise Unavailable(f"bubblewrap is installed but its trial run failed ({said}). {USERNS}")
    shared = Path(tempfile.mkdtemp(prefix="nnscratch-sandbox-"))
    # removed when this process ends (a forked worker ends with os._exit, so not by it; a
    # process of a multiprocessing pool does too, hence its own finalizer)
    atexit.register(shutil.rmtree, shared, True)
    multiprocessing.util.Finalize(None, shutil.rmtree, args=(shared, True), exitpriority=1)
    fonts = _fonts(args, user, shared)
    return {
        "args": args,
        "user": user,
        "mode": mode,
        "fonts": str(fonts) if fonts else None,
        "shared": str(shared),
        "limits": asdict(limits or Limits()),
        "python": sys.executable,
        "data": sorted(data),
    }


def _fonts(args: list[str], user: int | None, shared: Path) -> Path | None:
    """matplotlib's font list, built once in a sandbox (so it lists the fonts a kernel sees)."""
    folder = shared / "matplotlib"
    folder.mkdir()
    if user is not None:
        os.chmod(shared, 0o711)
        os.chown(folder, user, user)
    command = [sys.executable, "-c", "import matplotlib.font_manager"]
    env = ["--setenv", "MPLCONFIGDIR", "/mpl", "--setenv", "HOME", "/tmp"]
    _run(args + ["--tmpfs", "/tmp", "--bind", str(folder), "/mpl", *env], command, user)
    return next(iter(sorted(folder.glob("fontlist-*.json"))), None)


def describe(plan_: dict) -> str:
    """One line for the teacher: how notebooks are isolated in this run."""
    who = {
        "user": "uid 65534 inside, your user outside",
        "nobody": "uid 65534 (nobody) inside and outside",
        "root-mapped": "uid 65534 inside, root without capabilities outside",
    }[plan_["mode"]]
    limits = Limits(**plan_["limits"])
    return (
        f"sandbox: bubblewrap, {who}; no network; limits: {limits.memory / GiB:.1f} GiB memory, "
        f"{limits.processes} processes, {limits.disk / MiB:.0f} MB disk, "
        f"{limits.cpu} s CPU"
    )


def exercises_folder() -> Path:
    """The repository's own ``exercises/`` folder (the released stubs a learner works in)."""
    import nnscratch

    return Path(nnscratch.__file__).resolve().parents[1] / "exercises"


def in_exercises(path: Path) -> bool:
    """True for a notebook directly in the repository's ``exercises/`` folder (not a link)."""
    return not path.is_symlink() and path.resolve().parent == exercises_folder()


def refusal(why: str) -> str:
    """The report of a notebook that is not graded because the sandbox cannot run."""
    return (
        f"not graded: the sandbox cannot run here ({why}). A notebook outside the course's own "
        f"exercises/ folder is graded only in the sandbox, or, knowing the risk, with "
        f"--no-sandbox: {RISK}."
    )


_plans: dict[tuple, dict] = {}


def cached_plan(hide: list[Path], limits: Limits | None = None) -> dict:
    """:func:`plan`, once per process for the same folders to hide and limits (its font list
    and trial run are shared)."""
    key = (tuple(sorted(str(Path(p).resolve()) for p in hide)), limits)
    if key not in _plans:
        _plans[key] = plan(hide, limits)
    return _plans[key]


def private_folders(*more: Path | str | None) -> list[Path]:
    """What a sandbox must never show, wherever a bound tree would hold it: the repository, the
    teacher's home and current folder, and ``more`` (submissions, the gradebook's folder)."""
    import nnscratch

    repo = Path(nnscratch.__file__).resolve().parents[1]
    found = [repo, Path.home(), Path.cwd()]
    return found + [Path(p).resolve() for p in more if p is not None]
