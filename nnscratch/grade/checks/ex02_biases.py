"""Checks of exercise 2, biases (``exercises/02_biases.ipynb``).

Their initialization, the forward pass with biases, their gradients, and the training. The learner
writes ``init_biases``, ``forward`` and ``bias_gradients`` (from the errors of the three layers) in
NumPy: while they run, the course network (its constructor, ``forward``, ``deltas``, ``backward``)
raises. The weights' gradients come from ``Network.backward`` in the notebook's given
``BiasNetwork``: the batch gradient of the weights is exercise 3's to write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.fixtures import (
    at_least,
    gradient_hint,
    gradient_ratio,
    network,
    network_methods,
    stable_softmax,
    toy_batch,
    trained_accuracy,
)
from nnscratch.grade.harness import (
    CheckFailed,
    array,
    call,
    check,
    finite,
    forbidden,
    keyed,
    pair,
    shape,
    unchanged,
)
from nnscratch.grade.settings import GRAD_TOL
from nnscratch.losses import cross_entropy
from nnscratch.network import Network

BIAS_SIZES = (12, 7, 5, 4)


def _yours(what: str):
    return forbidden(
        what,
        network_methods("__init__", "forward", "deltas", "backward"),
        "write it yourself with NumPy, as the exercise asks, instead of running the course "
        "network.",
    )


@check
def check_init_biases(init_biases: Callable) -> None:
    """``init_biases(sizes)`` returns b1..b3 of shapes ``(n_l,)``, finite."""
    for sizes in ((784, 128, 64, 10), BIAS_SIZES):
        what = f"init_biases({sizes})"
        keys = [f"b{l}" for l in range(1, len(sizes))]
        with _yours(what):
            biases = keyed(call(init_biases, what, sizes), what, keys)
        for l, key in enumerate(keys, start=1):
            b = array(biases[key], f"{what}['{key}']")
            if b.shape != (sizes[l],):
                hint = (
                    f" A column ({sizes[l]}, 1) or a row (1, {sizes[l]}) broadcasts differently "
                    f"against Z{l} of shape (B, {sizes[l]}); use a 1-D vector."
                    if b.size == sizes[l]
                    else ""
                )
                raise CheckFailed(
                    f"{what}['{key}'] has shape {b.shape}; it should be ({sizes[l]},): one bias "
                    f"per neuron of layer {l}.{hint}"
                )
            if not np.issubdtype(b.dtype, np.floating):
                raise CheckFailed(
                    f"{what}['{key}'] has dtype {b.dtype}: biases are floats (they change in "
                    "training)."
                )
            if b.dtype != np.float32:
                raise CheckFailed(
                    f"{what}['{key}'] has dtype {b.dtype}: make the biases float32, as the "
                    "statement asks, like the network's weights (NumPy's default is float64)."
                )
            finite(b, f"{what}['{key}']")
            if np.any(b != 0):
                raise CheckFailed(
                    f"{what}['{key}'] is not all zeros (largest |b| {np.max(np.abs(b)):.3g}): "
                    "start every bias at 0, as the statement asks. The random weights already "
                    "make the neurons differ; training moves the biases from 0."
                )
    return "one 1-D bias vector per layer: b1 (128,), b2 (64,), b3 (10,) for 784-128-64-10"


@check
def check_forward_biases(forward: Callable) -> None:
    """``forward(params, X)`` adds each layer's bias to every row of its weighted sums."""
    ref = network(BIAS_SIZES, seed=5, biases=True)
    X, _ = toy_batch(BIAS_SIZES[0], BIAS_SIZES[-1], 6, seed=6)
    true_a, true_z = ref.forward(X)
    params = {k: v.copy() for k, v in ref.params.items()}
    what = "forward(params, X) with X of shape (6, 12), sizes (12, 7, 5, 4)"
    with _yours(what), unchanged(what, params=params, X=X):
        result = call(forward, what, params, X)
    activations, zs = pair(result, what, "(activations, zs)")
    if len(activations) != 4 or len(zs) != 3:
        raise CheckFailed(
            f"{what} should return activations [X, A1, A2, A3] and zs [Z1, Z2, Z3]; got "
            f"{len(activations)} activations and {len(zs)} zs."
        )
    for l in range(1, 4):
        z = array(zs[l - 1], f"Z{l}")
        shape(
            z,
            true_z[l - 1].shape,
            f"{what}: Z{l}",
            f"Z{l} has one row per image and one column per neuron of layer {l}.",
        )
        if not np.allclose(z, true_z[l - 1], rtol=1e-9, atol=1e-12):
            without = np.asarray(true_a[l - 1]) @ params[f"W{l}"].T
            if np.allclose(z, without, rtol=1e-9, atol=1e-12):
                raise CheckFailed(
                    f"{what}: Z{l} ignores the bias b{l}: each layer adds its bias vector to every "
                    "row of its weighted sums (Z_l = A_(l-1) W_l^T + 1 b_l^T in the statement)."
                )
            raise CheckFailed(
                f"{what}: Z{l} is wrong (relative error {rel_error(z, true_z[l - 1]):.2e} against "
                "the course network with the same weights and biases)."
            )
        a = array(activations[l], f"A{l}")
        shape(a, true_a[l].shape, f"{what}: A{l}")
        if not np.allclose(a, true_a[l], rtol=1e-9, atol=1e-12):
            act = "softmax" if l == 3 else "sigmoid"
            raise CheckFailed(
                f"{what}: A{l} should be {act}(Z{l}) (relative error "
                f"{rel_error(a, true_a[l]):.2e})."
            )
    big = {**params, "b3": params["b3"] + np.array([800.0, 790.0, 0.0, -800.0])}
    ref.params.update(b3=big["b3"].copy())
    what = "forward(params, X) with (800, 790, 0, -800) added to b3, sizes (12, 7, 5, 4)"
    with _yours(what):
        activations, zs = pair(call(forward, what, big, X), what, "(activations, zs)")
    stable_softmax(activations[-1], zs[-1], what, 3)
    return (
        "Z_l = A_(l-1) W_l^T + b_l on every row, shapes (B, n_l); softmax stable for large logits; "
        "params and X unchanged"
    )


