"""Figures of backpropagation: the computation drawn with shapes and the error signal per layer
(chapter 4), and what the output error does in training (chapter 6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch


def _box(
    ax,
    x: float,
    y: float,
    text: str,
    color: str,
    width: float = 1.9,
    height: float = 0.9,
    fontsize: float = 11.5,
):
    """A rounded box centered at (x, y) with ``text`` (mathtext allowed)."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.03,rounding_size=0.12",
            facecolor=color,
            edgecolor="0.3",
            lw=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(
    ax,
    start,
    end,
    color: str,
    label: str = "",
    style: str = "-",
    offset: float = 0.22,
    rad: float = 0.0,
    fontsize: float = 10.5,
):
    """An arrow from ``start`` to ``end`` with an optional label above its middle."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=13,
            color=color,
            lw=1.4,
            linestyle=style,
            shrinkA=2,
            shrinkB=2,
            connectionstyle=f"arc3,rad={rad}",
        )
    )
    if label:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(mx, my + offset, label, ha="center", va="bottom", fontsize=fontsize, color=color)


def plot_backprop_diagram(sizes: Sequence[int] = (784, 128, 64, 10)):
    """The computation of one image through the network, forward and backward.

    Top row: the forward pass, ``a_0 = x``, ``z_l = W_l a_{l-1}``, ``a_l = sigma(z_l)`` and the
    softmax output ``p = a_3``, with the shape of every vector; then the loss. Middle row: the
    errors ``delta_l = dL/dz_l`` flowing back, ``delta_3 = p - y`` and
    ``delta_l = (W_{l+1}^T delta_{l+1}) * sigma'(z_l)``. Bottom row: each weight gradient
    ``dL/dW_l = delta_l a_{l-1}^T``, an outer product of the error with the previous activation,
    the shape of ``W_l``.

    Args:
        sizes: the layer widths, input first; the diagram is drawn for three weight layers.
    """
    if len(sizes) != 4:
        raise ValueError(
            f"plot_backprop_diagram draws three weight layers: sizes needs 4 widths, "
            f"e.g. (784, 128, 64, 10); got {tuple(sizes)!r}"
        )
    n0, n1, n2, n3 = sizes
    fwd, bwd, grad = "#1f5fa8", "#b8431d", "#3d7f3d"
    xs = [0.0, 4.0, 8.0, 12.0]  # columns of a_0 .. a_3
    x_loss = 15.6
    y_fwd, y_bwd, y_grad = 3.5, 1.2, -1.0
    fig, ax = plt.subplots(figsize=(10, 5.6))
    big, small = 13, 12  # text in the boxes, labels on the arrows

    # forward row: activations, then the loss
    _box(ax, xs[0], y_fwd, f"$a_0 = x$\n({n0},)", "#e3ecf7", width=1.9, fontsize=big)
    for l, n in ((1, n1), (2, n2)):
        text = f"$z_{l},\\ a_{l} = \\sigma(z_{l})$\n({n},)"
        _box(ax, xs[l], y_fwd, text, "#e3ecf7", width=2.7, fontsize=big)
    text = f"$z_3,\\ p = \\mathrm{{softmax}}(z_3)$\n({n3},)"
    _box(ax, xs[3], y_fwd, text, "#e3ecf7", width=3.6, fontsize=big)
    _box(ax, x_loss, y_fwd, "$L = -\\log p_c$\n(a number)", "#f2f2f2", width=2.2, fontsize=big)
    for l in (1, 2, 3):
        shape = (sizes[l], sizes[l - 1])
        left = xs[l - 1] + (0.95 if l == 1 else 1.35)
        right = xs[l] - (1.8 if l == 3 else 1.35)
        label = f"$z_{l} = W_{l}\\,a_{l - 1}$\n$W_{l}$: {shape}"
        _arrow(ax, (left, y_fwd), (right, y_fwd), fwd, label, offset=0.55, fontsize=small)
    _arrow(
        ax,
        (xs[3] + 1.8, y_fwd),
        (x_loss - 1.2, y_fwd),
        fwd,
        "target $y$",
        offset=0.55,
        fontsize=small,
    )

    # backward row: the errors, each box saying how its error is computed, so that no label
    # sits on the arrows that cross this row
    h_bwd = 1.25
    for l, n in ((1, n1), (2, n2)):
        text = (
            f"$\\delta_{l}$  ({n},)\n$= (W_{l + 1}^\\top \\delta_{l + 1})$\n"
            f"$\\odot\\, \\sigma'(z_{l})$"
        )
        _box(ax, xs[l], y_bwd, text, "#f8e6dd", width=2.2, height=h_bwd, fontsize=big)
    _box(
        ax,
        xs[3],
        y_bwd,
        f"$\\delta_3 = p - y$\n({n3},)",
        "#f8e6dd",
        width=2.2,
        height=h_bwd,
        fontsize=big,
    )
    _arrow(ax, (x_loss, y_fwd - 0.47), (xs[3] + 1.1, y_bwd), bwd, "", rad=-0.25)
    for l in (3, 2):
        _arrow(ax, (xs[l] - 1.1, y_bwd), (xs[l - 1] + 1.1, y_bwd), bwd)
    for l in (1, 2, 3):  # z_l (and p) are needed again on the way back
        _arrow(ax, (xs[l], y_fwd - 0.47), (xs[l], y_bwd + h_bwd / 2), "0.55", style=":")

    # gradient row: outer products of the error with the previous activation
    for l in (1, 2, 3):
        gx = (xs[l - 1] + xs[l]) / 2
        shape = (sizes[l], sizes[l - 1])
        text = f"$\\partial L/\\partial W_{l} = \\delta_{l}\\, a_{l - 1}^\\top$\n{shape}"
        _box(ax, gx, y_grad, text, "#e4f1e4", width=3.4, height=1.0, fontsize=big)
        _arrow(ax, (xs[l] - 0.5, y_bwd - h_bwd / 2), (gx + 0.7, y_grad + 0.52), grad)
        start = (xs[l - 1] + (0.8 if l == 1 else 1.3), y_fwd - 0.47)  # clear of delta_{l-1}
        _arrow(ax, start, (gx - 0.5, y_grad + 0.52), grad, style="--")

    for y, text, color in (
        (y_fwd, "forward", fwd),
        (y_bwd, "backward", bwd),
        (y_grad, "gradients", grad),
    ):
        ax.text(-1.6, y, text, rotation=90, ha="center", va="center", color=color, fontsize=big)
    ax.set(xlim=(-2.0, 16.9), ylim=(-1.6, 4.75))
    ax.axis("off")
    fig.tight_layout()
    return fig


def plot_backward_signal(signal: Mapping[str, Sequence[float]], title: str | None = None):
    """Size of the error ``delta_l`` in each layer, one line per initialization rule.

    Args:
        signal: rule name -> ``[size of delta_1, ..., size of delta_L]`` (for example the standard
            deviation of ``delta_l`` over a batch); drawn on a log scale, output layer on the right.
    """
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for k, (name, values) in enumerate(signal.items()):
        layers = np.arange(1, len(values) + 1)
        ax.semilogy(layers, values, "o-", color=f"C{k}", label=name)
    ax.set(
        xlabel="layer $l$",
        ylabel=r"std of $\delta_l$ (log scale)",
        title=title or "the error signal, from the output (right) back to layer 1",
    )
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_output_gradient(
    p_true: np.ndarray,
    sizes: Mapping[str, np.ndarray],
    curves: Mapping[str, tuple[Sequence[int], Sequence[float]]],
):
    """Why cross-entropy: the output error per image, and what it does to learning.

    Args:
        p_true: ``(N,)`` probability each image's true digit received.
        sizes: loss name -> ``(N,)`` size of the output error ``||dL/dz_3||`` of each image.
        curves: run name -> (images seen, validation accuracy) of a short training run.

    Left: output error against ``p_true`` on log-log axes; right: the learning curves.
    """
    fig, (ax_g, ax_c) = plt.subplots(1, 2, figsize=(9.6, 3.6))
    for k, (name, size) in enumerate(sizes.items()):
        ax_g.loglog(
            np.maximum(p_true, 1e-30),
            np.maximum(size, 1e-30),
            ".",
            ms=2,
            alpha=0.4,
            color=f"C{k}",
            label=name,
        )
    ax_g.set(
        xlabel="probability of the true digit, $p_c$",
        ylabel=r"output error $\|\partial L/\partial z_3\|$",
        title="one image: how hard the loss pushes",
    )
    ax_g.legend(fontsize=8, markerscale=5)
    ax_g.grid(alpha=0.3)
    for k, (name, (seen, acc)) in enumerate(curves.items()):
        ax_c.plot(seen, 100 * np.asarray(acc), "o-", ms=3, color=f"C{k % 10}", label=name)
    ax_c.set(
        xlabel="training images seen",
        ylabel="validation accuracy (%)",
        title="training from a saturated start",
    )
    ax_c.grid(alpha=0.3)
    ax_c.legend(fontsize=8)
    fig.tight_layout()
    return fig
