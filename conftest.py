"""Test-suite settings that must be in place before any notebook kernel starts."""

import os

# The suite runs every notebook in quick mode (same code, small slice of MNIST, fewer epochs).
os.environ.setdefault("NNSCRATCH_QUICK", "1")
# TensorFlow start-up noise off in kernels and in this process.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
