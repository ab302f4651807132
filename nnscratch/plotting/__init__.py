"""Figures the chapters draw, defined once. Each function returns the matplotlib Figure.

The notebook cell that calls one ends with an assignment (``fig = plot_...(...)``), so that its
one output is the figure; none of them shows or closes it. By chapter:

* :mod:`.data`: the digits and their classes (chapter 1), the activations of an untrained
  network under each initialization (chapter 2);
* :mod:`.backprop`: backpropagation drawn, the error signal per layer, why cross-entropy
  (chapter 4);
* :mod:`.training`: learning curves, progress of a few runs, learning rates, schedules and batch
  sizes, the confusion matrix, mistakes and first-layer weights (chapters 4 and 5); the seconds
  per epoch of each implementation (chapter 9);
* :mod:`.regularization`: weight decay against its strength, dropout drawn (chapter 8).
"""

from nnscratch.plotting.backprop import (
    plot_backprop_diagram,
    plot_backward_signal,
    plot_output_gradient,
)
from nnscratch.plotting.data import plot_activation_stats, plot_class_balance, plot_digits
from nnscratch.plotting.regularization import plot_dropout, plot_weight_decay
from nnscratch.plotting.training import (
    plot_batch_size,
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
    "plot_batch_size",
    "plot_class_balance",
    "plot_confusion_matrix",
    "plot_digits",
    "plot_dropout",
    "plot_epoch_times",
    "plot_learning_curves",
    "plot_learning_rates",
    "plot_misclassified",
    "plot_output_gradient",
    "plot_progress",
    "plot_schedules",
    "plot_weight_decay",
    "plot_weight_images",
]
