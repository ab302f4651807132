"""The figures of chapters 1-5: they draw what they are given and reject bad input clearly."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnscratch.network import History  # noqa: E402
from nnscratch.plotting import (  # noqa: E402
    plot_activation_stats,
    plot_backprop_diagram,
    plot_backward_signal,
    plot_confusion_matrix,
    plot_epoch_times,
    plot_learning_curves,
    plot_learning_rates,
    plot_misclassified,
    plot_output_gradient,
    plot_progress,
    plot_schedules,
    plot_weight_images,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history(offset=0.0):
    return History(
        train_loss=[0.5, 0.3],
        train_accuracy=[0.9, 0.95],
        val_loss=[0.6, 0.4],
        val_accuracy=[0.88 + offset, 0.93 + offset],
        seconds=[1.0, 1.0],
        lr=[0.1, 0.1],
    )


def test_learning_curves_single_run_many_runs_and_keras_names():
    fig = plot_learning_curves(history())
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 2 and len(acc_ax.lines) == 2
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), [88, 93])  # validation, in percent
    fig = plot_learning_curves({"seed 0": history(), "seed 1": history(0.01)})
    assert len(fig.axes[1].lines) == 4
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()] == ["seed 0", "seed 1"]
    # a Keras History.history
    fig = plot_learning_curves(
        {
            "loss": [1.0, 0.5],
            "val_loss": [1.1, 0.7],
            "accuracy": [0.5, 0.8],
            "val_accuracy": [0.4, 0.7],
        }
    )
    assert len(fig.axes[0].lines) == 2
    with pytest.raises(TypeError, match="needs a History"):
        plot_learning_curves([0.1, 0.2])


def test_confusion_matrix_counts():
    labels = np.array([0, 0, 1, 2, 2, 2])
    predictions = np.array([0, 1, 1, 2, 2, 0])
    fig = plot_confusion_matrix(labels, predictions, classes=3)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1", "1", "0", "0", "1", "0", "1", "0", "2"]  # row by row
    with pytest.raises(ValueError, match="same shape"):
        plot_confusion_matrix(labels, predictions[:3])


def test_misclassified_shows_only_mistakes_most_confident_first():
    images = np.random.default_rng(0).random((5, 784))
    labels = np.array([1, 2, 3, 4, 5])
    predictions = np.array([1, 0, 3, 0, 0])
    probs = np.full((5, 10), 0.05)
    probs[1, 0], probs[3, 0], probs[4, 0] = 0.6, 0.9, 0.7
    fig = plot_misclassified(images, labels, predictions, probs=probs, rows=1, cols=4)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["4→0\n90.00%", "5→0\n70.00%", "2→0\n60.00%"]


def test_weight_images_and_activation_stats():
    fig = plot_weight_images(np.random.default_rng(0).normal(size=(128, 784)), rows=8, cols=16)
    assert sum(bool(ax.images) for ax in fig.axes) == 128
    with pytest.raises(ValueError, match="first-layer weight matrix"):
        plot_weight_images(np.zeros((64, 128)))
    a = np.array([[0.001, 0.5, 0.999, 0.4]])
    fig = plot_activation_stats({"demo": [a, a]})
    assert len(fig.axes) == 2 and "saturated 50%" in fig.axes[0].get_title()


def test_backprop_diagram_shows_every_shape_and_refuses_other_depths():
    fig = plot_backprop_diagram((784, 128, 64, 10))
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    for shape in ("(128, 784)", "(64, 128)", "(10, 64)", "(784,)", "(10,)"):
        assert shape in text, shape
    assert "delta_3 = p - y" in text and "forward" in text and "backward" in text
    with pytest.raises(ValueError, match="sizes needs 4 widths"):
        plot_backprop_diagram((784, 10))


def test_backward_signal_and_output_gradient_draw_their_data():
    fig = plot_backward_signal({"xavier": [0.01, 0.04, 0.3], "he": [0.02, 0.05, 0.3]})
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.01, 0.04, 0.3])
    p_true = np.array([1e-5, 0.5, 0.99])
    sizes = {
        "cross-entropy": np.array([1.4, 0.7, 0.01]),
        "squared error": np.array([1e-5, 0.3, 0.01]),
    }
    curves = {"run": ([0, 10, 20], [0.1, 0.5, 0.8])}
    fig = plot_output_gradient(p_true, sizes, curves)
    scatter, learning = fig.axes
    assert len(scatter.lines) == 2 and scatter.get_xscale() == "log"
    np.testing.assert_allclose(learning.lines[0].get_ydata(), [10, 50, 80])  # percent


def test_progress_in_percent():
    fig = plot_progress(
        {"a": ([0, 1], [0.1, 0.9]), "b": ([0, 1], [0.1, 0.1])}, "images", "acc", percent=True
    )
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [10, 90])
    assert ax.get_ylabel() == "acc (%)" and len(ax.get_legend().get_texts()) == 2


def test_learning_rates_and_schedules_mark_the_chosen_one():
    curves = {"lr 0.1": ([0, 500], [2.3, 0.5]), "lr 3": ([0, 500], [2.3, 3.0])}
    ax = plot_learning_rates(curves).axes[0]
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [2.3, 3.0])
    runs = {"constant": history(), "decay": history(0.01)}
    runs["decay"].lr = [0.1, 0.01]
    ax_rate, ax_acc = plot_schedules(runs, chosen="decay").axes
    labels = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert labels == ["constant", "decay (chosen)"]
    assert ax_acc.lines[1].get_linewidth() > ax_acc.lines[0].get_linewidth()
    np.testing.assert_allclose(ax_rate.lines[1].get_ydata(), [0.1, 0.01])


def test_epoch_times_bars_major_ticks_only_and_legend_clear_of_the_bars():
    seconds = {"NumPy one": 4.0, "NumPy batch": 0.7, "PyTorch": 1.4, "Keras": 2.2}
    fig = plot_epoch_times(seconds, {"products alone": 0.26, "bound": 0.23})
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == list(seconds.values())
    colors = [p.get_facecolor() for p in ax.patches]
    assert colors[0] == colors[1] and len(set(colors)) == 3  # one color per library
    assert ax.xaxis.get_minor_locator().tick_values(0.2, 4.0) == []  # no minor ticks
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all("10^" not in t and "times" not in t for t in labels)
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.y0 >= ax.get_window_extent().y1  # above the axes, covering no bar
    with pytest.raises(ValueError, match="positive times"):
        plot_epoch_times({"NumPy": 0.0})
