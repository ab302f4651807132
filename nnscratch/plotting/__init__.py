"""Figures the chapters draw, defined once. Each function returns the matplotlib Figure.

The notebook cell that calls one ends with an assignment (``fig = plot_...(...)``), so that its
one output is the figure; none of them shows or closes it. By chapter:

* :mod:`.data`: the digits and their classes (chapter 1), the activations of an untrained
  network under each initialization (chapter 3);
* :mod:`.backprop`: backpropagation drawn, the error signal per layer, why cross-entropy
  (chapter 4);
* :mod:`.training`: learning curves, progress of a few runs, learning rates and schedules
  (chapter 5), the confusion matrix, mistakes and first-layer weights (chapter 7); the seconds
  per epoch of each implementation (chapter 13);
* :mod:`.minibatches`: the length of a batch's gradient, the batch-size x learning-rate grid,
  calibration (chapter 7).
"""

from nnscratch.plotting.backprop import (
    plot_backprop_diagram,
    plot_backward_signal,
    plot_output_gradient,
)
from nnscratch.plotting.data import plot_activation_stats, plot_class_balance, plot_digits
from nnscratch.plotting.minibatches import (
    plot_gradient_length,
    plot_rate_grid,
    plot_reliability,
)
from nnscratch.plotting.training import (
    plot_confusion_matrix,
    plot_epoch_times,
    plot_learning_curves,
    plot_learning_rates,
    plot_misclassified,
    plot_progress,
    plot_schedules,
    plot_weight_images,
)

__all__ = [
    "plot_activation_stats",
    "plot_backprop_diagram",
    "plot_backward_signal",
    "plot_class_balance",
    "plot_confusion_matrix",
    "plot_digits",
    "plot_epoch_times",
    "plot_gradient_length",
    "plot_learning_curves",
    "plot_learning_rates",
    "plot_misclassified",
    "plot_output_gradient",
    "plot_progress",
    "plot_rate_grid",
    "plot_reliability",
    "plot_schedules",
    "plot_weight_images",
]
