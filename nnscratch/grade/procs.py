"""The processes of a grade, seen and ended from outside: Linux's ``/proc`` and ``prctl``.

The grader never trusts a notebook's processes to end themselves. It finds every process a
notebook started by walking the process tree from the notebook's worker (children that left their
session or process group are still children: the worker is a *subreaper*, so orphans are adopted
by it rather than by ``init``; and the grader is one too, for the orphans of a worker that died),
then stops them all with SIGSTOP (so that none can fork while the others are killed) and kills
them with SIGKILL, until none is left.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from dataclasses import dataclass

PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Proc:
    """One line of ``/proc/PID/stat``, the fields the grader uses."""

    pid: int
    state: str  # R running, S sleeping, T stopped, t traced, Z zombie, ...
    ppid: int
    pgrp: int
    session: int
    cpu_seconds: float  # user + system
    rss_bytes: int
    threads: int


def read(pid: int) -> Proc | None:
    """The process ``pid`` as ``/proc`` shows it, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # the command name is in parentheses and may itself hold spaces or parentheses
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return Proc(
            pid,
            fields[0],
            int(fields[1]),
            int(fields[2]),
            int(fields[3]),
            (int(fields[11]) + int(fields[12])) / TICKS,
            int(fields[21]) * PAGE,
            int(fields[17]),
        )
    except (IndexError, ValueError):
        return None


def table() -> dict[int, Proc]:
    """Every process this user may see."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (proc := read(int(name))) is not None:
            found[proc.pid] = proc
    return found


def descendants(roots: list[int], procs: dict[int, Proc] | None = None) -> list[int]:
    """The processes below ``roots`` in the process tree (not the roots themselves)."""
    procs = table() if procs is None else procs
    children: dict[int, list[int]] = {}
    for proc in procs.values():
        children.setdefault(proc.ppid, []).append(proc.pid)
    found, todo = [], list(roots)
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found and child not in roots:
                found.append(child)
                todo.append(child)
    return found


def children(pid: int, procs: dict[int, Proc] | None = None) -> list[int]:
    procs = table() if procs is None else procs
    return [p.pid for p in procs.values() if p.ppid == pid]


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree(roots: list[int], include_roots: bool = True, rounds: int = 50) -> None:
    """SIGKILL ``roots`` (if ``include_roots``) and every process below them, stopping them all
    first so that none can fork meanwhile; repeated until the tree is empty."""
    for _ in range(rounds):
        procs = table()
        found = descendants(roots, procs)
        if include_roots:
            found += [r for r in roots if r in procs and procs[r].state != "Z"]
        found = [p for p in found if procs[p].state != "Z"]
        if not found:
            return
        _signal_all(found, signal.SIGSTOP)
        _signal_all(found, signal.SIGKILL)
        time.sleep(0.02)


def reap(pid: int) -> None:
    """Collect the exit status of a child of this process that was killed (no zombie stays)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Make this process adopt its orphaned descendants (Linux 3.4+), so that none escapes."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent (thread) ends."""
    return _prctl(PR_SET_PDEATHSIG, int(sig))


class Child:
    """A forked child of this process, watched like a ``subprocess.Popen``: ``poll``, ``wait``,
    ``returncode`` (negative: killed by that signal)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float) -> int | None:
        end = time.monotonic() + timeout
        while self.poll() is None and time.monotonic() < end:
            time.sleep(0.02)
        return self.returncode
