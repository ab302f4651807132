"""The toy network's computational graph (chapter 4; chapter 9 builds its scalar autograd on it).

The graph of :mod:`nnscratch.toy` drawn one number per node: the inputs ``x_1, x_2``, the weighted
sums ``z_{1,1}, z_{1,2}``, the hidden activations ``a_{1,1}, a_{1,2}``, the output scores
``z_{2,1}, z_{2,2}`` and the loss ``L`` (softmax and cross-entropy in one node). Each edge goes
from a node ``u`` to a node ``v`` that is computed from it and carries the local gradient
``dv/du``: the weight ``W_{l,ij}`` on the edge from ``a_{l-1,j}`` (or ``x_j``) to ``z_{l,i}``, the
sigmoid's slope ``sigma'(z_{1,i})`` on the edge from ``z_{1,i}`` to ``a_{1,i}``, and ``p_k - y_k``
on the edge from ``z_{2,k}`` to ``L``. Node names, as the ``grads`` argument spells them:
``"x"``, ``"z1"``, ``"a1"``, ``"z2"`` (each a ``(2,)`` array, entry i for unit i).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch

from nnscratch.activations import sigmoid_prime

FORWARD, BACKWARD, LOCAL = "#1f5fa8", "#b8431d", "0.25"
_COLUMNS = {"x": 0.0, "z1": 3.0, "a1": 6.0, "z2": 9.0}  # horizontal place of each layer's nodes
_ROWS = (1.2, -1.2)  # unit 1 above, unit 2 below
_LOSS = (12.0, 0.0)
_RADIUS = 0.5


def _number(v: float) -> str:
    return f"{v:.3g}".replace("-", "\N{MINUS SIGN}")


def _node(ax, center, label: str, value=None, grad=None):
    """A circle with its symbol; its value above (forward), its gradient dL/dv below."""
    ax.add_patch(Circle(center, _RADIUS, facecolor="white", edgecolor="0.3", lw=1.2, zorder=3))
    ax.text(*center, label, ha="center", va="center", fontsize=13, zorder=4)
    x, y = center
    if value is not None:
        ax.text(
            x,
            y + _RADIUS + 0.08,
            _number(value),
            ha="center",
            va="bottom",
            fontsize=11,
            color=FORWARD,
            weight="bold",
        )
    if grad is not None:
        ax.text(
            x,
            y - _RADIUS - 0.08,
            _number(grad),
            ha="center",
            va="top",
            fontsize=11,
            color=BACKWARD,
            weight="bold",
        )


def _edge(ax, start, end, label: str = "", where: float = 0.5, above: bool = False):
    """An arrow from one node's circle to another's, its label on a white patch at ``where``
    along it (0: the start's center, 1: the end's), or just above it (``above``)."""
    (x0, y0), (x1, y1) = start, end
    d = np.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d  # from circle edge to circle edge
    tail, head = (x0 + _RADIUS * ux, y0 + _RADIUS * uy), (x1 - _RADIUS * ux, y1 - _RADIUS * uy)
    arrow = FancyArrowPatch(
        tail,
        head,
        arrowstyle="-|>",
        mutation_scale=13,
        color="0.45",
        lw=1.1,
        shrinkA=0,
        shrinkB=1,
        zorder=1,
    )
    ax.add_patch(arrow)
    if label:
        ax.text(
            x0 + where * (x1 - x0),
            y0 + where * (y1 - y0) + (0.1 if above else 0.0),
            label,
            ha="center",
            va="bottom" if above else "center",
            fontsize=10.5,
            color=LOCAL,
            zorder=2,
            bbox=None if above else {"facecolor": "white", "edgecolor": "none", "pad": 0.6},
        )


def plot_toy_graph(
    params: Mapping[str, np.ndarray],
    activations: Sequence[np.ndarray],
    zs: Sequence[np.ndarray],
    y: np.ndarray,
    grads: Mapping[str, np.ndarray] | None = None,
):
    """The toy network's graph for one sample: forward values, and gradients when given.

    Args:
        params: ``{"W1": (2, 2), "W2": (2, 2)}``, shapes ``(out, in)``.
        activations: ``[x (2,), a1 (2,), p (2,)]`` and ``zs``: ``[z1 (2,), z2 (2,)]``, as
            ``Network.forward`` returns them for one sample.
        y: the one-hot target ``(2,)``.
        grads: optional ``dL/dv`` per node, ``{"x": (2,), "z1": ..., "a1": ..., "z2": ...}``
            (any subset), and ``"L"`` (1.0).

    Without ``grads``: the forward pass, each node's value above it in blue, each weight on its
    edge. With ``grads``: each node's ``dL/dv`` below it in red, and every edge labeled with its
    local gradient (the weight, ``sigma'(z)``, ``p - y``), so that each red number is the sum,
    over the edges leaving the node, of the edge's label times the red number at its end.
    """
    W1, W2 = (np.asarray(params[k], dtype=float) for k in ("W1", "W2"))
    x, a1, p = (np.asarray(a, dtype=float) for a in activations)
    z1, z2 = (np.asarray(z, dtype=float) for z in zs)
    y = np.asarray(y, dtype=float)
    if not (W1.shape == W2.shape == (2, 2) and x.shape == a1.shape == p.shape == y.shape == (2,)):
        raise ValueError(
            "plot_toy_graph draws the 2-2-2 toy network (nnscratch.toy): W1 and W2 (2, 2), "
            f"x, a1, p, y (2,); got W1 {W1.shape}, W2 {W2.shape}, x {x.shape}, p {p.shape}"
        )
    backward = grads is not None
    grads = dict(grads or {})
    values = {"x": x, "z1": z1, "a1": a1, "z2": z2}
    symbols = {"x": "x_{{{i}}}", "z1": "z_{{1,{i}}}", "a1": "a_{{1,{i}}}", "z2": "z_{{2,{i}}}"}
    place = {(name, i): (col, _ROWS[i]) for name, col in _COLUMNS.items() for i in (0, 1)}
    loss = float(-np.sum(y * np.log(p)))

    fig, ax = plt.subplots(figsize=(9, 4.15))
    slope = sigmoid_prime(z1)
    for i in (0, 1):
        for j in (0, 1):  # W_l[i, j]: from unit j of the layer below to unit i
            where = 0.5 if i == j else 0.28  # labels of crossing edges clear of the crossing
            _edge(ax, place["x", j], place["z1", i], _number(W1[i, j]), where)
            _edge(ax, place["a1", j], place["z2", i], _number(W2[i, j]), where)
        sigma = f"$\\sigma'$ = {_number(slope[i])}" if backward else "$\\sigma$"
        _edge(ax, place["z1", i], place["a1", i], sigma, above=True)
        _edge(ax, place["z2", i], _LOSS, _number(p[i] - y[i]) if backward else "", 0.45)
    for (name, i), center in place.items():
        grad = grads.get(name)
        _node(
            ax,
            center,
            f"${symbols[name].format(i=i + 1)}$",
            values[name][i],
            None if grad is None else float(np.asarray(grad)[i]),
        )
    _node(ax, _LOSS, "$L$", loss, grads.get("L"))
    ax.text(
        _LOSS[0],
        _LOSS[1] - 1.3,
        f"$p$ = ({_number(p[0])}, {_number(p[1])})\n$y$ = ({y[0]:g}, {y[1]:g})",
        ha="center",
        va="top",
        fontsize=10.5,
    )
    for name, col in _COLUMNS.items():
        ax.text(
            col,
            -2.55,
            {"x": "input", "z1": "weighted sums", "a1": "sigmoid", "z2": "scores"}[name],
            ha="center",
            fontsize=10,
            color="0.35",
        )
    ax.text(_LOSS[0], -2.55, "softmax, loss", ha="center", fontsize=10, color="0.35")
    legend = [("value (forward)", FORWARD)]
    if backward:
        legend += [
            ("$\\partial L/\\partial v$ (backward)", BACKWARD),
            ("local gradient (on the arrow)", LOCAL),
        ]
    else:
        legend += [("weight (on the arrow)", LOCAL)]
    for k, (text, color) in enumerate(legend):
        ax.text(
            -0.6 + 4.2 * k,
            2.75,
            text,
            color=color,
            fontsize=10.5,
            ha="left",
            weight="bold" if color != LOCAL else "normal",
        )
    ax.set(xlim=(-0.8, 13.2), ylim=(-2.8, 3.05), aspect="equal")
    ax.axis("off")
    fig.tight_layout()
    return fig
