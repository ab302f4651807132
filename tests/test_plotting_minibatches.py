"""The figures of chapter 7: they draw what they are given and reject bad input clearly."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnscratch.plotting import plot_gradient_length, plot_rate_grid, plot_reliability  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_gradient_length_draws_the_measurements_the_prediction_and_the_full_gradient():
    length = {1: 4.4, 4: 2.5, 16: 1.9, 64: 1.5}
    scatter = {1: 4.2, 4: 2.1, 16: 1.2, 64: 0.5}
    ax_len, ax_sc = plot_gradient_length(length, scatter, full_length=1.45).axes
    measured, predicted, full = ax_len.lines
    np.testing.assert_allclose(measured.get_ydata(), [4.4, 2.5, 1.9, 1.5])
    x, y = predicted.get_data()
    np.testing.assert_allclose(y, np.sqrt(1.45**2 + 4.2**2 / x))  # |g|^2 + v / B
    np.testing.assert_allclose(full.get_ydata(), [1.45, 1.45])
    np.testing.assert_allclose(ax_sc.lines[0].get_ydata(), [4.2, 2.1, 1.2, 0.5])
    np.testing.assert_allclose(ax_sc.lines[1].get_ydata(), 4.2 / np.sqrt([1, 4, 16, 64]))
    with pytest.raises(ValueError, match="same batch sizes"):
        plot_gradient_length(length, {1: 4.2}, full_length=1.45)


def test_rate_grid_one_line_per_batch_size_and_a_star_on_the_best_rate():
    accuracy = {64: {1.0: 0.88, 3.0: 0.9, 0.3: 0.8}, 1: {0.1: 0.93, 0.03: 0.91}}
    ax = plot_rate_grid(accuracy).axes[0]
    lines = [line for line in ax.lines if line.get_marker() == "o"]
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    np.testing.assert_allclose(lines[0].get_data(), [[0.03, 0.1], [91, 93]])  # B = 1, sorted
    np.testing.assert_allclose(lines[1].get_data(), [[0.3, 1.0, 3.0], [80, 88, 90]])
    assert [s.get_xdata()[0] for s in stars] == [0.1, 3.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["B = 1", "B = 64", "chance"]
    with pytest.raises(ValueError, match="non-empty"):
        plot_rate_grid({})


def test_reliability_sets_the_mistakes_the_confidence_predicts_against_those_made():
    confidence = np.array([0.6, 0.7, 0.95, 0.95, 0.9995, 0.9995])
    correct = np.array([True, False, True, False, True, True])
    ax = plot_reliability(confidence, correct, edges=(0.9, 0.999)).axes[0]
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights[:3], [0.4 + 0.3, 0.05 + 0.05, 0.001])  # sum(1 - c)
    assert heights[3:] == [1, 1, 0]  # mistakes made
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["0 to 0.9\n(2)", "0.9 to 0.999\n(2)", "0.999 to 1\n(2)"]
    with pytest.raises(ValueError, match="same shape"):
        plot_reliability(confidence, correct[:3])
