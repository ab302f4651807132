"""Figures of training (chapter 5), its results (chapter 7), and its speed (chapter 13)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter, NullLocator

from nnscratch.plotting.data import plot_digits

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
    # color the mistakes only: the diagonal would otherwise wash out every other cell
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
        title=title or "confusion matrix (color: mistakes only)",
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
        + (f"\n{probs[i, predictions[i]]:.2%}" if probs is not None else "")
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
    image uses its own symmetric color scale, so the patterns are visible whatever their size.
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


def plot_progress(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    xlabel: str,
    ylabel: str,
    title: str | None = None,
    logy: bool = False,
    percent: bool = False,
):
    """Several runs' progress on shared axes, e.g. accuracy against training images seen.

    Args:
        curves: run name -> (x values, y values).
        percent: y values are fractions, drawn as percentages.
        logy: log scale for y (for losses that span orders of magnitude).
    """
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for k, (name, (x, y)) in enumerate(curves.items()):
        y = 100 * np.asarray(y, dtype=float) if percent else np.asarray(y, dtype=float)
        ax.plot(x, y, "o-", ms=3, color=f"C{k % 10}", label=name)
    if logy:
        ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel + (" (%)" if percent else ""), title=title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _plain_log_y(ax, fmt: str = "%g", axis: str = "y", subs=(1.0, 2.0, 5.0)):
    """Label a logarithmic axis with plain numbers (0.5, 1, 2) instead of powers of ten."""
    scale = ax.yaxis if axis == "y" else ax.xaxis
    scale.set_major_locator(LogLocator(base=10, subs=subs))
    scale.set_major_formatter(FormatStrFormatter(fmt))
    scale.set_minor_formatter(NullFormatter())


def plot_learning_rates(curves: Mapping[str, tuple[Sequence[int], Sequence[float]]]):
    """The validation loss against training images seen, one line per constant learning rate.

    Args:
        curves: label (e.g. "lr 0.1") -> (images seen, loss on a fixed validation sample).
    """
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for k, (name, (seen, loss)) in enumerate(curves.items()):
        ax.plot(seen, loss, "-", color=f"C{k}", label=name)
    ax.set(
        xlabel="training images seen",
        ylabel="validation loss (log scale)",
        yscale="log",
        title="constant learning rates",
    )
    _plain_log_y(ax)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def plot_schedules(histories: Mapping[str, object], chosen: str | None = None):
    """Candidate learning-rate schedules: the rate (left) and validation accuracy (right) per epoch.

    Args:
        histories: schedule name -> :class:`nnscratch.network.History` (its ``lr`` and
            ``val_accuracy`` per epoch are drawn).
        chosen: the schedule the chapter selected, drawn with a thicker line.
    """
    fig, (ax_rate, ax_acc) = plt.subplots(
        1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [0.8, 1]}
    )
    # dashed and dotted lines on top of the chosen one where they coincide
    colors, styles = ["C5", "C6", "C8", "C9", "C7"], ["-", "--", ":", "-."]
    for k, (name, h) in enumerate(histories.items()):
        epochs = np.arange(1, len(h.val_accuracy) + 1)
        best = name == chosen
        style = dict(
            color=colors[k % len(colors)],
            lw=3.2 if best else 1.4,
            ls="-" if best else styles[(k + 1) % len(styles)],
            alpha=0.6 if best else 1.0,
            zorder=1 if best else 2,
        )
        ax_rate.step(epochs, h.lr, where="mid", **style)
        label = name + (" (chosen)" if best else "")
        ax_acc.plot(
            epochs, 100 * np.asarray(h.val_accuracy), marker="o", ms=3, label=label, **style
        )
    ax_rate.set(xlabel="epoch", ylabel="learning rate (log scale)", yscale="log", title="the rate")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy (%)", title="validation accuracy")
    for ax in (ax_rate, ax_acc):
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3, which="both")
    ax_acc.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_epoch_times(seconds: Mapping[str, float], marks: Mapping[str, float] | None = None):
    """Seconds per epoch of each implementation as horizontal bars, on a logarithmic axis.

    Bars share a color when their names share the first word (``"NumPy mini-batch"`` and
    ``"NumPy per-sample SGD"``); the axis has major ticks only, as plain numbers; the legend of
    the vertical reference lines sits above the bars, clear of them.

    Args:
        seconds: implementation -> seconds per epoch, drawn top to bottom in this order.
        marks: label -> seconds, a vertical reference line each (e.g. an arithmetic bound).
    """
    if not seconds or min(seconds.values()) <= 0:
        raise ValueError(
            f"plot_epoch_times needs at least one implementation and positive times; "
            f"got {dict(seconds)!r}"
        )
    names = list(seconds)
    families = list(dict.fromkeys(name.split()[0] for name in names))
    colors = [f"C{families.index(name.split()[0])}" for name in names]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.barh(names, [seconds[name] for name in names], color=colors)
    styles = ({"color": "0.15", "ls": "--"}, {"color": "0.15", "ls": ":"})
    for k, (label, value) in enumerate((marks or {}).items()):
        ax.axvline(value, lw=1.5, label=label, **styles[k % 2])
    ax.set(xscale="log", xlabel="seconds per epoch (log scale)")
    _plain_log_y(ax, axis="x", subs=(1.0, 2.0, 3.0, 5.0))
    ax.xaxis.set_minor_locator(NullLocator())  # major ticks only: no colliding labels
    ax.invert_yaxis()
    ax.grid(alpha=0.3, axis="x")
    if marks:
        ax.legend(fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncols=2, frameon=False)
    fig.tight_layout()
    return fig
