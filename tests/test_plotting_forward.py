"""The figures of chapter 2 (``nnscratch.plotting.forward``): they draw what they are given."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnscratch.plotting import plot_sigmoid, plot_toy_network  # noqa: E402
from nnscratch.toy import toy_params, toy_sample  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_toy_network_shows_every_weight_and_the_numbers_of_chapter_2():
    params, (x, _) = toy_params(), toy_sample()
    shown = texts(plot_toy_network(params, x))
    for W in params.values():  # every weight labels one arrow
        for w in W.ravel():
            assert f"${w:g}$" in shown
    # z1 = W1 @ x = (0, 1), a1 = (0.5, 0.731), p = (0.233, 0.767): the numbers worked by hand
    joined = "\n".join(shown)
    for number in ("z = 0.000", "a = 0.500", "z = 1.000", "a = 0.731", "p = 0.233", "p = 0.767"):
        assert number in joined, number


def test_toy_network_draws_the_weights_it_is_given():
    params = toy_params()
    params["W2"][0, 0] = 3.5
    assert "$3.5$" in texts(plot_toy_network(params, toy_sample()[0]))


def test_toy_network_refuses_other_shapes():
    params = toy_params()
    params["W1"] = np.ones((3, 2))
    with pytest.raises(ValueError, match="2-2-2 toy network"):
        plot_toy_network(params, toy_sample()[0])


def test_sigmoid_curve_and_slope_with_the_saturated_parts_labeled():
    fig = plot_sigmoid(lim=8.0, flat=4.0)
    (ax,) = fig.axes
    sigma, slope = ax.lines
    assert sigma.get_ydata().min() > 0 and sigma.get_ydata().max() < 1
    assert np.isclose(slope.get_ydata().max(), 0.25, atol=1e-3)
    assert texts(fig) == ["saturated:\nslope < 0.02"] * 2
