"""Checks of exercise 1, ReLU (``exercises/01_relu.ipynb``).

The function, its derivative, the course's three-layer network with ReLU hidden layers, and its
training. The learner writes ``relu`` and ``relu_prime`` with NumPy, and ``ReLUNetwork.forward``
and ``.deltas`` for three weight layers (loops over any number of layers are exercise 3's) without
calling the course network's (``Network.forward``, ``Network.deltas``): while they run, those raise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.grade.contracts import forbidden, own, shares_memory, unchanged
from nnscratch.grade.fixtures import at_least, library_relus, same_steps, train_steps
from nnscratch.grade.harness import CheckFailed, array, call, finite, pair, probe, shape
from nnscratch.grade.relu_network import (
    hidden_layer_problem,
    judge_network,
    network_inputs,
    own_methods,
    probe_network,
    reference,
)
from nnscratch.network import Network


def _numpy_only(what: str):
    return forbidden(what, library_relus(), "write it yourself with NumPy, as the exercise asks.")


# --------------------------------------------------------------------------------------------
# relu and relu_prime
# --------------------------------------------------------------------------------------------


def _relu_inputs(rng: np.random.Generator) -> dict:
    """Three inputs: float64 1-D with the kink (exact zeros, tiny and huge values), a float32 batch
    and a 3-D array, their values drawn from ``rng``."""
    special = np.array([-1000.0, -3.5, -1e-9, 0.0, 0.0, 1e-9, 0.25, 3.5, 1000.0])
    first = rng.permutation(np.concatenate([special, rng.standard_normal(7) * 3]))
    rows, cols = (int(n) for n in rng.integers(3, 7, size=2))
    return {
        "z": [
            first,
            rng.standard_normal((rows, cols)).astype(np.float32),
            rng.standard_normal((2, 3, int(rng.integers(4, 7)))),
        ]
    }


def _what(name: str, z: np.ndarray) -> str:
    return f"{name}(z) for z of shape {z.shape} and dtype {z.dtype}"


def _elementwise(name: str, fn: Callable, inputs: dict, hint: str, instead: str) -> dict:
    """The probe of relu and relu_prime: call ``fn`` on each input, with NumPy only, inputs
    unchanged and new arrays returned (what only the kernel can see)."""
    own(fn, name, instead)
    outs = []
    for z in inputs["z"]:
        z = np.asarray(z)
        what = _what(name, z)
        with _numpy_only(name), unchanged(what, hint, z=z):
            out = array(call(fn, what, z), what)
        shares_memory(out, z, what)
        outs.append(out)
    return {"out": outs}


def _outputs(inputs: dict, outputs: dict, name: str, hint: str):
    """Each input with what ``name`` returned for it, of its shape (the judges' common start)."""
    for z, out in zip(inputs["z"], outputs["out"], strict=True):
        what = _what(name, z)
        out = array(out, what)
        shape(out, z.shape, what, hint)
        yield z, out, what


def _judge_relu(inputs: dict, outputs: dict) -> str:
    hint = "ReLU works elementwise: the output has the shape of z."
    for z, out, what in _outputs(inputs, outputs, "relu", hint):
        true = np.where(z > 0, z, 0)
        wrong = ~np.isclose(out, true, rtol=1e-6, atol=0)
        if wrong.any():
            i = tuple(np.argwhere(wrong)[0])
            rule = "z itself where z > 0" if z[i] > 0 else "0 where z <= 0"
            raise CheckFailed(
                f"{what} is wrong at z = {z[i]:.4g}: it returned {out[i]:.4g}, but ReLU gives "
                f"{rule}. {int(wrong.sum())} of {z.size} entries are wrong."
            )
        if out.dtype != z.dtype:
            raise CheckFailed(
                f"{what} returned dtype {out.dtype}: keep the dtype of z ({z.dtype}), or the "
                "network silently switches to another precision."
            )
    return "max(0, z) elementwise on 1-D, 2-D and 3-D inputs, shape and dtype kept, input unchanged"


@probe(_relu_inputs, _judge_relu)
def check_relu(relu: Callable, inputs: dict) -> dict:
    """``relu(z)`` is max(0, z) elementwise, keeps shape and dtype and leaves ``z`` unchanged."""
    return _elementwise(
        "relu",
        relu,
        inputs,
        "The network keeps z for backpropagation.",
        "write ReLU yourself with NumPy.",
    )


def _judge_relu_prime(inputs: dict, outputs: dict) -> str:
    worst = 0.0
    hint = "The derivative is taken elementwise: one value per entry of z."
    for z, out, what in _outputs(inputs, outputs, "relu_prime", hint):
        finite(out, what)
        neg, pos = z < 0, z > 0
        if neg.any() and np.any(out[neg] != 0):
            i = tuple(np.argwhere(neg & (out != 0))[0])
            raise CheckFailed(
                f"relu_prime should be 0 where z < 0 (ReLU is flat there), but at z = {z[i]:.4g} "
                f"it returned {out[i]:.4g} ({int(np.sum(out[neg] != 0))} of {int(neg.sum())} "
                "negative inputs are wrong)."
            )
        if pos.any() and np.any(out[pos] != 1):
            i = tuple(np.argwhere(pos & (out != 1))[0])
            raise CheckFailed(
                "relu_prime should be 1 where z > 0 (ReLU is the identity there), but at z = "
                f"{z[i]:.4g} it returned {out[i]:.4g}."
            )
        zero = z == 0
        if zero.any() and np.any(out[zero] != 0):
            raise CheckFailed(
                f"relu_prime(0) returned {out[zero][0]:.4g}, but this course takes ReLU's "
                "derivative at z = 0 to be 0, as the statement says (and as PyTorch and "
                "TensorFlow do): 1 only where z > 0, strictly; 0 where z <= 0. A test with >= "
                "counts z = 0 as positive."
            )
        if out.dtype != z.dtype:
            raise CheckFailed(
                f"{what} returned dtype {out.dtype}: return numbers in the dtype of z ({z.dtype})."
            )
        # Central differences of max(0, z), away from the kink at 0.
        far = np.abs(z) > 1e-3
        zf = z.astype(np.float64)
        numeric = (np.maximum(zf + 1e-6, 0) - np.maximum(zf - 1e-6, 0)) / 2e-6
        worst = max(worst, float(np.max(np.abs(out[far] - numeric[far]), initial=0.0)))
    return (
        f"0 for z <= 0, 1 for z > 0, z unchanged; agrees with central differences (max error "
        f"{worst:.1e})"
    )


@probe(_relu_inputs, _judge_relu_prime)
def check_relu_prime(relu_prime: Callable, inputs: dict) -> dict:
    """``relu_prime(z)`` is 0 for z <= 0 (0 at the kink, the statement's choice), 1 for z > 0,
    as central differences."""
    return _elementwise(
        "relu_prime",
        relu_prime,
        inputs,
        "Backpropagation still needs z (and relu(z)) afterwards.",
        "write the derivative yourself with NumPy.",
    )


# --------------------------------------------------------------------------------------------
# ReLUNetwork
# --------------------------------------------------------------------------------------------


@probe(network_inputs, judge_network)
def check_relu_network(ReLUNetwork: type, inputs: dict) -> dict:
    """``ReLUNetwork``: a Network whose own forward and deltas use ReLU in the hidden layers."""
    if not (isinstance(ReLUNetwork, type) and issubclass(ReLUNetwork, Network)):
        raise CheckFailed(
            "ReLUNetwork should be a class derived from nnscratch's Network (`class "
            f"ReLUNetwork(Network): ...`), got {ReLUNetwork!r:.60}."
        )
    for method in ("forward", "deltas"):
        if getattr(ReLUNetwork, method) is getattr(Network, method):
            raise CheckFailed(
                f"ReLUNetwork does not define {method}: it inherits the course network's, which "
                f"uses the sigmoid. Write ReLUNetwork.{method}."
            )
    return {"cases": [probe_network(ReLUNetwork, case) for case in inputs["cases"]]}


# --------------------------------------------------------------------------------------------
# The trained network
# --------------------------------------------------------------------------------------------

#: The training check's steps: SGD from the grader's weights on the grader's images, compared
#: with the grader's ReLU network (per-sample and mini-batch steps, float32 as the notebook).
STEPS, STEP_BATCH, STEP_LR = 12, 4, 0.05


def _training_inputs(rng: np.random.Generator) -> dict:
    from nnscratch.grade.fixtures import validation_rows

    x = validation_rows(rng, 100)
    sizes = (784, 128, 64, 10)
    params = {
        f"W{l}": (rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)).astype(np.float32)
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
    }
    rows = STEPS * STEP_BATCH
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, rows)]
    return {"x": x, "params": params, "X": x[:rows], "Y": Y, "seed": int(rng.integers(2**31))}


