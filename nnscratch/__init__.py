"""nnscratch: the helper package of the course *A deep neural network from scratch*.

Chapters derive each piece in a notebook; this package holds the final form of each piece, defined
once, so that later chapters, exercises and checks import it instead of copying it.
"""

import os as _os

# TensorFlow writes start-up noise to stderr unless both are set before it is imported.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from nnscratch.config import is_quick, pick, seed_everything  # noqa: E402

__version__ = "0.1.0"
__all__ = ["is_quick", "pick", "seed_everything"]
