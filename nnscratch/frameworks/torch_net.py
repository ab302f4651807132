"""The course network in PyTorch (chapter 10): the module, weight copies to and from NumPy, fit.

The same 784-128-64-10 network as :class:`nnscratch.network.Network`: sigmoid hidden layers, no
biases unless asked for, and a softmax output. As is usual in PyTorch, the module returns the
*logits* ``Z_3 (B, 10)``, one row per image; ``nn.CrossEntropyLoss`` applies log-softmax itself, and
``torch.softmax(logits, dim=1)`` gives the probabilities our NumPy ``forward`` returns.

Layout: ``nn.Linear(n_in, n_out).weight`` is ``(n_out, n_in)``, exactly like our ``W_l``, so weights
copy across unchanged (Keras is the one that transposes; see :mod:`nnscratch.frameworks.keras_net`).

This module imports torch; ``import nnscratch`` does not import it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from nnscratch.data import Split
from nnscratch.history import History

DTYPES = {"float32": torch.float32, "float64": torch.float64}


class TorchNet(nn.Module):
    """Fully connected, sigmoid hidden layers, logits out: ``(B, 784) -> (B, 10)``.

    Args:
        sizes: neurons per layer, input first, e.g. ``(784, 128, 64, 10)``.
        biases: give every ``nn.Linear`` a bias (our NumPy network has none by default).
        dtype: ``torch.float32`` (training) or ``torch.float64`` (exact comparisons).

    The weights start from PyTorch's own initialization (uniform in ``+-1/sqrt(n_in)``); use
    :func:`load_params` to start from the NumPy network's weights instead.
    """

    def __init__(
        self,
        sizes: Sequence[int] = (784, 128, 64, 10),
        biases: bool = False,
        dtype: torch.dtype = torch.float32,
    ):
        super().__init__()
        self.sizes = tuple(sizes)
        # layers[l - 1] is layer l of the maths: weight (n_l, n_{l-1}), like our W_l
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out, bias=biases, dtype=dtype)
            for n_in, n_out in zip(sizes[:-1], sizes[1:])
        )

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """``X: (B, 784)``, one row per image -> logits ``Z_3: (B, 10)`` (no softmax: the loss
        applies it)."""
        A = X
        for layer in self.layers[:-1]:
            A = torch.sigmoid(layer(A))  # A_l: (B, n_l)
        return self.layers[-1](A)  # Z_L: (B, 10)


# ----------------------------------------------------------------------------------------------
# Weights to and from the NumPy network's ``params`` dict
# ----------------------------------------------------------------------------------------------


def load_params(model: TorchNet, params: dict[str, np.ndarray]) -> TorchNet:
    """Copy ``params`` (``W1 (128, 784)``, ..., optional ``b1 (128,)``, ...) into ``model``.

    ``nn.Linear.weight`` is ``(out, in)`` like ``W_l``: no transpose. Values are cast to the model's
    dtype.
    """
    with torch.no_grad():
        for l, layer in enumerate(model.layers, start=1):
            pairs = [(f"W{l}", layer.weight)] + (
                [(f"b{l}", layer.bias)] if layer.bias is not None else []
            )
            for key, tensor in pairs:
                if key not in params:
                    raise KeyError(
                        f"load_params: params has no {key!r} (keys: {sorted(params)}); the model "
                        f"has {len(model.layers)} "
                        f"layers{' with biases' if layer.bias is not None else ''}."
                    )
                value = np.asarray(params[key])
                if value.shape != tuple(tensor.shape):
                    raise ValueError(
                        f"load_params: params[{key!r}] has shape {value.shape}, but layer {l} of "
                        f"the torch model needs {tuple(tensor.shape)} (out, in), the same layout "
                        "as ours."
                    )
                tensor.copy_(torch.from_numpy(value))
    return model


def get_params(model: TorchNet) -> dict[str, np.ndarray]:
    """The model's weights as a NumPy ``params`` dict (copies): ``W1..W3`` (and ``b1..b3``)."""
    params = {}
    for l, layer in enumerate(model.layers, start=1):
        params[f"W{l}"] = layer.weight.detach().numpy().copy()  # (n_l, n_{l-1})
        if layer.bias is not None:
            params[f"b{l}"] = layer.bias.detach().numpy().copy()  # (n_l,)
    return params


