"""Figures the chapters draw, defined once. Each function returns the matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_digits(
    images: np.ndarray,
    labels: np.ndarray,
    rows: int = 4,
    cols: int = 10,
    titles: list[str] | None = None,
):
    """A grid of digits with their labels.

    Args:
        images: ``(N, 28, 28)`` or ``(N, 784)``; the first ``rows * cols`` are drawn.
        labels: ``(N,)`` integer labels, shown above each digit (unless ``titles`` is given).
    """
    n = min(rows * cols, len(images))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.9, rows * 1.05), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(np.asarray(images[i]).reshape(28, 28), cmap="gray_r")
            ax.set_title(titles[i] if titles is not None else str(labels[i]), fontsize=11)
    fig.tight_layout()
    return fig


def plot_class_balance(splits: dict[str, np.ndarray]):
    """Bar chart of the share of each digit, one group of bars per split.

    Args:
        splits: name -> integer labels ``(N,)``, e.g.
            ``{"train": ..., "validation": ..., "test": ...}``.
    """
    fig, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / len(splits)
    digits = np.arange(10)
    for k, (name, labels) in enumerate(splits.items()):
        share = np.bincount(labels, minlength=10) / len(labels)
        ax.bar(
            digits + (k - (len(splits) - 1) / 2) * width,
            100 * share,
            width,
            label=f"{name} ({len(labels):,})",
        )
    ax.axhline(10, color="gray", lw=0.8, ls="--")
    ax.set(xticks=digits, xlabel="digit", ylabel="share of images (%)")
    ax.legend(fontsize=8, ncols=len(splits), loc="lower center")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------------------------
# Training and evaluation (chapters 2 and 5)
# ------------------------------------------------------------------------------------------------

_CURVE_KEYS = {  # our History attribute -> also accepted (Keras' History.history names)
    "train_loss": "loss",
    "val_loss": "val_loss",
    "train_accuracy": "accuracy",
    "val_accuracy": "val_accuracy",
}


def _curves(run) -> dict[str, list[float]]:
    """Per-epoch lists from a :class:`nnscratch.network.History` or a dict of lists."""
    out = {}
    for key, alias in _CURVE_KEYS.items():
        if isinstance(run, dict):
            values = run.get(key, run.get(alias))
        else:
            values = getattr(run, key, None)
        if values is not None and len(values) > 0:
            out[key] = list(values)
    if not out:
        raise TypeError(
            "plot_learning_curves needs a History (from Network.train) or a dict with lists under "
            f"{sorted(_CURVE_KEYS)}; got {type(run).__name__}"
        )
    return out


def plot_learning_curves(runs, title: str | None = None):
    """Loss and accuracy per epoch, training (dashed) and validation (solid).

    Args:
        runs: one History (or dict of per-epoch lists: ``train_loss``, ``val_loss``,
            ``train_accuracy``, ``val_accuracy``), or a dict ``name -> History`` to compare
            several runs (e.g. seeds).
    """
    single = not isinstance(runs, dict) or any(
        k in runs for k in (*_CURVE_KEYS, *_CURVE_KEYS.values())
    )
    runs = {"": runs} if single else runs
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    for k, (name, run) in enumerate(runs.items()):
        curves, color = _curves(run), f"C{k}"
        for split, style in (("train", "--"), ("val", "-")):
            if single:
                label = {"train": "training", "val": "validation"}[split]
            else:  # one legend entry per run; the line style tells training from validation
                label = name if split == "val" else None
            for ax, what in ((ax_loss, "loss"), (ax_acc, "accuracy")):
                values = curves.get(f"{split}_{what}")
                if values is not None:
                    values = 100 * np.asarray(values) if what == "accuracy" else np.asarray(values)
                    ax.plot(
                        np.arange(1, len(values) + 1),
                        values,
                        style,
                        color=color,
                        marker="o",
                        ms=3,
                        label=label,
                    )
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    ax_acc.legend(
        fontsize=8,
        title=None if single else "solid: validation, dashed: training",
        title_fontsize=8,
    )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    labels: np.ndarray, predictions: np.ndarray, classes: int = 10, title: str | None = None
):
    """Counts of (true digit, predicted digit) pairs; the diagonal holds the correct predictions.

    Args:
        labels, predictions: integer arrays ``(N,)``.
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.shape != predictions.shape or labels.ndim != 1:
        raise ValueError(
            "labels and predictions must be integer arrays of the same shape (N,); got "
            f"{labels.shape} and {predictions.shape}"
        )
    counts = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    off = counts.copy()
    np.fill_diagonal(off, 0)
    fig, ax = plt.subplots(figsize=(6, 5.2))
    # colour the mistakes only: the diagonal would otherwise wash out every other cell
    image = ax.imshow(off, cmap="Reds")
    for i in range(classes):
        for j in range(classes):
            color = "black" if i == j or off[i, j] < 0.6 * max(off.max(), 1) else "white"
            ax.text(
                j,
                i,
                str(counts[i, j]),
                ha="center",
                va="center",
                fontsize=7,
                color=color,
                fontweight="bold" if i == j else "normal",
            )
    ax.set(
        xticks=range(classes),
        yticks=range(classes),
        xlabel="predicted digit",
        ylabel="true digit",
        title=title or "confusion matrix (colour: mistakes only)",
    )
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="number of mistakes")
    fig.tight_layout()
    return fig


