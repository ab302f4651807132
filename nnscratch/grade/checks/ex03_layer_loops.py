"""Checks of exercise 3, layer loops (``exercises/03_layer_loops.ipynb``).

Any number of layers: initialized, run forward, backpropagated and trained. The learner writes
``init_params``, ``forward`` and ``backward`` as loops over the layers in NumPy (the one exercise
that writes them), ``backward`` with one matrix product per layer for the whole batch (no Python
loop over the images): while they run, the course network (its constructor, ``forward``,
``deltas``, ``backward``) raises.

Each check is a probe and a judge (:func:`~nnscratch.grade.harness.probe`): the probe runs the
learner's code in the kernel on weights, images and seeds the grader drew, and sees only what the
kernel alone can see (the course network not called, inputs unchanged, no Python loop over the
images); the judge decides on the returned values against the grader's own references (statistics
of the drawn weights, the course network, central differences, SGD steps, the validation
accuracy of the returned weights).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.gradcheck import rel_error
from nnscratch.grade.batch_loops import no_loop_over_images
from nnscratch.grade.contracts import forbidden, unchanged
from nnscratch.grade.fixtures import network_methods, same_steps, weight_keys
from nnscratch.grade.harness import CheckFailed, array, call, keyed, pair, probe, shape
from nnscratch.grade.layer_loops_reference import (
    STEP_BATCH,
    STEPS,
    backward_what,
    drawn,
    judge_central,
    judge_deep,
    judge_layer,
    one_per_matrix,
    order_hint,
    reference,
    same_draws,
    sgd_steps,
    xavier_scale,
)
from nnscratch.grade.settings import current
from nnscratch.network import Network

LOOP_SIZES = ((784, 10), (784, 128, 64, 10), (784, 256, 128, 64, 32, 10))
# same depths, small enough for full gradient checks
SMALL_LOOP_SIZES = ((9, 4), (9, 6, 5, 4), (9, 8, 7, 6, 5, 4))
# ten layers (W1, ..., W10: sorted(params) would put W10 before W2), small and cheap
DEEP_SIZES = (6,) + (5,) * 10
#: Images per batch of the forward check and of the backward check (the backward messages name
#: a gradient B times too large, with B this batch).
BATCH, GRAD_BATCH = 5, 4
#: Entries of each large weight matrix the backward check compares with central differences.
CHECKED = 40


def _yours(what: str):
    return forbidden(
        what,
        network_methods("__init__", "forward", "deltas", "backward"),
        "write it yourself as a loop over the layers, instead of running the course network.",
    )


def _dict_of_arrays(result: Any, what: str, keys: list[str], hint: str = "") -> dict:
    """A learner's dict of arrays ``keys`` (weights or gradients), as plain arrays."""
    result = keyed(result, what, keys, hint)
    return {key: array(result[key], f"{what}: {key}") for key in keys}


def _arrays(values: Any, what: str) -> list[np.ndarray]:
    if not isinstance(values, (list, tuple)):
        raise CheckFailed(f"{what} should be a list of arrays, got {type(values).__name__}.")
    return [array(v, f"{what}[{i}]") for i, v in enumerate(values)]


# --------------------------------------------------------------------------------------------
# init_params
# --------------------------------------------------------------------------------------------


def _per_layer(sizes) -> str:
    keys = weight_keys(sizes)
    return (
        f"A network with sizes {list(sizes)} has one weight matrix per layer ({len(keys)} "
        "here): loop over the layers."
    )


def _init_inputs(rng: np.random.Generator) -> dict:
    """Two different seeds drawn from ``rng`` (the sizes are the course's, fixed)."""
    seed, other = (int(s) for s in rng.choice(2**31, size=2, replace=False))
    return {"sizes": [list(s) for s in LOOP_SIZES], "seed": seed, "other": other}


