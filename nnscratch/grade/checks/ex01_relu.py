"""Checks of exercise 1, ReLU (``exercises/01_relu.ipynb``).

The function, its derivative, a network with ReLU hidden layers, and its training.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.grade.fixtures import toy_batch, trained_accuracy
from nnscratch.grade.harness import CheckFailed, array, call, check, finite, pair, shape
from nnscratch.grade.settings import GRAD_TOL, MIN_ACCURACY
from nnscratch.network import Network


def _relu_inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [
        # float64, 1-D, with an exact zero
        np.array([-1000.0, -3.5, -1e-9, 0.0, 1e-9, 0.25, 3.5, 1000.0]),
        rng.standard_normal((4, 7)).astype(np.float32),  # a small batch of pre-activations, float32
        rng.standard_normal((2, 3, 5)),
    ]


@check
def check_relu(relu: Callable) -> None:
    """``relu(z)`` is max(0, z) elementwise, keeps shape and dtype and leaves ``z`` unchanged."""
    for z in _relu_inputs():
        before = z.copy()
        what = f"relu(z) for z of shape {z.shape} and dtype {z.dtype}"
        out = array(call(relu, what, z), what)
        if not np.array_equal(z, before):
            raise CheckFailed(
                f"{what} changed z in place: return a new array and leave the input as it was (the "
                "network keeps z for the backward pass)."
            )
        shape(out, z.shape, what, "ReLU works elementwise: the output has the shape of z.")
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


@check
def check_relu_prime(relu_prime: Callable) -> None:
    """``relu_prime(z)`` is 0 for z < 0, 1 for z > 0 (in [0, 1] at 0), as central differences."""
    worst = 0.0
    for z in _relu_inputs():
        what = f"relu_prime(z) for z of shape {z.shape} and dtype {z.dtype}"
        out = array(call(relu_prime, what, z.copy()), what)
        shape(out, z.shape, what, "The derivative is taken elementwise: one value per entry of z.")
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
        if zero.any() and not np.all((out[zero] >= 0) & (out[zero] <= 1)):
            raise CheckFailed(
                f"relu_prime(0) returned {out[zero][0]:.4g}: at z = 0 use a value between 0 and 1 "
                "(0 is the usual choice)."
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
    return f"0 for z < 0, 1 for z > 0; agrees with central differences (max error {worst:.1e})"


def _hidden_layer_problem(net: Network, activations: list, zs: list) -> str | None:
    """Describe the first layer that does not apply ReLU (hidden) or softmax (output), else None."""
    L = net.num_layers
    float32 = any(np.asarray(a).dtype == np.float32 for a in activations[1:])
    tol = {"rtol": 1e-4, "atol": 1e-6} if float32 else {"rtol": 1e-9, "atol": 1e-12}
    for l in range(1, L + 1):
        a, z = np.asarray(activations[l], dtype=np.float64), np.asarray(zs[l - 1], dtype=np.float64)
        if l == L:
            if not np.allclose(a, softmax(z), **tol):
                return (
                    "the output layer should still apply softmax to z_L (probabilities that sum to "
                    "1 per row)."
                )
            continue
        if not np.allclose(a, np.maximum(z, 0), **tol):
            if np.allclose(a, sigmoid(z), **tol):
                return (
                    f"hidden layer {l} still applies sigmoid: use relu(z) for every hidden layer."
                )
            largest = np.max(np.abs(a - np.maximum(z, 0)))
            return (
                f"hidden layer {l} does not compute relu(z_{l}) (largest difference {largest:.3g})."
            )
    return None


@check
def check_relu_network(ReLUNetwork: type) -> None:
    """``ReLUNetwork``: a Network with ReLU hidden layers, relu' in backpropagation."""
    if not (isinstance(ReLUNetwork, type) and issubclass(ReLUNetwork, Network)):
        raise CheckFailed(
            "ReLUNetwork should be a class derived from nnscratch's Network (`class "
            f"ReLUNetwork(Network): ...`), got {ReLUNetwork!r:.60}."
        )
    sizes = (6, 5, 4, 3)
    what = f"ReLUNetwork({sizes}, seed=3, init='he', dtype=np.float64)"
    net = call(ReLUNetwork, what, sizes, seed=3, init="he", dtype=np.float64)
    X, Y = toy_batch(6, 3, 5, seed=4)
    X = X * 2 - 1  # inputs of both signs, so that some pre-activations are negative
    result = pair(
        call(net.forward, "net.forward(X) with X of shape (5, 6)", X),
        "net.forward(X)",
        "(activations, zs)",
    )
    activations, zs = result
    if len(activations) != 4 or len(zs) != 3:
        raise CheckFailed(
            "net.forward(X) should return 4 activations [X, a1, a2, a3] and 3 pre-activations [z1, "
            f"z2, z3] for sizes {sizes}; got {len(activations)} and {len(zs)}."
        )
    for l, n in enumerate(sizes[1:], start=1):
        shape(array(zs[l - 1], f"zs[{l - 1}]"), (5, n), f"net.forward(X): z{l} (zs[{l - 1}])")
        shape(
            array(activations[l], f"activations[{l}]"),
            (5, n),
            f"net.forward(X): a{l} (activations[{l}])",
        )
        expected_z = np.asarray(activations[l - 1]) @ net.params[f"W{l}"].T
        if not np.allclose(zs[l - 1], expected_z, rtol=1e-9, atol=1e-12):
            raise CheckFailed(
                f"net.forward(X): z{l} should be a{l - 1} @ W{l}.T, as in the course network; only "
                "the activation of the hidden layers changes."
            )
    problem = _hidden_layer_problem(net, activations, zs)
    if problem:
        raise CheckFailed(f"net.forward(X): {problem}")
    one = pair(
        call(net.forward, "net.forward(x) for one sample x of shape (6,)", X[0]),
        "net.forward(x)",
        "(activations, zs)",
    )
    if np.asarray(one[0][-1]).shape != (3,):
        raise CheckFailed(
            "net.forward(x) for one sample x of shape (6,) should give an output of shape (3,): "
            "per-sample training (Network.train with batch_size=1) passes single vectors."
        )
    from nnscratch.gradcheck import check_network_gradients

    errors = call(check_network_gradients, "check_network_gradients(net, X, Y)", net, X, Y)
    worst_key = max(errors, key=errors.get)
    if errors[worst_key] > GRAD_TOL:
        hint = ""
        deltas = call(net.deltas, "net.deltas(activations, zs, Y)", activations, zs, Y)
        d1 = np.asarray(deltas[0])
        with_sigmoid = (np.asarray(deltas[1]) @ net.params["W2"]) * sigmoid_prime(zs[0])
        if d1.shape == with_sigmoid.shape and np.allclose(d1, with_sigmoid, rtol=1e-9, atol=1e-12):
            hint = (
                " Your deltas still multiply by sigmoid_prime(z): in backpropagation, a hidden "
                "layer's error is multiplied by the derivative of *its* activation, relu_prime(z)."
            )
        raise CheckFailed(
            "backpropagation through ReLUNetwork disagrees with central differences: relative "
            f"error of d{worst_key} is {errors[worst_key]:.2e} (a correct gradient gives below "
            f"{GRAD_TOL:.0e}).{hint}"
        )
    return (
        "hidden layers apply ReLU, output softmax; gradients match central differences (max "
        f"relative error {max(errors.values()):.1e})"
    )


@check
def check_relu_training(net: Any, val: Any) -> None:
    """The trained ReLU network uses ReLU and reaches the expected validation accuracy."""
    if not isinstance(net, Network):
        raise CheckFailed(f"net should be the trained ReLUNetwork, got {type(net).__name__}.")
    activations, zs = pair(
        call(net.forward, "net.forward(val.x[:100])", val.x[:100]),
        "net.forward",
        "(activations, zs)",
    )
    problem = _hidden_layer_problem(net, activations, zs)
    if problem:
        raise CheckFailed(f"the trained network is not a ReLU network: {problem}")
    acc = trained_accuracy(net, val, MIN_ACCURACY["relu"], "net")
    minimum = MIN_ACCURACY["relu"]
    return f"the ReLU network reaches validation accuracy {acc:.4f} (at least {minimum:.2f})"