def get_grads(model: TorchNet) -> dict[str, np.ndarray]:
    """The gradients left in ``.grad`` by the last ``backward()``, keyed like ``params``."""
    grads = {}
    for l, layer in enumerate(model.layers, start=1):
        grads[f"W{l}"] = layer.weight.grad.detach().numpy().copy()
        if layer.bias is not None:
            grads[f"b{l}"] = layer.bias.grad.detach().numpy().copy()
    return grads


# ----------------------------------------------------------------------------------------------
# Data
# ----------------------------------------------------------------------------------------------


def tensors(split: Split, dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x (N, 784), labels (N,) int64)`` as tensors (float32: sharing memory with the split)."""
    return torch.from_numpy(split.x).to(dtype), torch.from_numpy(split.labels)


def make_loader(
    split: Split, batch_size: int = 64, shuffle: bool = True, seed: int = 0
) -> DataLoader:
    """A ``DataLoader`` over ``TensorDataset(x, labels)``: batches ``(B, 784)`` and ``(B,)`` int64.

    ``CrossEntropyLoss`` takes integer class labels, so the one-hot ``split.y`` is not needed here.
    """
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        TensorDataset(*tensors(split)), batch_size=batch_size, shuffle=shuffle, generator=generator
    )


def index_batches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[torch.Tensor]:
    """One epoch of row indices ``(B,)``: the order ``Network.train`` uses for the same seed.

    A fresh ``rng.permutation(n)`` cut into consecutive slices of ``batch_size`` (the last may be
    shorter).
    """
    order = torch.from_numpy(rng.permutation(n))
    return iter(order.split(batch_size))


# ----------------------------------------------------------------------------------------------
# Training and evaluation
# ----------------------------------------------------------------------------------------------


@torch.no_grad()
def evaluate(model: nn.Module, split: Split) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on ``split``, in one forward pass."""
    dtype = next(model.parameters()).dtype
    x, labels = tensors(split, dtype)
    logits = model(x)  # (N, 10)
    loss = nn.functional.cross_entropy(logits, labels).item()
    accuracy = (logits.argmax(dim=1) == labels).double().mean().item()
    return loss, accuracy


def fit(
    model: nn.Module,
    train: Split,
    val: Split,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    seed: int = 0,
    loader: str = "index",
    verbose: bool = True,
) -> History:
    """Mini-batch SGD on the mean cross-entropy; evaluate on ``train`` and ``val`` every epoch.

    Args:
        model: e.g. :class:`TorchNet` (returns logits).
        train, val: :class:`nnscratch.data.Split`.
        lr: learning rate of ``torch.optim.SGD``.
        seed: seed of the shuffling (and of the DataLoader's generator).
        loader: ``"index"`` slices the tensors with the same shuffled indices as ``Network.train``
            (the batches of the NumPy network, fast); ``"dataloader"`` uses :func:`make_loader`
            (the idiom you will see everywhere; its default collate function stacks
            ``batch_size`` single rows).

    Returns:
        A :class:`nnscratch.history.History`; ``seconds`` is training time only, evaluation
        excluded.
    """
    if loader not in ("index", "dataloader"):
        raise ValueError(f"loader must be 'index' or 'dataloader', got {loader!r}")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()  # log-softmax + negative log-likelihood, mean over the batch
    dtype = next(model.parameters()).dtype
    x_all, labels_all = tensors(train, dtype)
    rng = np.random.default_rng(seed)
    data_loader = (
        make_loader(train, batch_size, shuffle=True, seed=seed) if loader == "dataloader" else None
    )
    history = History()
    for _ in range(epochs):
        model.train()
        start = time.perf_counter()
        if data_loader is not None:
            batches = iter(data_loader)
        else:
            batches = (
                (x_all[rows], labels_all[rows])
                for rows in index_batches(len(train), batch_size, rng)
            )
        for x, labels in batches:  # x: (B, 784), labels: (B,)
            optimizer.zero_grad()
            loss = loss_fn(model(x), labels)
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - start
        model.eval()
        history.record(seconds, lr, evaluate(model, train), evaluate(model, val))
        if verbose:
            print(history.line(epochs, show_lr=False), flush=True)
    return history