def _judge_init_params(inputs: dict, outputs: dict) -> str:
    seed, other = inputs["seed"], inputs["other"]
    layers: list[tuple] = []  # (W, n_in, n_out, what) of every layer, for the scale
    for sizes, result in zip(inputs["sizes"], outputs["params"], strict=True):
        what = f"init_params({sizes}, seed={seed})"
        keys = weight_keys(sizes)
        params = keyed(result, what, keys, _per_layer(sizes))
        for l, key in enumerate(keys, start=1):
            n_in, n_out = sizes[l - 1], sizes[l]
            W = judge_layer(params[key], l, n_in, n_out, f"{what}['{key}']")
            layers.append((W, n_in, n_out, f"{what}['{key}']"))
        same_draws(params, keys, what)
    xavier_scale(layers)
    # the same sizes again with the same seed, then with another
    sizes, keys = inputs["sizes"][1], weight_keys(inputs["sizes"][1])
    first = keyed(outputs["params"][1], "init_params", keys)
    again = keyed(outputs["again"], f"init_params({sizes}, seed={seed})", keys)
    second = keyed(outputs["other"], f"init_params({sizes}, seed={other})", keys)
    if any(not np.array_equal(first[k], again[k]) for k in keys):
        raise CheckFailed(
            f"init_params(sizes, seed={seed}) gave different weights on two calls: draw them from "
            "a generator made from the seed, np.random.default_rng(seed), so that a run can be "
            "repeated."
        )
    if all(np.array_equal(first[k], second[k]) for k in keys):
        raise CheckFailed(
            f"init_params gave the same weights for seed={seed} and seed={other}: use the seed "
            "argument."
        )
    return (
        "W_l of shape (n_l, n_(l-1)) for 1, 3 and 5 layers; random, well scaled, reproducible from "
        "the seed"
    )


@probe(_init_inputs, _judge_init_params)
def check_init_params(init_params: Callable, inputs: dict) -> dict:
    """``init_params(sizes, seed)``: W_l ``(n_l, n_(l-1))``, random, well scaled, seeded."""
    seed, other = inputs["seed"], inputs["other"]

    def draw(sizes: list[int], seed: int) -> dict:
        what = f"init_params({sizes}, seed={seed})"
        with _yours(what):
            result = call(init_params, what, list(sizes), seed=seed)
        return _dict_of_arrays(result, what, weight_keys(sizes), _per_layer(sizes))

    sizes = [[int(n) for n in s] for s in inputs["sizes"]]
    return {
        "params": [draw(s, seed) for s in sizes],
        "again": draw(sizes[1], seed),
        "other": draw(sizes[1], other),
    }


# --------------------------------------------------------------------------------------------
# forward
# --------------------------------------------------------------------------------------------


def _forward_inputs(rng: np.random.Generator) -> dict:
    """For 1, 3, 5 and 10 layers: float64 weights and a batch of inputs in [0, 1)."""
    return {
        "cases": [
            {
                "sizes": list(sizes),
                "weights": int(rng.integers(2**63)),
                "X": rng.random((BATCH, sizes[0])),
            }
            for sizes in (*LOOP_SIZES, DEEP_SIZES)
        ]
    }


def _forward_what(sizes: list[int]) -> str:
    return f"forward(params, X) for sizes {list(sizes)}, X of shape ({BATCH}, {sizes[0]})"


def _judge_forward(inputs: dict, outputs: dict) -> str:
    for case, got in zip(inputs["cases"], outputs["cases"], strict=True):
        sizes, X = case["sizes"], case["X"]
        params = drawn(case["weights"], sizes)
        L, what = len(sizes) - 1, _forward_what(sizes)
        true_a, true_z = reference(sizes, params).forward(X)
        activations, zs = got["activations"], got["zs"]
        if len(activations) != L + 1 or len(zs) != L:
            a_list = "[X, A1]" if L == 1 else f"[X, A1, ..., A{L}]"
            z_list = "[Z1]" if L == 1 else f"[Z1, ..., Z{L}]"
            raise CheckFailed(
                f"{what} should return {L + 1} activations {a_list} and {L} weighted sums "
                f"{z_list}, got {len(activations)} and {len(zs)}. Loop over all the layers: "
                "there are len(params) of them."
            )
        for l in range(1, L + 1):
            for name, mine, true in (
                (f"Z{l}", zs[l - 1], true_z[l - 1]),
                (f"A{l}", activations[l], true_a[l]),
            ):
                mine = array(mine, f"{what}: {name}")
                shape(mine, true.shape, f"{what}: {name}")
                if not np.allclose(mine, true, rtol=1e-9, atol=1e-12):
                    if mine.dtype != true.dtype:
                        raise CheckFailed(
                            f"{what}: {name} is in {mine.dtype}, but the parameters are "
                            f"{true.dtype}: compute in the parameters' dtype."
                        )
                    act = "softmax" if l == L else "sigmoid"
                    kind = "the last layer" if l == L else "a hidden layer"
                    raise CheckFailed(
                        f"{what}: {name} differs from the course network (relative error "
                        f"{rel_error(mine, true):.2e}). Layer {l}, {kind}, computes the weighted "
                        f"sums Z{l} = A{l - 1} W{l}^T, then A{l} = {act}(Z{l})."
                        + order_hint(params, activations, zs, l)
                    )
    return "agrees with the course network for 1, 3, 5 and 10 layers; params and X unchanged"


