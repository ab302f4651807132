"""The capstone's figure (exercise 7): the validation curve that chooses the number of epochs."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np


def plot_early_stopping(val_curve: Sequence[Sequence[float]], best_epochs: int):
    """The validation loss and accuracy after each epoch, the chosen epoch marked.

    Args:
        val_curve: one ``(loss, accuracy)`` pair per epoch, epoch 1 first (accuracy a fraction).
        best_epochs: the chosen epoch, counted from 1 (the lowest validation loss).
    """
    curve = np.asarray(val_curve, dtype=float)
    if curve.ndim != 2 or curve.shape[1] != 2 or len(curve) == 0:
        raise ValueError(
            f"val_curve should hold one (loss, accuracy) pair per epoch, got shape {curve.shape}"
        )
    if not 1 <= best_epochs <= len(curve):
        raise ValueError(f"best_epochs={best_epochs} is not an epoch of the curve (1-{len(curve)})")
    epochs = np.arange(1, len(curve) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for ax, values, ylabel in (
        (axes[0], curve[:, 0], "validation loss"),
        (axes[1], 100 * curve[:, 1], "validation accuracy (%)"),
    ):
        ax.plot(epochs, values, "o-", color="C0")
        ax.axvline(best_epochs, color="C3", linestyle="--", label="chosen epoch")
        ax.set(xlabel="epoch", ylabel=ylabel, xticks=epochs)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right")
    fig.tight_layout()
    return fig
