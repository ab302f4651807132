"""Figures of regularization (chapter 8): weight decay against its strength, and dropout drawn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np


def lambda_label(lam: float) -> str:
    """A weight-decay strength as an axis label: ``0``, ``1e-4``, ``3e-4``, ``0.5``..."""
    if lam == 0:
        return "0"
    mantissa, exponent = f"{lam:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}" if abs(int(exponent)) >= 3 else f"{lam:g}"


def plot_weight_decay(
    runs: Mapping[float, object],
    weight_sizes: Mapping[float, float] | None = None,
    chosen: float | None = None,
):
    """Training and validation after the last epoch, against the weight decay lambda.

    Args:
        runs: ``lambda -> History`` (:class:`nnscratch.network.History`), one run per strength;
            drawn in increasing lambda, evenly spaced (lambda = 0 first, then a log grid).
        weight_sizes: optional ``lambda -> ||W||``, the length of all weights as one vector,
            drawn in a third panel.
        chosen: the lambda chosen on the validation set, marked in every panel.
    """
    if not runs:
        raise ValueError("plot_weight_decay needs at least one run: {lambda: History}")
    lambdas = sorted(runs)
    if any(lam < 0 for lam in lambdas):
        raise ValueError(f"weight decay strengths must be >= 0, got {lambdas}")
    if chosen is not None and chosen not in runs:
        raise ValueError(f"chosen={chosen!r} is not one of the runs' lambdas {lambdas}")
    if weight_sizes is not None and set(weight_sizes) != set(runs):
        raise ValueError("weight_sizes must have one entry per run (the same lambdas as runs)")
    x = np.arange(len(lambdas))
    panels = 2 if weight_sizes is None else 3
    fig, axes = plt.subplots(1, panels, figsize=(3.5 * panels, 3.5))  # <= 11 in: readable
    last = {  # quantity -> values at the last epoch, in the order of `lambdas`
        key: np.array([getattr(runs[lam], key)[-1] for lam in lambdas], dtype=float)
        for key in ("train_accuracy", "val_accuracy", "train_loss", "val_loss")
    }
    for ax, what, scale, ylabel in (
        (axes[0], "accuracy", 100.0, "accuracy (%)"),
        (axes[1], "loss", 1.0, "cross-entropy loss"),
    ):
        ax.plot(x, scale * last[f"train_{what}"], "--o", color="C0", ms=4, label="training")
        ax.plot(x, scale * last[f"val_{what}"], "-o", color="C1", ms=4, label="validation")
        ax.set(ylabel=ylabel, title=f"{what} after the last epoch")
        ax.legend(fontsize=8)
    if weight_sizes is not None:
        sizes = [weight_sizes[lam] for lam in lambdas]
        axes[2].plot(x, sizes, "-o", color="C2", ms=4)
        axes[2].set(ylabel=r"$\|W\|$", title="size of the final weights", ylim=(0, None))
    for ax in axes:
        ax.set_xticks(x, [lambda_label(lam) for lam in lambdas])
        ax.set_xlabel(r"weight decay $\lambda$")
        ax.grid(alpha=0.3)
        if chosen is not None:
            ax.axvline(lambdas.index(chosen), color="0.5", ls=":", lw=1.5)
    if chosen is not None:
        axes[1].text(
            lambdas.index(chosen),
            0.97,
            " chosen",
            transform=axes[1].get_xaxis_transform(),
            va="top",
            fontsize=8,
            color="0.35",
        )
    fig.tight_layout()
    return fig


def plot_dropout(
    sizes: Sequence[int] = (4, 6, 6, 3),
    p_keep: float = 0.5,
    seed: int = 11,
    p_keep_input: float | None = None,
):
    """A small network drawn twice: whole (evaluation), and thinned by one random dropout mask
    (one training step): the dropped units are crossed out and their connections removed.

    Args:
        sizes: units per layer, input first. Hidden layers keep each unit with ``p_keep``; the
            input layer with ``p_keep_input`` (default: all kept); the output layer always.
        seed: the mask drawn (a figure, not a training run); the default keeps half of each
            hidden layer of the default sizes.
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise ValueError(f"plot_dropout needs at least one hidden layer, got sizes={sizes}")
    if not 0 < p_keep <= 1 or (p_keep_input is not None and not 0 < p_keep_input <= 1):
        raise ValueError("keep probabilities must be in (0, 1]")
    rng = np.random.default_rng(seed)
    keeps = [1.0 if p_keep_input is None else p_keep_input]
    keeps += [p_keep] * (len(sizes) - 2) + [1.0]
    masks = [rng.random(n) < p for n, p in zip(sizes, keeps)]
    for mask in masks[1:-1]:  # keep at least one unit per hidden layer, or nothing flows
        mask[rng.integers(len(mask))] = True
    top = max(sizes)
    positions = [(top - n) / 2 + np.arange(n) for n in sizes]  # centered columns
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    titles = (
        "evaluation: every unit, nothing scaled",
        "one training step: a random thinned network,\n"
        r"kept outputs multiplied by $1 / p_\mathrm{keep}$",
    )
    for ax, thinned, title in zip(axes, (False, True), titles):
        for l in range(len(sizes) - 1):
            for i, yi in enumerate(positions[l]):
                for j, yj in enumerate(positions[l + 1]):
                    alive = not thinned or (masks[l][i] and masks[l + 1][j])
                    if alive:
                        ax.plot([l, l + 1], [yi, yj], color="0.55", lw=0.7, zorder=1)
        for l, ys in enumerate(positions):
            for i, y in enumerate(ys):
                dropped = thinned and not masks[l][i]
                face = "white" if dropped else ("C1" if l == len(sizes) - 1 else "C0")
                ax.scatter(l, y, s=260, color=face, edgecolor="0.3", zorder=2)
                if dropped:
                    ax.scatter(l, y, s=150, marker="x", color="C3", lw=2, zorder=3)
        ax.set_xticks(range(len(sizes)), ["input", *["hidden"] * (len(sizes) - 2), "output"])
        ax.set_yticks([])
        ax.set_ylim(top - 0.5, -0.5)
        ax.set_xlim(-0.4, len(sizes) - 0.6)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
