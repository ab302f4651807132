"""The course network in the frameworks (chapters 10-12): PyTorch, Keras, and the three compared.

* :mod:`~nnscratch.frameworks.torch_net`: ``TorchNet``, weight copies to and from our ``params``,
  ``fit`` (chapter 10);
* :mod:`~nnscratch.frameworks.keras_net`: ``build_model``, weight copies (transposed), ``fit``
  (chapter 11);
* :mod:`~nnscratch.frameworks.compare`: the same weights in all three, their agreement, training on
  identical batches (chapter 12).

Each module imports its framework (``import nnscratch.frameworks`` alone imports neither). They use
the course's maths (:mod:`nnscratch.network`, :mod:`nnscratch.losses`); the maths never imports
them.
"""