def plot_misclassified(
    images: np.ndarray,
    labels: np.ndarray,
    predictions: np.ndarray,
    probs: np.ndarray | None = None,
    rows: int = 3,
    cols: int = 10,
):
    """The first ``rows * cols`` digits whose prediction is wrong, titled "true→predicted".

    Args:
        images: ``(N, 784)`` or ``(N, 28, 28)``; labels, predictions: ``(N,)`` integers.
        probs: optional ``(N, 10)`` softmax outputs; if given, the confidence of the wrong
            prediction is added to each title and the most confident mistakes are shown first.
    """
    wrong = np.flatnonzero(np.asarray(labels) != np.asarray(predictions))
    if probs is not None:
        wrong = wrong[np.argsort(-probs[wrong, predictions[wrong]], kind="stable")]
    wrong = wrong[: rows * cols]
    titles = [
        f"{labels[i]}→{predictions[i]}"
        + (f"\n{probs[i, predictions[i]]:.0%}" if probs is not None else "")
        for i in wrong
    ]
    fig = plot_digits(images[wrong], labels[wrong], rows=rows, cols=cols, titles=titles)
    if probs is not None:
        fig.set_size_inches(cols * 0.9, rows * 1.25)
        fig.tight_layout()
    return fig


def plot_weight_images(
    W: np.ndarray, rows: int = 8, cols: int = 16, shape: tuple[int, int] = (28, 28)
):
    """Each row of a first-layer weight matrix ``W1: (128, 784)`` drawn as a 28x28 image.

    Red: positive weights (ink there raises the neuron's input), blue: negative; white: 0. Each
    image uses its own symmetric colour scale, so the patterns are visible whatever their size.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[1] != shape[0] * shape[1]:
        raise ValueError(
            f"plot_weight_images expects a first-layer weight matrix (n, {shape[0] * shape[1]}), "
            f"got shape {W.shape}"
        )
    n = min(rows * cols, len(W))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.6, rows * 0.6), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            limit = np.abs(W[i]).max() or 1.0
            ax.imshow(W[i].reshape(shape), cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.subplots_adjust(wspace=0.05, hspace=0.05, left=0.01, right=0.99, top=0.99, bottom=0.01)
    return fig


def plot_activation_stats(
    stats: dict[str, list[np.ndarray]], saturation: float = 0.02, bins: int = 50
):
    """Histograms of sigmoid activations, one row per initialization, one column per hidden layer.

    Args:
        stats: scheme name -> ``[a_1 (B, 128), a_2 (B, 64), ...]``, the hidden activations
            (values in (0, 1)) of the same batch under each initialization.
        saturation: a unit counts as saturated when its activation is within this distance of 0
            or 1, where sigmoid's slope ``a (1 - a)`` is below about ``saturation``.

    Each panel's title gives the standard deviation of the activations and the saturated share.
    """
    names = list(stats)
    layers = max(len(v) for v in stats.values())
    fig, axes = plt.subplots(
        len(names), layers, figsize=(3.3 * layers, 1.9 * len(names)), squeeze=False, sharex=True
    )
    for r, name in enumerate(names):
        for c, a in enumerate(stats[name]):
            a = np.asarray(a, dtype=np.float64).ravel()
            saturated = np.mean((a < saturation) | (a > 1 - saturation))
            ax = axes[r, c]
            ax.hist(a, bins=bins, range=(0, 1), color=f"C{r}")
            ax.set_yticks([])
            ax.set_title(
                f"{name}, layer {c + 1}: std {a.std():.3f}, saturated {saturated:.0%}", fontsize=8
            )
            if r == len(names) - 1:
                ax.set_xlabel(f"activation $a_{c + 1}$")
    fig.tight_layout()
    return fig
