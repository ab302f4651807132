"""Figures the chapters draw, defined once. Each function returns the matplotlib Figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np


def plot_digits(images: np.ndarray, labels: np.ndarray, rows: int = 4, cols: int = 10, titles: list[str] | None = None):
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
            ax.set_title(titles[i] if titles is not None else str(labels[i]), fontsize=9)
    fig.tight_layout()
    return fig


def plot_class_balance(splits: dict[str, np.ndarray]):
    """Bar chart of the share of each digit, one group of bars per split.

    Args:
        splits: name -> integer labels ``(N,)``, e.g. ``{"train": ..., "validation": ..., "test": ...}``.
    """
    fig, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / len(splits)
    digits = np.arange(10)
    for k, (name, labels) in enumerate(splits.items()):
        share = np.bincount(labels, minlength=10) / len(labels)
        ax.bar(digits + (k - (len(splits) - 1) / 2) * width, 100 * share, width, label=f"{name} ({len(labels):,})")
    ax.axhline(10, color="gray", lw=0.8, ls="--")
    ax.set(xticks=digits, xlabel="digit", ylabel="share of images (%)")
    ax.legend(fontsize=8, ncols=len(splits), loc="lower center")
    fig.tight_layout()
    return fig