@probe(_forward_inputs, _judge_forward)
def check_forward_loops(forward: Callable, inputs: dict) -> dict:
    """``forward(params, X)`` works for any depth and agrees with the course network."""
    cases = []
    for case in inputs["cases"]:
        what = _forward_what(case["sizes"])
        params, X = drawn(case["weights"], case["sizes"]), np.array(case["X"])
        with _yours(what), unchanged(what, params=params, X=X):
            result = call(forward, what, params, X)
        activations, zs = pair(result, what, "(activations, zs)")
        cases.append({"activations": _arrays(activations, "activations"), "zs": _arrays(zs, "zs")})
    return {"cases": cases}


# --------------------------------------------------------------------------------------------
# backward
# --------------------------------------------------------------------------------------------


def _backward_case(rng: np.random.Generator, sizes, checked: bool = False) -> dict:
    """Weights, the course network's forward pass on a batch of inputs in [0, 1), one-hot targets;
    with ``checked``, the entries of each weight matrix to compare with central differences."""
    seed = int(rng.integers(2**63))
    params = drawn(seed, sizes)
    X = rng.random((GRAD_BATCH, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], GRAD_BATCH)]
    activations, zs = reference(sizes, params).forward(X)
    case = {"sizes": list(sizes), "weights": seed, "activations": activations, "zs": zs, "Y": Y}
    if checked:
        case["entries"] = {
            k: np.sort(rng.choice(W.size, size=min(W.size, CHECKED), replace=False))
            for k, W in params.items()
        }
    return case


def _backward_inputs(rng: np.random.Generator) -> dict:
    """1, 3 and 5 layers, small (every entry checked) then the course's widths (some entries),
    and ten layers (compared with the course network)."""
    cases = []
    for small, sizes in zip(SMALL_LOOP_SIZES, LOOP_SIZES):
        cases += [_backward_case(rng, small), _backward_case(rng, sizes, checked=True)]
    return {"cases": cases, "deep": _backward_case(rng, DEEP_SIZES)}


def _judge_backward(inputs: dict, outputs: dict) -> str:
    worst = max(
        judge_central(case, got)
        for case, got in zip(inputs["cases"], outputs["cases"], strict=True)
    )
    judge_deep(inputs["deep"], outputs["deep"])
    return (
        "gradients of every layer match central differences for 1, 3 and 5 layers (max relative "
        f"error {worst:.1e}) and the course network's for 10, without a loop over the images; "
        "inputs unchanged"
    )


def _probe_backward(backward: Callable, case: dict) -> dict:
    """The learner's gradients for one case, with the course network switched off and every
    input left as it was."""
    sizes, what = case["sizes"], backward_what(case["sizes"])
    params = drawn(case["weights"], sizes)
    activations = [np.array(a) for a in case["activations"]]
    zs, Y = [np.array(z) for z in case["zs"]], np.array(case["Y"])
    hint = "Training updates the parameters after backward, from the gradients it returns."
    with _yours(what), unchanged(what, hint, params=params, activations=activations, zs=zs, Y=Y):
        result = call(backward, what, params, activations, zs, Y)
    return _dict_of_arrays(result, what, weight_keys(sizes), one_per_matrix(sizes))


@probe(_backward_inputs, _judge_backward)
def check_backward_loops(backward: Callable, inputs: dict) -> dict:
    """``backward(params, activations, zs, Y)`` matches central differences, 1, 3 and 5 layers,
    and the course network for 10, without a Python loop over the images."""
    cases = [_probe_backward(backward, case) for case in inputs["cases"]]
    deep = _probe_backward(backward, inputs["deep"])
    no_loop_over_images(backward)  # (delegating to the course network failed above)
    return {"cases": cases, "deep": deep}


# --------------------------------------------------------------------------------------------
# The trained networks
# --------------------------------------------------------------------------------------------

