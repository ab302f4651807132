"""The figures of chapter 8 (:mod:`nnscratch.plotting.regularization`): they draw what they are
given and reject bad input clearly."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnscratch.network import History  # noqa: E402
from nnscratch.plotting import plot_dropout, plot_weight_decay  # noqa: E402
from nnscratch.plotting.regularization import lambda_label  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def run(train_acc, val_acc, train_loss, val_loss):
    """A History whose last epoch holds the given values (an earlier epoch is ignored)."""
    return History(
        train_loss=[9.0, train_loss],
        train_accuracy=[0.0, train_acc],
        val_loss=[9.0, val_loss],
        val_accuracy=[0.0, val_acc],
        seconds=[1.0, 1.0],
        lr=[None, None],
    )


RUNS = {  # given out of order: drawn by increasing lambda
    1e-3: run(0.96, 0.92, 0.16, 0.26),
    0.0: run(1.0, 0.94, 0.01, 0.25),
    1e-4: run(0.999, 0.94, 0.02, 0.22),
}


def test_labels_of_the_strengths():
    assert [lambda_label(x) for x in (0, 1e-4, 3e-4, 1e-3, 0.01, 0.5)] == [
        "0",
        "1e-4",
        "3e-4",
        "1e-3",
        "0.01",
        "0.5",
    ]


def test_weight_decay_draws_the_last_epoch_by_increasing_lambda():
    fig = plot_weight_decay(RUNS, {0.0: 40.0, 1e-4: 35.0, 1e-3: 20.0}, chosen=1e-4)
    acc, loss, size = fig.axes
    train, val = acc.lines[0], acc.lines[1]
    np.testing.assert_allclose(train.get_ydata(), [100.0, 99.9, 96.0])
    np.testing.assert_allclose(val.get_ydata(), [94.0, 94.0, 92.0])
    np.testing.assert_allclose(loss.lines[1].get_ydata(), [0.25, 0.22, 0.26])
    np.testing.assert_allclose(size.lines[0].get_ydata(), [40.0, 35.0, 20.0])
    assert [t.get_text() for t in acc.get_xticklabels()] == ["0", "1e-4", "1e-3"]
    for ax in fig.axes:  # the chosen lambda is marked at its position, 1
        marks = [line for line in ax.lines if line.get_linestyle() == ":"]
        assert len(marks) == 1 and marks[0].get_xdata()[0] == 1


def test_weight_decay_without_sizes_has_two_panels():
    assert len(plot_weight_decay(RUNS).axes) == 2


def test_weight_decay_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one run"):
        plot_weight_decay({})
    with pytest.raises(ValueError, match="not one of the runs"):
        plot_weight_decay(RUNS, chosen=3e-4)
    with pytest.raises(ValueError, match="one entry per run"):
        plot_weight_decay(RUNS, {0.0: 1.0})
    with pytest.raises(ValueError, match=">= 0"):
        plot_weight_decay({-1e-4: RUNS[0.0]})


def test_dropout_crosses_out_the_dropped_units_and_their_connections():
    sizes = (4, 6, 6, 3)
    fig = plot_dropout(sizes, p_keep=0.5, seed=11)
    whole, thinned = fig.axes
    units = sum(sizes)
    connections = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    assert len(whole.lines) == connections and len(whole.collections) == units
    crosses = len(thinned.collections) - units  # one "x" per dropped unit
    assert 0 < crosses < 12
    assert len(thinned.lines) < connections
    everything = plot_dropout(sizes, p_keep=1.0)  # keeping every unit drops nothing
    assert len(everything.axes[1].lines) == connections
    with pytest.raises(ValueError, match="hidden layer"):
        plot_dropout((4, 3))
    with pytest.raises(ValueError, match="keep probabilities"):
        plot_dropout(sizes, p_keep=0.0)
