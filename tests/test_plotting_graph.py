"""The toy network's computational graph (chapter 4): it draws the numbers it is given, every one
of them, and refuses a network of another shape with a message."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnscratch.network import Network  # noqa: E402
from nnscratch.plotting import plot_toy_graph  # noqa: E402
from nnscratch.toy import toy_params, toy_sample  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def toy_pass():
    net = Network(sizes=(2, 2, 2), dtype=np.float64)
    net.params = toy_params()
    x, y = toy_sample()
    activations, zs = net.forward(x)
    return net, activations, zs, y


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def test_forward_graph_shows_values_and_weights():
    net, activations, zs, y = toy_pass()
    shown = texts(plot_toy_graph(net.params, activations, zs, y))
    for symbol in ("$x_{1}$", "$z_{1,2}$", "$a_{1,1}$", "$z_{2,2}$", "$L$"):
        assert symbol in shown
    assert "0.731" in shown and "\N{MINUS SIGN}2" in shown  # a_{1,2}, the weight W1[0, 1]
    loss = -np.log(activations[-1][1])
    assert f"{loss:.3g}" in shown
    assert not any("\N{MINUS SIGN}0.137" == t for t in shown)  # no gradient without grads


def test_backward_graph_shows_gradients_and_local_gradients():
    net, activations, zs, y = toy_pass()
    delta1, delta2 = net.deltas(activations, zs, y)
    grads = {"L": 1.0, "z2": delta2, "a1": net.params["W2"].T @ delta2, "z1": delta1}
    shown = texts(plot_toy_graph(net.params, activations, zs, y, grads=grads))
    assert "0.116" in shown and "\N{MINUS SIGN}0.137" in shown  # delta1
    assert "\N{MINUS SIGN}0.698" in shown  # dL/da_{1,2}
    assert "$\\sigma'$ = 0.25" in shown and "0.233" in shown  # local gradients


def test_other_shapes_are_refused_with_a_message():
    with pytest.raises(ValueError, match="2-2-2 toy network"):
        plot_toy_graph(
            {"W1": np.zeros((3, 2)), "W2": np.zeros((2, 3))},
            [np.zeros(2), np.zeros(3), np.full(2, 0.5)],
            [np.zeros(3), np.zeros(2)],
            np.array([0.0, 1.0]),
        )