def _judge_training(inputs: dict, outputs: dict) -> str:
    from nnscratch.grade.fixtures import judged_accuracy, returned_params, validation

    params = returned_params(outputs["params"], "net")
    L = len(params)
    acts, zs = outputs["activations"], outputs["zs"]
    if not isinstance(acts, list) or not isinstance(zs, list) or len(acts) != L + 1:
        raise CheckFailed("net.forward should return (activations, zs), one per layer.")
    problem = hidden_layer_problem(L, acts, zs)
    if problem:
        raise CheckFailed(f"the trained network is not a ReLU network: {problem}")
    # the learner's steps, from the grader's weights, against the grader's network's
    ref = reference(inputs["params"]).astype(np.float32)
    train_steps(ref, inputs, "the grader's steps", lr=STEP_LR, batch_size=STEP_BATCH)
    stepped = returned_params(outputs["stepped"], "the network after the steps")
    same_steps(
        stepped,
        ref.params,
        f"{STEPS} steps of SGD with your ReLUNetwork, from the grader's weights",
    )
    val = validation()
    net = reference(params)
    acc = float(np.mean(net.predict(val.x) == val.labels))
    acc = judged_accuracy(acc, "relu", "net", outputs.get("quick"))
    return f"the ReLU network reaches validation accuracy {acc:.4f} ({at_least('relu')})"


@probe(_training_inputs, _judge_training)
def check_relu_training(net: Any, inputs: dict) -> dict:
    """The trained ReLU network uses ReLU, takes the grader's SGD steps, and reaches the expected
    accuracy on the grade's validation images (measured by the grader on its weights)."""
    import copy

    from nnscratch.grade.fixtures import kernel_state

    if not isinstance(net, Network):
        raise CheckFailed(f"net should be the trained ReLUNetwork, got {type(net).__name__}.")
    with own_methods():
        activations, zs = pair(
            call(net.forward, "net.forward on 100 validation images", inputs["x"]),
            "net.forward",
            "(activations, zs)",
        )
    # a copy of the learner's network, with the grader's weights, trained a few steps
    twin = copy.copy(net)
    twin.params = {k: np.array(v) for k, v in inputs["params"].items()}
    twin.sizes, twin.dtype = (784, 128, 64, 10), np.dtype(np.float32)
    what = f"{STEPS} steps of SGD (Network.train) with your ReLUNetwork from the grader's weights"
    with own_methods():
        train_steps(twin, inputs, what, lr=STEP_LR, batch_size=STEP_BATCH)
    return {
        "activations": [array(a, "activations") for a in activations],
        "zs": [array(z, "zs") for z in zs],
        "stepped": kernel_state(twin)["params"],
        **kernel_state(net),
    }
