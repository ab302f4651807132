"""The course network in Keras (chapter 11): the model, weight copies to and from NumPy, training.

The same 784-128-64-10 network as :class:`nnscratch.network.Network`: ``Dense`` layers with sigmoid
hidden units, no biases unless asked for, and either

* ``output="logits"``: a linear last layer with ``CategoricalCrossentropy(from_logits=True)``, or
* ``output="softmax"``: a softmax last layer with ``CategoricalCrossentropy()``.

Both are correct pairs (the loss matches what the last layer outputs) and train identically.

Layout: for a batch ``X: (B, n_in)``, one row per image, a Keras ``Dense`` layer computes
``X @ kernel`` with ``kernel: (n_in, n_out)``, the transpose of our ``W_l: (n_out, n_in)`` (we
compute ``Z_l = A_(l-1) @ W_l.T``, chapters 2 and 4). So copies transpose: ``kernel = W_l.T``.

This module imports Keras (TensorFlow backend); ``import nnscratch`` does not. Importing it through
the package sets TensorFlow's logging variables first, which keeps its start-up noise off stderr.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import keras  # noqa: E402
import numpy as np
import tensorflow as tf  # noqa: E402

import nnscratch  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL / TF_ENABLE_ONEDNN_OPTS before TensorFlow loads)
from nnscratch.data import Split  # noqa: E402
from nnscratch.history import History  # noqa: E402


def build_model(
    sizes: Sequence[int] = (784, 128, 64, 10),
    biases: bool = False,
    dtype: str = "float32",
    output: str = "logits",
    init: str = "glorot_normal",
) -> keras.Sequential:
    """``keras.Sequential`` of ``Dense`` layers: ``(B, 784) -> (B, 10)`` logits (or probabilities).

    Args:
        sizes: neurons per layer, input first.
        biases: ``use_bias`` of every layer.
        dtype: ``"float32"`` or ``"float64"`` (weights and computations).
        output: ``"logits"`` (linear last layer) or ``"softmax"``.
        init: kernel initializer; ``"glorot_normal"`` draws like our ``init="xavier"``
            (normal, standard deviation ``sqrt(2 / (n_in + n_out))``).
    """
    if output not in ("logits", "softmax"):
        raise ValueError(f"output must be 'logits' or 'softmax', got {output!r}")
    layers = [keras.Input(shape=(sizes[0],), dtype=dtype)]
    for n_out in sizes[1:-1]:
        layers.append(
            keras.layers.Dense(
                n_out, activation="sigmoid", use_bias=biases, kernel_initializer=init, dtype=dtype
            )
        )
    layers.append(
        keras.layers.Dense(
            sizes[-1],
            activation=None if output == "logits" else "softmax",
            use_bias=biases,
            kernel_initializer=init,
            dtype=dtype,
        )
    )
    return keras.Sequential(layers)


def loss_for(model: keras.Model) -> keras.losses.Loss:
    """The categorical cross-entropy that matches the model's last layer (logits or softmax).

    Computed in the model's dtype: a Keras loss otherwise casts to ``keras.config.floatx()``
    (float32), which would spoil a float64 comparison.
    """
    last = model.layers[-1]
    from_logits = last.activation is keras.activations.linear
    return keras.losses.CategoricalCrossentropy(from_logits=from_logits, dtype=last.compute_dtype)


def compile_model(model: keras.Model, lr: float) -> keras.Model:
    """Plain SGD on the matching cross-entropy, tracking (categorical: one-hot targets) accuracy."""
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=lr),
        loss=loss_for(model),
        metrics=["categorical_accuracy"],
    )
    return model


# ----------------------------------------------------------------------------------------------
# Weights to and from the NumPy network's ``params`` dict
# ----------------------------------------------------------------------------------------------


def load_params(model: keras.Model, params: dict[str, np.ndarray]) -> keras.Model:
    """Copy ``params`` (``W1 (128, 784)``, ..., optional ``b1``, ...) into ``model``, in place.

    Each ``W_l (n_out, n_in)`` goes in transposed, as the kernel ``(n_in, n_out)``.
    """
    for l, layer in enumerate(model.layers, start=1):
        if f"W{l}" not in params:
            raise KeyError(
                f"load_params: params has no 'W{l}' (keys: {sorted(params)}); the model has "
                f"{len(model.layers)} Dense layers."
            )
        W = np.asarray(params[f"W{l}"])
        if W.T.shape != tuple(layer.kernel.shape):
            raise ValueError(
                f"load_params: params['W{l}'] has shape {W.shape}; layer {l}'s kernel is "
                f"{tuple(layer.kernel.shape)} (n_in, n_out), so W{l} must be "
                f"{tuple(layer.kernel.shape)[::-1]} (n_out, n_in). It is transposed here."
            )
        layer.kernel.assign(W.T)  # (n_out, n_in) -> (n_in, n_out)
        if layer.use_bias:
            layer.bias.assign(np.asarray(params[f"b{l}"]))
    return model


def get_params(model: keras.Model) -> dict[str, np.ndarray]:
    """The model's weights as a NumPy ``params`` dict in our layout: ``W_l = kernel.T`` (copies)."""
    params = {}
    for l, layer in enumerate(model.layers, start=1):
        params[f"W{l}"] = np.ascontiguousarray(layer.kernel.numpy().T)  # (n_out, n_in)
        if layer.use_bias:
            params[f"b{l}"] = layer.bias.numpy().copy()
    return params


