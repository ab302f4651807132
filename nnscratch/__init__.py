"""nnscratch: the helper package of the course *A deep neural network from scratch*.

Chapters derive each piece in a notebook; this package holds the final form of each piece, defined
once, so that later chapters, exercises and checks import it instead of copying it.

The map (each piece in one place):

* The course's maths and data, flat at the top level, as the chapters import them:
  :mod:`.config` (quick mode, seeding), :mod:`.data` (MNIST, splits), :mod:`.activations`,
  :mod:`.losses`, :mod:`.network` (``Network``: forward, backpropagation, training),
  :mod:`.optim` (update rules, learning-rate schedules), :mod:`.gradcheck` (central differences),
  :mod:`.fast` (the in-place SGD steps ``Network.train`` uses for plain SGD), :mod:`.history`,
  :mod:`.validate` (messages for bad input); and for the notebooks :mod:`.plotting` (the
  chapters' figures).
* :mod:`nnscratch.frameworks`: the same network in PyTorch and Keras, and the three compared.
* :mod:`nnscratch.grade`: the exercises' checks, the release (``make release``) and the grader
  (``python -m nnscratch.grade``).
* :mod:`nnscratch.bench`: the benchmark (``python -m nnscratch.bench``).
* :mod:`nnscratch.book`: the site's build, not the course: the Sphinx extension that writes the
  notebooks' reader's copies, and the tree of their branch (``make reader-copies``).

Dependencies go one way: ``frameworks``, ``grade``, ``bench`` and ``book`` import the maths; the
maths imports none of them (a test keeps it so).
"""

import os as _os

# TensorFlow writes start-up noise to stderr unless both are set before it is imported.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from nnscratch.config import is_quick, pick, seed_everything  # noqa: E402

__version__ = "0.1.0"
__all__ = ["is_quick", "pick", "seed_everything"]
