"""Checks of exercise 2, biases (``exercises/02_biases.ipynb``).

Their initialization, the forward pass with biases, their gradients, and the training. The learner
writes ``init_biases``, ``forward`` and ``bias_gradients`` (from the errors of the three layers) in
NumPy: while they run, the course network (its constructor, ``forward``, ``deltas``, ``backward``)
raises. The weights' gradients come from ``Network.backward`` in the notebook's given
``BiasNetwork``: the batch gradient of the weights is exercise 3's to write.

Each check is a probe and a judge (issue 23, :func:`~nnscratch.grade.harness.probe`): the probe
calls the learner's code on inputs drawn from the grade's seed and returns what it gives as plain
data; the judge compares it with the course network (with biases, float64) and central
differences, outside the learner's kernel in a grade.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.biases_network import (
    BIAS_KEYS,
    SIZES,
    judge_training,
    random_params,
    reference,
    steps,
    training_inputs,
)
from nnscratch.grade.contracts import forbidden, unchanged
from nnscratch.grade.fixtures import (
    gradient_hint,
    gradient_ratio,
    kernel_state,
    network_methods,
    stable_softmax,
)
from nnscratch.grade.harness import CheckFailed, array, call, finite, keyed, pair, probe, shape
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


def _arrays(values: Any, what: str) -> list[Any]:
    """A list of the learner's arrays (the probe's outputs), or CheckFailed."""
    if not isinstance(values, (list, tuple)):
        raise CheckFailed(f"{what} should be a list of arrays, got {type(values).__name__}.")
    return [array(v, f"{what}[{i}]") for i, v in enumerate(values)]


def _keyed_arrays(value: Any, what: str, keys: list[str], hint: str = "") -> dict:
    """``value`` as a dict of exactly ``keys``, each an array, or CheckFailed."""
    value = keyed(value, what, keys, hint)
    return {key: array(value[key], f"{what}['{key}']") for key in keys}


# --------------------------------------------------------------------------------------------
# init_biases
# --------------------------------------------------------------------------------------------


def _init_inputs(rng: np.random.Generator) -> dict:
    """The statement's sizes, then four sizes drawn from ``rng``."""
    drawn = [int(rng.integers(8, 20))] + [int(n) for n in rng.integers(2, 12, size=3)]
    return {"sizes": [list(SIZES), drawn]}


def _judge_init(inputs: dict, outputs: dict) -> str:
    for sizes, biases in zip(inputs["sizes"], outputs["biases"], strict=True):
        sizes = tuple(int(n) for n in sizes)
        what = f"init_biases({sizes})"
        biases = _keyed_arrays(biases, what, [f"b{l}" for l in range(1, len(sizes))])
        for l, (key, b) in enumerate(biases.items(), start=1):
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


@probe(_init_inputs, _judge_init)
def check_init_biases(init_biases: Callable, inputs: dict) -> dict:
    """``init_biases(sizes)`` returns b1..b3 of shapes ``(n_l,)``, finite."""
    out = []
    for sizes in inputs["sizes"]:
        sizes = tuple(int(n) for n in sizes)
        what = f"init_biases({sizes})"
        keys = [f"b{l}" for l in range(1, len(sizes))]
        with _yours(what):
            out.append(_keyed_arrays(call(init_biases, what, sizes), what, keys))
    return {"biases": out}


# --------------------------------------------------------------------------------------------
# forward
# --------------------------------------------------------------------------------------------

BATCH = 6
FORWARD_WHAT = f"forward(params, X) with X of shape ({BATCH}, 12), sizes {BIAS_SIZES}"


def _forward_inputs(rng: np.random.Generator) -> dict:
    """Weights and biases (float64) of sizes (12, 7, 5, 4), a batch of 6 inputs, and logits of
    +-800 to add to b3 (in an order drawn from ``rng``) for the stable softmax."""
    return {
        "params": random_params(rng, BIAS_SIZES, 0.5),
        "X": rng.random((BATCH, BIAS_SIZES[0])),
        "offsets": rng.permutation(np.array([800.0, 790.0, 0.0, -800.0])),
    }


def _big_what(offsets: np.ndarray) -> str:
    added = ", ".join(f"{v:g}" for v in np.asarray(offsets, dtype=float))
    return f"forward(params, X) with ({added}) added to b3, sizes {BIAS_SIZES}"


def _judge_forward(inputs: dict, outputs: dict) -> str:
    what, params, X = FORWARD_WHAT, inputs["params"], inputs["X"]
    activations, zs = outputs["activations"], outputs["zs"]
    if len(activations) != 4 or len(zs) != 3:
        raise CheckFailed(
            f"{what} should return activations [X, A1, A2, A3] and zs [Z1, Z2, Z3]; got "
            f"{len(activations)} activations and {len(zs)} zs."
        )
    ref = reference(params)
    true_a, true_z = ref.forward(X)
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
    ref.params["b3"] = ref.params["b3"] + inputs["offsets"]
    big_z = ref.forward(X)[1][-1]
    big_a = outputs["big"]
    stable_softmax(big_a[-1] if big_a else None, big_z, _big_what(inputs["offsets"]), 3)
    return (
        "Z_l = A_(l-1) W_l^T + b_l on every row, shapes (B, n_l); softmax stable for large logits; "
        "params and X unchanged"
    )


