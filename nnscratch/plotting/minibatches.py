"""Figures of chapter 7: mini-batch gradients, the batch-size x learning-rate grid, calibration."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from nnscratch.plotting.training import _plain_log_y


def plot_gradient_length(
    length: Mapping[int, float], scatter: Mapping[int, float], full_length: float
):
    """What averaging over a batch does to the gradient, against the batch size B.

    Args:
        length: B -> root-mean-square length of a batch's mean gradient, ``sqrt(E |g_B|^2)``.
        scatter: B -> root-mean-square distance from the full gradient, ``sqrt(E |g_B - g|^2)``.
        full_length: ``|g|``, the length of the gradient over the whole training set.

    Left: the measured lengths, the prediction ``sqrt(|g|^2 + scatter[1]^2 / B)`` and ``|g|``.
    Right: the scatter, beside a line falling like ``1 / sqrt(B)`` from the first batch size.
    """
    sizes = np.array(sorted(length))
    if sorted(scatter) != list(sizes) or full_length <= 0:
        raise ValueError(
            "plot_gradient_length needs the same batch sizes in length and scatter and a positive "
            f"full_length; got {sorted(length)}, {sorted(scatter)} and {full_length!r}"
        )
    fine = np.geomspace(sizes[0], sizes[-1], 100)
    v = scatter[sizes[0]] ** 2 * sizes[0]  # one image's variance: its scatter, squared
    fig, (ax_len, ax_sc) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax_len.loglog(sizes, [length[b] for b in sizes], "o", color="C0", label="measured")
    ax_len.loglog(
        fine,
        np.sqrt(full_length**2 + v / fine),
        "-",
        color="C0",
        alpha=0.6,
        label=r"$\sqrt{|g|^2 + v / B}$",
    )
    ax_len.axhline(full_length, color="0.3", ls="--", lw=1, label="full gradient $|g|$")
    ax_len.set(
        xlabel="batch size $B$",
        ylabel="length (log scale)",
        title="length of a batch's mean gradient",
    )
    ax_sc.loglog(sizes, [scatter[b] for b in sizes], "o-", color="C1", label="measured")
    ax_sc.loglog(
        sizes,
        scatter[sizes[0]] * np.sqrt(sizes[0] / sizes),
        "--",
        color="0.5",
        label=r"$\propto 1/\sqrt{B}$",
    )
    ax_sc.set(
        xlabel="batch size $B$",
        ylabel="distance (log scale)",
        title="its distance from the full gradient",
    )
    for ax in (ax_len, ax_sc):
        _plain_log_y(ax)
        ax.set_xticks(sizes, [str(b) for b in sizes])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_rate_grid(accuracy: Mapping[int, Mapping[float, float]], chance: float = 0.1):
    """Validation accuracy against the learning rate, one line per batch size.

    Args:
        accuracy: batch size B -> {learning rate -> validation accuracy (a fraction)}.
        chance: the accuracy of guessing, drawn as a dotted line (0.1 for ten digits).
    """
    if not accuracy or not all(accuracy.values()):
        raise ValueError("plot_rate_grid needs {batch size: {learning rate: accuracy}}, non-empty")
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for k, b in enumerate(sorted(accuracy)):
        rates = sorted(accuracy[b])
        values = [100 * accuracy[b][r] for r in rates]
        ax.semilogx(rates, values, "o-", ms=4, color=f"C{k}", label=f"B = {b}")
        best = int(np.argmax(values))
        ax.plot(rates[best], values[best], "*", ms=13, color=f"C{k}", mec="black", mew=0.6)
    ax.axhline(100 * chance, color="0.4", ls=":", lw=1, label="chance")
    ax.set(
        xlabel="learning rate (log scale)",
        ylabel="validation accuracy (%)",
        title="one epoch on a slice (star: best rate of each batch size)",
        ylim=(0, 100),
    )
    ax.xaxis.set_major_formatter(plt.FormatStrFormatter("%g"))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    return fig


def plot_reliability(confidence: np.ndarray, correct: np.ndarray, edges=(0.9, 0.99, 0.999)):
    """Can the confidence be trusted? Mistakes the confidence predicts against mistakes made.

    Args:
        confidence: ``(N,)`` the probability each prediction was given (the largest output).
        correct: ``(N,)`` booleans, whether each prediction was right.
        edges: inner boundaries of the groups of confidence (most predictions of a trained
            network are above 0.99, hence the uneven groups).

    In each group, a network whose probabilities are honest makes ``sum(1 - confidence)``
    mistakes (its *expected* mistakes); an overconfident one makes more. Each group's tick label
    gives its number of predictions; each bar, its value.
    """
    confidence, correct = np.asarray(confidence, dtype=float), np.asarray(correct, dtype=bool)
    if confidence.shape != correct.shape or confidence.ndim != 1:
        raise ValueError(
            "confidence and correct must be arrays of the same shape (N,); got "
            f"{confidence.shape} and {correct.shape}"
        )
    bounds = [0.0, *edges, 1.0]
    group = np.digitize(confidence, edges)  # 0 .. len(edges)
    x = np.arange(len(bounds) - 1)
    expected = [float(np.sum(1 - confidence[group == k])) for k in x]
    made = [int(np.sum(~correct[group == k])) for k in x]
    labels = [
        f"{lo:g} to {hi:g}\n({np.sum(group == k):,})"
        for k, (lo, hi) in enumerate(zip(bounds, bounds[1:]))
    ]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    width = 0.38
    for shift, values, color, name in (
        (-width / 2, expected, "0.65", "expected from the confidence"),
        (width / 2, made, "C3", "made"),
    ):
        bars = ax.bar(x + shift, values, width=width, color=color, label=name)
        ax.bar_label(bars, fmt="%.0f", fontsize=8, padding=2)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set(
        xlabel="confidence of the prediction (number of predictions)",
        ylabel="mistakes",
        title="mistakes, by the confidence of the prediction",
    )
    ax.margins(y=0.12)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