@check
def check_bias_gradients(bias_gradients: Callable) -> None:
    """``bias_gradients(deltas)`` returns db1, db2, db3 of the mean loss over the batch, matching
    central differences, and leaves the errors alone."""
    ref = network(BIAS_SIZES, seed=7, biases=True)
    batch = 6
    X, Y = toy_batch(BIAS_SIZES[0], BIAS_SIZES[-1], batch, seed=8)
    activations, zs = ref.forward(X)
    deltas = [np.array(D) for D in ref.deltas(activations, zs, Y)]
    what = "bias_gradients(deltas) for a batch of 6, sizes (12, 7, 5, 4)"
    hint = "Training reads the errors again for the weights' gradients."
    with _yours(what), unchanged(what, hint, deltas=deltas):
        grads = call(bias_gradients, what, deltas)
    keys = [f"b{l}" for l in range(1, 4)]
    grads = keyed(grads, what, keys, "One gradient per bias, under the keys of the biases.")
    for l, key in enumerate(keys, start=1):
        g, want = array(grads[key], f"the gradient '{key}'"), ref.params[key]
        if g.shape != want.shape:
            hint = ""
            if g.shape == (batch, want.size):
                hint = (
                    " It has one row per image: the gradient of the *mean* loss has the shape of "
                    f"{key}; reduce over the batch."
                )
            elif g.size == 1:
                hint = (
                    f" It is one number: each of the {want.size} biases of layer {l} has its own "
                    f"gradient, one entry per neuron (per column of Delta{l})."
                )
            raise CheckFailed(
                f"{what}: d{key} has shape {g.shape}, but {key} has shape {want.shape}; a "
                f"gradient always has the shape of its parameter.{hint}"
            )
        finite(g, f"d{key}")

    def loss(_: np.ndarray) -> float:
        return cross_entropy(ref.forward(X)[0][-1], Y)

    worst = 0.0
    for key in keys:
        numeric = numerical_gradient(loss, ref.params[key])
        mine = np.asarray(grads[key], float)
        err = rel_error(mine, numeric)
        worst = max(worst, err)
        if err > GRAD_TOL:
            hint = _fixed_divisor(mine, numeric, batch) or gradient_hint(key, mine, numeric, batch)
            raise CheckFailed(
                f"{what}: d{key} disagrees with central differences: relative error {err:.2e} (a "
                f"correct gradient gives below {GRAD_TOL:.0e}).{hint}"
            )
    return (
        "db1, db2, db3 have their biases' shapes and match central differences (max relative "
        f"error {worst:.1e}); the errors unchanged"
    )


def _fixed_divisor(mine: np.ndarray, true: np.ndarray, batch: int) -> str:
    """A sentence when ``mine`` is the batch's sum divided by a number other than its size."""
    c = gradient_ratio(mine, true)
    if c is None or c <= 0 or abs(c - 1) < 1e-6 or abs(c - batch) < 1e-6 * batch:
        return ""
    divisor = batch / c
    if abs(divisor - round(divisor)) > 1e-6:
        return ""
    return (
        f" It is the sum over the batch divided by {round(divisor)}, but this batch holds "
        f"{batch} images: divide by the number of rows of the errors, the batch's own size (the "
        "last batch of an epoch can be smaller)."
    )


@check
def check_biases_training(net: Any) -> None:
    """The network trained with the learner's forward and bias gradients has biases that training
    changed, and reaches the expected accuracy on the grade's validation images."""
    if not isinstance(net, Network):
        raise CheckFailed(f"net should be the trained network, got {type(net).__name__}.")
    cls = type(net)
    if cls.forward is Network.forward or cls.backward is Network.backward:
        raise CheckFailed(
            f"net is a {cls.__name__} that runs the course network's forward or backward: train "
            "the BiasNetwork, which runs your forward and bias_gradients."
        )
    for l in range(1, net.num_layers + 1):
        if f"b{l}" not in net.params:
            raise CheckFailed(
                f"the trained network has no b{l} in net.params: add the biases from init_biases "
                "before training."
            )
        b = array(net.params[f"b{l}"], f"net.params['b{l}']")
        finite(b, f"net.params['b{l}']", "Training diverged: try a smaller learning rate.")
        if b.size > 1 and np.all(b == b.flat[0]) and b.flat[0] == 0:
            raise CheckFailed(
                f"after training, every entry of b{l} is still 0: the biases were never updated. "
                "Does bias_gradients return their gradients 'b1', 'b2', 'b3'?"
            )
        if b.size > 1 and np.all(b == b.flat[0]):
            raise CheckFailed(
                f"after training, every entry of b{l} has the same value {b.flat[0]:.4g}: from 0, "
                "training moved them all by the same amount at every step, so the gradient of "
                f"b{l} that bias_gradients returns is one number for the whole layer instead of "
                f"one per neuron (the mean of Delta{l} over the batch, a vector)."
            )
    acc = trained_accuracy(net, "biases", "net")
    return f"the biases were trained; validation accuracy {acc:.4f} ({at_least('biases')})"