@probe(_forward_inputs, _judge_forward)
def check_forward_biases(forward: Callable, inputs: dict) -> dict:
    """``forward(params, X)`` adds each layer's bias to every row of its weighted sums."""
    what, params, X = FORWARD_WHAT, inputs["params"], inputs["X"]
    with _yours(what), unchanged(what, params=params, X=X):
        result = call(forward, what, params, X)
    activations, zs = pair(result, what, "(activations, zs)")
    big = {**params, "b3": params["b3"] + inputs["offsets"]}
    big_what = _big_what(inputs["offsets"])
    with _yours(big_what):
        big_a = pair(call(forward, big_what, big, X), big_what, "(activations, zs)")[0]
    return {
        "activations": _arrays(activations, f"{what}: activations"),
        "zs": _arrays(zs, f"{what}: zs"),
        "big": _arrays(big_a, f"{big_what}: activations")[-1:],
    }


# --------------------------------------------------------------------------------------------
# bias_gradients
# --------------------------------------------------------------------------------------------

GRADIENTS_WHAT = f"bias_gradients(deltas) for a batch of {BATCH}, sizes {BIAS_SIZES}"


def _gradients_inputs(rng: np.random.Generator) -> dict:
    """A network of sizes (12, 7, 5, 4) with biases, a batch of 6 with one-hot targets, and the
    errors of its three layers on that batch (the course network's deltas, float64)."""
    params = random_params(rng, BIAS_SIZES, 0.5)
    X = rng.random((BATCH, BIAS_SIZES[0]))
    Y = np.eye(BIAS_SIZES[-1])[rng.integers(0, BIAS_SIZES[-1], BATCH)]
    ref = reference(params)
    deltas = [np.array(D) for D in ref.deltas(*ref.forward(X), Y)]
    return {"params": params, "X": X, "Y": Y, "deltas": deltas}


def _judge_gradients(inputs: dict, outputs: dict) -> str:
    what = GRADIENTS_WHAT
    ref, X, Y = reference(inputs["params"]), inputs["X"], inputs["Y"]
    grads = _keyed_arrays(
        outputs["grads"], what, BIAS_KEYS, "One gradient per bias, under the keys of the biases."
    )
    for l, key in enumerate(BIAS_KEYS, start=1):
        g, want = grads[key], ref.params[key]
        if g.shape != want.shape:
            hint = ""
            if g.shape == (BATCH, want.size):
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
    for key in BIAS_KEYS:
        numeric = numerical_gradient(loss, ref.params[key])
        mine = np.asarray(grads[key], float)
        err = rel_error(mine, numeric)
        worst = max(worst, err)
        if err > GRAD_TOL:
            hint = _fixed_divisor(mine, numeric, BATCH) or gradient_hint(key, mine, numeric, BATCH)
            raise CheckFailed(
                f"{what}: d{key} disagrees with central differences: relative error {err:.2e} (a "
                f"correct gradient gives below {GRAD_TOL:.0e}).{hint}"
            )
    return (
        "db1, db2, db3 have their biases' shapes and match central differences (max relative "
        f"error {worst:.1e}); the errors unchanged"
    )


@probe(_gradients_inputs, _judge_gradients)
def check_bias_gradients(bias_gradients: Callable, inputs: dict) -> dict:
    """``bias_gradients(deltas)`` returns db1, db2, db3 of the mean loss over the batch, matching
    central differences, and leaves the errors alone."""
    what, deltas = GRADIENTS_WHAT, inputs["deltas"]
    hint = "Training reads the errors again for the weights' gradients."
    with _yours(what), unchanged(what, hint, deltas=deltas):
        grads = call(bias_gradients, what, deltas)
    hint = "One gradient per bias, under the keys of the biases."
    return {"grads": _keyed_arrays(grads, what, BIAS_KEYS, hint)}


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


# --------------------------------------------------------------------------------------------
# The trained network
# --------------------------------------------------------------------------------------------


@probe(training_inputs, judge_training)
def check_biases_training(net: Any, inputs: dict) -> dict:
    """The network trained with the learner's forward and bias gradients has biases that training
    changed, takes the grader's SGD steps, and reaches the expected accuracy on the grade's
    validation images (measured by the grader on its weights)."""
    if not isinstance(net, Network):
        raise CheckFailed(f"net should be the trained network, got {type(net).__name__}.")
    cls = type(net)
    if cls.forward is Network.forward or cls.backward is Network.backward:
        raise CheckFailed(
            f"net is a {cls.__name__} that runs the course network's forward or backward: train "
            "the BiasNetwork, which runs your forward and bias_gradients."
        )
    # a copy of the learner's network, with the grader's weights and biases, trained a few steps
    twin = copy.copy(net)
    twin.params = {k: np.array(v) for k, v in inputs["params"].items()}
    twin.sizes, twin.dtype = SIZES, np.dtype(np.float32)
    steps(twin, inputs)
    return {"stepped": kernel_state(twin)["params"], **kernel_state(net)}
