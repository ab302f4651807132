"""NumPy, PyTorch and Keras side by side (chapter 12): same weights in, same numbers out.

:func:`three_nets` builds the three from one ``params`` dict; :func:`agreement` measures how far the
PyTorch and Keras forward pass, gradients and one SGD step are from the NumPy network's;
:func:`identical_batches` trains all three on the same sequence of batches and records the losses.
Use ``dtype="float64"`` to compare the maths: in float32 the three libraries sum in different
orders and differ by rounding (about 1e-7 relative), which is not a disagreement about the maths.

This module imports torch and Keras.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras  # noqa: E402  (after nnscratch: quiet TensorFlow)
import numpy as np
import torch  # noqa: E402

from nnscratch.frameworks import keras_net, torch_net
from nnscratch.losses import cross_entropy
from nnscratch.network import Network
from nnscratch.optim import sgd


@dataclass
class ThreeNets:
    """The same network three times: NumPy ``Network``, ``TorchNet`` and a Keras ``Sequential``."""

    numpy: Network
    torch: torch_net.TorchNet
    keras: keras.Sequential


def three_nets(params: dict[str, np.ndarray], dtype: str = "float64") -> ThreeNets:
    """Three networks holding copies of ``params`` (``W1 (128, 784)``, ...: sizes from shapes)."""
    n_layers = sum(key.startswith("W") for key in params)
    sizes = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, n_layers + 1)]
    biases = "b1" in params
    net = Network(sizes, biases=biases, dtype=np.dtype(dtype))
    # fresh, C-contiguous copies
    net.params = {k: np.array(v, dtype=dtype) for k, v in params.items()}
    model_t = torch_net.load_params(
        torch_net.TorchNet(sizes, biases, dtype=torch_net.DTYPES[dtype]), params
    )
    model_k = keras_net.load_params(keras_net.build_model(sizes, biases, dtype=dtype), params)
    return ThreeNets(net, model_t, model_k)


def _max_diff(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    return {k: float(np.max(np.abs(np.asarray(a[k], dtype=np.float64) - b[k]))) for k in a}


def agreement(
    nets: ThreeNets, X: np.ndarray, Y: np.ndarray, lr: float
) -> dict[str, dict[str, float]]:
    """Largest absolute difference from NumPy of PyTorch's and Keras's results, per quantity.

    Args:
        nets: from :func:`three_nets` (their weights are changed: one SGD step is taken).
        X: ``(B, 784)`` inputs; Y: ``(B, 10)`` one-hot targets.
        lr: learning rate of the SGD step.

    Returns:
        ``{"torch": {...}, "keras": {...}}``, each mapping ``"probs"``, ``"loss"``, ``"dW1"``, ...
        (gradients) and ``"W1"``, ... (weights after one step) to ``max |framework - numpy|``.
    """
    dtype = nets.numpy.dtype
    X, Y = np.asarray(X, dtype=dtype), np.asarray(Y, dtype=dtype)
    labels = Y.argmax(axis=1)

    # NumPy: forward, backward, one step
    activations, zs = nets.numpy.forward(X)
    ref = {"probs": activations[-1], "loss": cross_entropy(activations[-1], Y)}
    ref_grads = nets.numpy.backward(activations, zs, Y)
    for key, grad in ref_grads.items():
        sgd(nets.numpy.params[key], grad, lr=lr)

    # PyTorch
    model_t = nets.torch
    logits = model_t(torch.from_numpy(X))  # (B, 10)
    loss_t = torch.nn.functional.cross_entropy(logits, torch.from_numpy(labels))
    model_t.zero_grad()
    loss_t.backward()
    grads_t = torch_net.get_grads(model_t)
    torch.optim.SGD(model_t.parameters(), lr=lr).step()
    out_t = {"probs": torch.softmax(logits, dim=1).detach().numpy(), "loss": loss_t.item()}

    # Keras: gradients through tf.GradientTape, then the step Keras's own fit would take
    model_k = nets.keras
    probs_k = keras.ops.convert_to_numpy(keras.ops.softmax(model_k(X), axis=-1))
    loss_k, grads_k = keras_net.gradients(model_k, X, Y)
    keras_net.compile_model(model_k, lr).train_on_batch(X, Y)
    out_k = {"probs": probs_k, "loss": loss_k}

    result = {}
    for name, out, grads, params in (
        ("torch", out_t, grads_t, torch_net.get_params(model_t)),
        ("keras", out_k, grads_k, keras_net.get_params(model_k)),
    ):
        diffs = _max_diff({"probs": out["probs"], "loss": out["loss"]}, ref)
        diffs.update({f"d{k}": v for k, v in _max_diff(grads, ref_grads).items()})
        diffs.update(_max_diff(params, nets.numpy.params))
        result[name] = diffs
    return result


def identical_batches(
    nets: ThreeNets,
    X: np.ndarray,
    Y: np.ndarray,
    steps: int,
    lr: float,
    batch_size: int = 64,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Train the three with SGD on the same batches; the loss of every batch, before its step.

    The batches are consecutive slices of one ``np.random.default_rng(seed).permutation`` of the
    rows (a fresh permutation whenever the rows run out), exactly as ``Network.train`` draws them.
    Returns ``{"numpy": (steps,), "torch": (steps,), "keras": (steps,)}``.
    """
    dtype = nets.numpy.dtype
    X, Y = np.asarray(X, dtype=dtype), np.asarray(Y, dtype=dtype)
    labels = torch.from_numpy(Y.argmax(axis=1))
    rng = np.random.default_rng(seed)
    optimizer_t = torch.optim.SGD(nets.torch.parameters(), lr=lr)
    keras_net.compile_model(nets.keras, lr)
    loss_k = keras_net.loss_for(nets.keras)
    losses = {"numpy": [], "torch": [], "keras": []}
    order = np.empty(0, dtype=np.int64)
    for _ in range(steps):
        if len(order) == 0:
            order = rng.permutation(len(X))
        rows, order = order[:batch_size], order[batch_size:]
        x, y = X[rows], Y[rows]  # (B, 784), (B, 10)

        activations, zs = nets.numpy.forward(x)
        losses["numpy"].append(cross_entropy(activations[-1], y))
        for key, grad in nets.numpy.backward(activations, zs, y).items():
            sgd(nets.numpy.params[key], grad, lr=lr)

        optimizer_t.zero_grad()
        loss_t = torch.nn.functional.cross_entropy(nets.torch(torch.from_numpy(x)), labels[rows])
        loss_t.backward()
        optimizer_t.step()
        losses["torch"].append(loss_t.item())

        # train_on_batch reports the loss through a float32 running mean; evaluate it in the model's
        # dtype
        losses["keras"].append(float(loss_k(y, nets.keras(x))))
        nets.keras.train_on_batch(x, y)
    return {name: np.array(values) for name, values in losses.items()}
