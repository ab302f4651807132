"""Test-suite settings that must be in place before any notebook kernel starts."""

import os

# The suite runs every notebook in quick mode (same code, small slice of MNIST, fewer epochs).
os.environ.setdefault("NNSCRATCH_QUICK", "1")
# One BLAS thread: on 2 shared cores, thread hand-offs make the small products of this course
# 20-100x slower when the machine is busy (measured), and timings in outputs less reproducible.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# TensorFlow start-up noise off in kernels and in this process.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