def gradients(
    model: keras.Model, X: np.ndarray, Y: np.ndarray
) -> tuple[float, dict[str, np.ndarray]]:
    """Mean cross-entropy on ``(X (B, 784), Y (B, 10) one-hot)`` and its gradients in our layout.

    Keras has no ``backward()``; with the TensorFlow backend, ``tf.GradientTape`` records the
    forward pass and differentiates it. Kernel gradients ``(n_in, n_out)`` are transposed to
    ``(n_out, n_in)``.
    """
    with tf.GradientTape() as tape:
        loss = loss_for(model)(Y, model(X, training=True))
    weights = [(l, layer) for l, layer in enumerate(model.layers, start=1)]
    variables = [layer.kernel for _, layer in weights] + [
        layer.bias for _, layer in weights if layer.use_bias
    ]
    grads = dict(zip([id(v) for v in variables], tape.gradient(loss, variables)))
    out = {}
    for l, layer in weights:
        out[f"W{l}"] = np.ascontiguousarray(grads[id(layer.kernel)].numpy().T)
        if layer.use_bias:
            out[f"b{l}"] = grads[id(layer.bias)].numpy()
    return float(loss), out


# ----------------------------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------------------------


class EpochTimer(keras.callbacks.Callback):
    """Records the training time of every epoch in ``self.seconds``, validation excluded.

    The clock starts at ``on_epoch_begin`` and stops when validation starts (``on_test_begin``,
    which ``fit`` calls with the same callbacks) or, without validation data, at ``on_epoch_end``.
    """

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []
        self.intervals: list[tuple[float, float]] = []  # (start, stop) in time.perf_counter() time
        self._start: float | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def _stop(self):
        if self._start is not None:
            stop = time.perf_counter()
            self.seconds.append(stop - self._start)
            self.intervals.append((self._start, stop))
            self._start = None

    def on_test_begin(self, logs=None):
        self._stop()

    def on_epoch_end(self, epoch, logs=None):
        self._stop()


def fit(
    model: keras.Model,
    train: Split,
    val: Split,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    seed: int = 0,
    verbose: bool = True,
    timer: EpochTimer | None = None,
) -> History:
    """Compile with :func:`compile_model` and train with ``model.fit`` (Keras shuffles every epoch).

    Returns:
        A :class:`nnscratch.history.History` built from Keras's history; ``seconds`` is training
        time only (from :class:`EpochTimer`, or ``timer`` if given), validation excluded. Unlike the
        NumPy network's, ``train_loss`` / ``train_accuracy`` are Keras's running means over each
        epoch's batches.
    """
    keras.utils.set_random_seed(seed)  # Keras's shuffling
    compile_model(model, lr)
    timer = timer or EpochTimer()
    result = model.fit(
        train.x,
        train.y,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=(val.x, val.y),
        callbacks=[timer],
        verbose=0,
    )
    logs = result.history
    history = History(
        train_loss=logs["loss"],
        train_accuracy=logs["categorical_accuracy"],
        val_loss=logs["val_loss"],
        val_accuracy=logs["val_categorical_accuracy"],
        seconds=timer.seconds,
        lr=[lr] * epochs,
    )
    if verbose:
        for e in range(1, epochs + 1):
            print(history.line(epochs, e, show_lr=False))
    return history
