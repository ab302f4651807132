"""Figures of the forward pass (chapter 2): the toy network with its numbers, and the sigmoid."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from nnscratch.activations import sigmoid, sigmoid_prime, softmax


def _node(ax, x: float, y: float, name: str, color: str) -> None:
    """A circle of radius 0.17 centered at (x, y) with ``name`` (mathtext) inside."""
    ax.add_patch(plt.Circle((x, y), 0.17, facecolor=color, edgecolor="0.3", lw=1, zorder=3))
    ax.text(x, y, name, ha="center", va="center", fontsize=12, zorder=4)


def plot_toy_network(params: dict[str, np.ndarray], x: np.ndarray):
    """The toy network of :mod:`nnscratch.toy` drawn with its weights and the values of one input.

    Three columns of two units: the inputs ``x``, the hidden units (``z1 = W1 @ x``, ``a1 =
    sigmoid(z1)``) and the outputs (``z2 = W2 @ a1``, ``p = softmax(z2)``). Each arrow from unit j
    to unit i carries the weight ``W[i, j]``; each unit shows the numbers it computes.

    Args:
        params: ``{"W1": (2, 2), "W2": (2, 2)}``, weights ``(out, in)`` as in :func:`toy_params`.
        x: one input ``(2,)``.
    """
    W1, W2 = (np.asarray(params[k], dtype=np.float64) for k in ("W1", "W2"))
    x = np.asarray(x, dtype=np.float64)
    if W1.shape != (2, 2) or W2.shape != (2, 2) or x.shape != (2,):
        raise ValueError(
            f"plot_toy_network draws the 2-2-2 toy network: expected W1 (2, 2), W2 (2, 2) and "
            f"x (2,), got {W1.shape}, {W2.shape} and {x.shape}; see nnscratch.toy"
        )
    z1 = W1 @ x
    a1 = sigmoid(z1)
    z2 = W2 @ a1
    p = softmax(z2)
    ys = (1.0, 0.0)  # unit 1 on top, unit 2 below
    fig, ax = plt.subplots(figsize=(7.2, 2.9))
    for col, W in ((0, W1), (1, W2)):
        for i in range(2):  # to unit i of the next column
            for j in range(2):  # from unit j of this column
                start, end = np.array([2.2 * col, ys[j]]), np.array([2.2 * (col + 1), ys[i]])
                ax.annotate(
                    "",
                    xy=end,
                    xytext=start,
                    arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.2, shrinkA=13, shrinkB=13),
                )
                lx, ly = start + 0.3 * (end - start)  # label near the source: no two overlap
                ax.text(
                    lx,
                    ly,
                    f"${W[i, j]:g}$",
                    ha="center",
                    va="center",
                    fontsize=10.5,
                    color="C3" if W[i, j] < 0 else "C0",
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none"),
                )
    for k, y in enumerate(ys):
        _node(ax, 0.0, y, f"$x_{k + 1}$", "#dbe9f6")
        _node(ax, 2.2, y, f"$h_{k + 1}$", "#fde6c8")
        _node(ax, 4.4, y, f"$o_{k + 1}$", "#d9f0d3")
        ax.text(-0.3, y, f"${x[k]:g}$", ha="right", va="center", fontsize=11)
        below = y - 0.3 if k == 1 else y + 0.3
        va = "top" if k == 1 else "bottom"
        ax.text(
            2.2, below, f"$z = {z1[k]:.3f}$\n$a = {a1[k]:.3f}$", ha="center", va=va, fontsize=9.5
        )
        ax.text(
            4.65, y, f"$z = {z2[k]:.3f}$\n$p = {p[k]:.3f}$", ha="left", va="center", fontsize=9.5
        )
    for xpos, title in ((0.0, "inputs"), (2.2, "hidden (sigmoid)"), (4.4, "outputs (softmax)")):
        ax.text(xpos, 1.85, title, ha="center", va="bottom", fontsize=10, color="0.25")
    ax.set(xlim=(-0.9, 5.6), ylim=(-0.75, 2.1), aspect="equal")
    ax.axis("off")
    fig.tight_layout()
    return fig


def plot_sigmoid(lim: float = 8.0, flat: float = 4.0):
    """The sigmoid and its slope on ``[-lim, lim]``, the saturated parts ``|z| > flat`` shaded.

    The label of the shaded parts gives the largest slope there, ``sigmoid'(flat)``.
    """
    z = np.linspace(-lim, lim, 401)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(z, sigmoid(z), label=r"$\sigma(z)$")
    ax.plot(z, sigmoid_prime(z), label=r"$\sigma'(z) = \sigma(z)(1 - \sigma(z))$")
    slope = float(sigmoid_prime(np.float64(flat)))
    for side in (-1, 1):
        ax.axvspan(flat * side, lim * side, color="gray", alpha=0.15, lw=0)
        ax.text(
            side * (flat + lim) / 2,
            0.55,
            f"saturated:\nslope < {slope:.2f}",
            ha="center",
            fontsize=9,
        )
    ax.set(xlabel="$z$", xlim=(-lim, lim))
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
