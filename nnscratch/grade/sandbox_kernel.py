"""A kernel in the sandbox: its bwrap command line, its kernel manager, and the limit it hit.

:mod:`.sandbox` decides what every sandbox of a run shows and allows (the plan); this module
starts one kernel in it (:class:`Sandbox`, used by the worker) and names the limit a notebook ran
into from its error or from how its kernel ended (:meth:`Sandbox.limit_hit`).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path

from nnscratch.grade.sandbox import (
    CACHE,
    CONNECTION,
    DATA,
    HOME,
    IPC,
    NOBODY,
    SCRATCH,
    GiB,
    Limits,
    MiB,
)
from nnscratch.grade.settings import Settings

# In the sandbox, before the kernel: set the limits, then become the kernel (one exec, no shell).
# CPU time: SIGXCPU at the limit, SIGKILL 5 s later (for a notebook that ignores SIGXCPU).
LAUNCH = (
    "import json, os, resource, sys\n"
    "for name, value in json.loads(sys.argv[1]).items():\n"
    "    hard = value + 5 if name == 'RLIMIT_CPU' else value\n"
    "    resource.setrlimit(getattr(resource, name), (value, hard))\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)


class Sandbox:
    """One kernel's sandbox: the bwrap command and the kernel manager that starts it."""

    def __init__(self, plan_: dict, job_dir: Path, settings: Settings) -> None:
        self.plan, self.job_dir, self.settings = plan_, job_dir, settings
        self.limits = Limits(**plan_["limits"])
        self.status_fd: int | None = None
        self.status = ""

    def environment(self) -> dict[str, str]:
        """The kernel's whole environment: the grade's settings and fresh folders, nothing of
        the teacher's."""
        from nnscratch.config import QUICK_ENV

        venv_bin = str(Path(self.plan["python"]).parent)
        env = {
            "HOME": HOME,
            "USER": "learner",
            "LOGNAME": "learner",
            "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": "/tmp",
            "IPYTHONDIR": f"{HOME}/.ipython",
            "JUPYTER_CONFIG_DIR": f"{HOME}/.jupyter",
            "JUPYTER_DATA_DIR": f"{HOME}/.local/share/jupyter",
            "JUPYTER_RUNTIME_DIR": "/tmp/.kernel",
            "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
            "XDG_CACHE_HOME": f"{HOME}/.cache",
            "XDG_CONFIG_HOME": f"{HOME}/.config",
            "PYTHONNOUSERSITE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "TF_ENABLE_ONEDNN_OPTS": "0",
        }
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(self.settings.threads)
        if self.settings.quick:
            env[QUICK_ENV] = "1"
        if f"{DATA}/mnist" in self.plan["data"]:
            env["NNSCRATCH_DATA"] = DATA
        env["NNSCRATCH_CACHE"] = CACHE if CACHE in self.plan["data"] else f"{HOME}/.cache/mnist"
        return env

    def _data_fd(self, name: str, text: str | bytes) -> int:
        path = self.job_dir / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return os.open(path, os.O_RDONLY)

    def command(self, connection: dict, notebook: Path) -> tuple[list[str], list[int]]:
        """The bwrap command line of the kernel, and the descriptors it reads at start."""
        limits = self.limits
        fds = {
            "connection": self._data_fd("inside.json", json.dumps(connection)),
            "passwd": self._data_fd(
                "passwd",
                f"root:x:0:0:root:/root:/bin/sh\nlearner:x:{NOBODY}:{NOBODY}::{HOME}:/bin/sh\n",
            ),
            "group": self._data_fd("group", f"root:x:0:\nlearner:x:{NOBODY}:\n"),
            "hosts": self._data_fd("hosts", "127.0.0.1 localhost\n::1 localhost\n"),
            "notebook": os.open(notebook, os.O_RDONLY),
        }
        info_r, info_w = os.pipe()
        status_r, status_w = os.pipe()
        self.info_fd, self.status_fd = info_r, status_r
        args = list(self.plan["args"])
        for var, value in self.environment().items():
            args += ["--setenv", var, value]
        args += ["--ro-bind-data", str(fds["passwd"]), "/etc/passwd"]
        args += ["--ro-bind-data", str(fds["group"]), "/etc/group"]
        args += ["--ro-bind-data", str(fds["hosts"]), "/etc/hosts"]
        args += ["--ro-bind-data", str(fds["connection"]), CONNECTION]
        args += ["--size", str(limits.disk), "--perms", "0700", "--tmpfs", "/tmp"]
        args += ["--dir", os.path.dirname(IPC)]
        args += ["--size", str(limits.disk), "--perms", "0700", "--tmpfs", SCRATCH]
        for folder in (".ipython", ".jupyter", ".config/matplotlib", ".cache"):
            args += ["--dir", f"{HOME}/{folder}"]
        args += ["--file", str(fds["notebook"]), f"{SCRATCH}/{notebook.name}"]
        if self.plan.get("fonts"):
            fonts = Path(self.plan["fonts"])
            fds["fonts"] = os.open(fonts, os.O_RDONLY)
            args += ["--file", str(fds["fonts"]), f"{HOME}/.config/matplotlib/{fonts.name}"]
        args += ["--remount-ro", "/", "--chdir", SCRATCH]
        args += ["--info-fd", str(info_w), "--json-status-fd", str(status_w)]
        python = self.plan["python"]
        kernel = [python, "-m", "ipykernel_launcher", "-f", CONNECTION]
        launch = [python, "-S", "-c", LAUNCH, json.dumps(limits.rlimits()), *kernel]
        self._close_after = [*fds.values(), info_w, status_w]
        return args + ["--", *launch], [*fds.values(), info_w, status_w]

    def started(self) -> int:
        """After bwrap started: close the descriptors it inherited; the pid (outside) of the
        sandbox's first process, whose /proc root is the sandbox's file system."""
        for fd in self._close_after:
            os.close(fd)
        text, deadline, pid = b"", time.monotonic() + 60, None
        while time.monotonic() < deadline:  # bwrap may write its JSON in several pieces
            ready, _, _ = select.select([self.info_fd], [], [], deadline - time.monotonic())
            chunk = os.read(self.info_fd, 65536) if ready else b""
            text += chunk
            try:
                pid = int(json.loads(text)["child-pid"])
                break
            except (ValueError, KeyError):
                if not chunk:
                    pid = None
                    break
        os.close(self.info_fd)
        if pid is None:
            log = (self.job_dir / "bwrap.log").read_text(errors="replace")[-300:]
            raise RuntimeError(f"the sandbox did not start: {log.strip() or 'no word from bwrap'}")
        return pid

    def read_status(self) -> None:
        """What bwrap said about the kernel's end (its exit code), read without waiting."""
        if self.status_fd is None:
            return
        ready, _, _ = select.select([self.status_fd], [], [], 0.5)
        if ready:
            self.status += os.read(self.status_fd, 65536).decode(errors="replace")

    def limit_hit(self, reply: dict) -> str | None:
        """The limit a failed cell ran into (from its error, or from how the kernel died)."""
        limits = self.limits
        if reply.get("died"):
            self.read_status()
            if '"exit-code": 152' in self.status:  # 128 + SIGXCPU
                return (
                    f"the notebook used up the sandbox's CPU time limit ({limits.cpu} s per "
                    "process, --cpu): the kernel was stopped"
                )
            if '"exit-code": 137' in self.status:  # 128 + SIGKILL
                return (
                    "the Python kernel was killed (SIGKILL): by the sandbox's CPU time limit "
                    f"({limits.cpu} s per process, --cpu) if the notebook ignored SIGXCPU, or by "
                    "the system for lack of memory"
                )
            return None
        ename, evalue = str(reply.get("ename", "")), str(reply.get("evalue", ""))
        found = None
        if ename == "MemoryError" or "Cannot allocate memory" in evalue:
            found = f"memory limit ({limits.memory / GiB:.1f} GiB per process, --memory)"
        elif "can't start new thread" in evalue or "Resource temporarily unavailable" in evalue:
            found = f"process limit ({limits.processes} processes and threads, --processes)"
        elif "File too large" in evalue:
            found = f"file size limit ({limits.file_size / MiB:.0f} MB, --file-size)"
        elif "No space left on device" in evalue:
            found = f"disk limit ({limits.disk / MiB:.0f} MB for its folder and for /tmp, --disk)"
        return f"the notebook hit the sandbox's {found}" if found else None

    def kernel(self, notebook_name: str):
        """The kernel manager of a sandboxed kernel, and the keyword arguments of its start."""
        import zmq.asyncio
        from jupyter_client.kernelspec import KernelSpecManager

        from nnscratch.grade.runner import MAX_MESSAGE_BYTES

        context = zmq.asyncio.Context()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        km = _manager_class()(kernel_name="python3", context=context, transport="ipc", ip=IPC)
        km.connection_file = str(self.job_dir / "kernel.json")
        spec = KernelSpecManager().get_kernel_spec("python3")
        spec.interrupt_mode = "message"  # bwrap does not forward SIGINT
        km._kernel_spec = spec
        km.sandbox, km.notebook = self, self.job_dir / "work" / notebook_name
        log = open(self.job_dir / "bwrap.log", "wb")  # noqa: SIM115 (kept open by the kernel)
        devnull = subprocess.DEVNULL
        start = {"env": {"PATH": "/usr/bin:/bin"}, "cwd": "/", "stdin": devnull}
        return km, start | {"stdout": devnull, "stderr": log}


def _manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class SandboxedKernelManager(AsyncKernelManager):
        """Starts the kernel inside bwrap, then points the client at its sockets."""

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            box: Sandbox = self.sandbox
            info = self.get_connection_info()
            info["key"] = info["key"].decode() if isinstance(info["key"], bytes) else info["key"]
            command, fds = box.command(info, self.notebook)
            kw = dict(kw, pass_fds=tuple(fds))
            if box.plan["user"] is not None:
                kw.update(user=box.plan["user"], group=box.plan["user"], extra_groups=[])
            await super()._async_launch_kernel(command, **kw)
            self.ip = f"/proc/{box.started()}/root{IPC}"

    return SandboxedKernelManager
