"""Figures of the data (chapter 1) and of the untrained network's activations (chapter 3)."""

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
