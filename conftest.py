"""Settings that must be in place before any notebook kernel starts; fixtures the tests share."""

import os
import subprocess
import sys

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
