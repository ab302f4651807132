"""The capstone's figure (:mod:`nnscratch.plotting.capstone`): it draws what it is given and rejects
bad input clearly."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnscratch.plotting import plot_early_stopping  # noqa: E402

CURVE = [(0.12, 0.964), (0.08, 0.976), (0.06, 0.984), (0.065, 0.985)]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_loss_and_accuracy_per_epoch_with_the_chosen_epoch_marked():
    fig = plot_early_stopping(CURVE, best_epochs=3)
    loss, acc = fig.axes
    assert np.allclose(loss.lines[0].get_ydata(), [c[0] for c in CURVE])
    assert np.allclose(acc.lines[0].get_ydata(), [100 * c[1] for c in CURVE])
    for ax in fig.axes:
        assert list(ax.lines[0].get_xdata()) == [1, 2, 3, 4]
        assert list(ax.lines[1].get_xdata()) == [3, 3]  # the chosen epoch
    assert fig.get_size_inches()[0] <= 11


@pytest.mark.parametrize(
    ("curve", "best", "message"),
    [
        ([0.1, 0.2], 1, "one \\(loss, accuracy\\) pair per epoch"),
        ([], 1, "one \\(loss, accuracy\\) pair per epoch"),
        (CURVE, 0, "not an epoch of the curve"),
        (CURVE, 5, "not an epoch of the curve"),
    ],
)
def test_bad_input_is_refused_with_a_message(curve, best, message):
    with pytest.raises(ValueError, match=message):
        plot_early_stopping(curve, best)