ACCURACY_KEYS = {2: "loops_softmax", 4: "loops", 6: "loops_deep"}


def _training_inputs(rng: np.random.Generator) -> dict:
    from nnscratch.grade.fixtures import validation_rows

    rows = STEPS * STEP_BATCH
    return {
        "sizes": [list(s) for s in LOOP_SIZES],
        "weights": [int(rng.integers(2**63)) for _ in LOOP_SIZES],
        "X": validation_rows(rng, rows),
        "Y": np.eye(10, dtype=np.float32)[rng.integers(0, 10, rows)],
        "seed": int(rng.integers(2**31)),
    }


def _judge_training(inputs: dict, outputs: dict) -> str:
    from nnscratch.grade.fixtures import judged_accuracy, returned_params, validation

    val, accs = validation(), []
    for sizes, seed, got in zip(inputs["sizes"], inputs["weights"], outputs["nets"], strict=True):
        sizes, what = tuple(sizes), f"nets[{tuple(sizes)}]"
        trained = returned_params(got["params"], what)
        if (784, *(W.shape[0] for W in trained.values())) != sizes:
            raise CheckFailed(f"{what} has weights of sizes other than {sizes}.")
        # the learner's steps, from the grader's weights, against the course network's
        ref = reference(sizes, drawn(seed, sizes, np.float32), np.float32)
        sgd_steps(ref, inputs, "the grader's steps")
        stepped = returned_params(got["stepped"], f"{what} after the steps")
        what = f"{STEPS} steps of SGD with your LoopNetwork{sizes}, from the grader's weights"
        same_steps(stepped, ref.params, what)
        acc = reference(sizes, trained, np.float32).accuracy(val.x, val.labels)
        key = ACCURACY_KEYS[len(sizes)]
        accs.append(judged_accuracy(acc, key, what, outputs.get("quick")))
    return (
        "validation accuracy "
        + ", ".join(f"{a:.4f}" for a in accs)
        + f" for 1, 3 and 5 layers ({current().mode} grade); {STEPS} SGD steps from the "
        "grader's weights as the course network's"
    )


@probe(_training_inputs, _judge_training)
def check_loops_training(nets: Any, inputs: dict) -> dict:
    """Each of the three networks, trained with the learner's loops, takes the grader's SGD steps
    and reaches its expected accuracy on the grade's validation images (measured by the grader
    on its weights)."""
    from nnscratch.config import is_quick
    from nnscratch.grade.fixtures import kernel_state

    if not isinstance(nets, dict):
        raise CheckFailed(
            "nets should be a dict from sizes (a tuple) to the trained network, got "
            f"{type(nets).__name__}."
        )
    by_sizes = {tuple(k): v for k, v in nets.items() if isinstance(k, (tuple, list))}
    found = []
    for sizes, seed in zip(inputs["sizes"], inputs["weights"]):
        sizes = tuple(int(n) for n in sizes)
        net = by_sizes.get(sizes)
        if net is None:
            raise CheckFailed(
                f"nets has no network for sizes {sizes}: train one for each of {list(LOOP_SIZES)}."
            )
        if tuple(getattr(net, "sizes", ())) != sizes:
            raise CheckFailed(f"nets[{sizes}] has sizes {getattr(net, 'sizes', None)}.")
        cls = type(net)
        if not isinstance(net, Network):
            raise CheckFailed(f"nets[{sizes}] should be a trained LoopNetwork, got {cls.__name__}.")
        if cls.forward is Network.forward or cls.backward is Network.backward:
            raise CheckFailed(
                f"nets[{sizes}] is a {cls.__name__} that runs the course network's forward or "
                "backward: train the LoopNetwork, which runs your loops."
            )
        # a copy of the learner's network, with the grader's weights, trained a few steps
        twin = copy.copy(net)
        twin.params = drawn(seed, sizes, np.float32)
        twin.sizes, twin.dtype = sizes, np.dtype(np.float32)
        what = f"{STEPS} steps of SGD (Network.train) of nets[{sizes}] from the grader's weights"
        with forbidden(
            what,
            network_methods("forward", "deltas", "backward"),
            "train the LoopNetwork, which runs your loops.",
        ):
            sgd_steps(twin, inputs, what)
        found.append(
            {"params": kernel_state(net)["params"], "stepped": kernel_state(twin)["params"]}
        )
    return {"nets": found, "quick": is_quick()}
