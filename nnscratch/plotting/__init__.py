"""Figures the chapters draw, defined once. Each function returns the matplotlib Figure.

The notebook cell that calls one ends with an assignment (``fig = plot_...(...)``), so that its
one output is the figure; none of them shows or closes it. By chapter:

* :mod:`.data`: the digits and their classes (chapter 1), the activations of an untrained
  network under each initialization (chapter 3);
* :mod:`.forward`: the toy network with its numbers, the sigmoid and its slope (chapter 2);
* :mod:`.graph`: the toy network's computational graph, forward and backward (chapter 4);
* :mod:`.backprop`: backpropagation drawn with shapes and the error signal per layer (chapter 4),
  why cross-entropy (chapter 6);
* :mod:`.training`: learning curves, progress of a few runs (chapter 6), learning rates and
  schedules (chapter 5), the confusion matrix, mistakes and first-layer weights (chapter 7); the
  seconds per epoch of each implementation (chapter 13);
* :mod:`.minibatches`: the length of a batch's gradient, the batch-size x learning-rate grid,
  calibration (chapter 7);
* :mod:`.regularization`: weight decay against its strength, dropout drawn (chapter 8);
* :mod:`.capstone`: the validation curve that chooses the capstone's epochs (exercise 7).
"""

from nnscratch.plotting.backprop import (
    plot_backprop_diagram,
    plot_backward_signal,
    plot_output_gradient,
)
from nnscratch.plotting.capstone import plot_early_stopping
from nnscratch.plotting.data import plot_activation_stats, plot_class_balance, plot_digits
from nnscratch.plotting.forward import plot_sigmoid, plot_toy_network
from nnscratch.plotting.graph import plot_toy_graph
from nnscratch.plotting.minibatches import (
    plot_gradient_length,
    plot_rate_grid,
    plot_reliability,
)
from nnscratch.plotting.regularization import plot_dropout, plot_weight_decay
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
    "plot_dropout",
    "plot_early_stopping",
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
    "plot_sigmoid",
    "plot_toy_graph",
    "plot_toy_network",
    "plot_weight_decay",
    "plot_weight_images",
]
