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

from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.grade.fixtures import (
    at_least,
    library_relus,
    network_methods,
    stable_softmax,
    toy_batch,
    trained_accuracy,
    validation,
)
from nnscratch.grade.harness import (
    CheckFailed,
    array,
    call,
    check,
    finite,
    forbidden,
    own,
    pair,
    shape,
    shares_memory,
    unchanged,
)
from nnscratch.grade.settings import GRAD_TOL
from nnscratch.network import Network

#: While ReLUNetwork's methods run, the course network's own may not (they are the answer's model).
NOT_THE_COURSE_NETWORK = (
    "write the method yourself, with relu and relu_prime, instead of running the course network's "
    "(it is the sigmoid network this exercise replaces)."
)


def _numpy_only(what: str):
    return forbidden(what, library_relus(), "write it yourself with NumPy, as the exercise asks.")


def _own_methods():
    return forbidden("ReLUNetwork", network_methods("forward", "deltas"), NOT_THE_COURSE_NETWORK)


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
    own(relu, "relu", "write ReLU yourself with NumPy.")
    for z in _relu_inputs():
        what = f"relu(z) for z of shape {z.shape} and dtype {z.dtype}"
        with _numpy_only("relu"), unchanged(what, "The network keeps z for backpropagation.", z=z):
            out = array(call(relu, what, z), what)
        shares_memory(out, z, what)
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
    """``relu_prime(z)`` is 0 for z <= 0 (0 at the kink, the statement's choice), 1 for z > 0,
    as central differences."""
    own(relu_prime, "relu_prime", "write the derivative yourself with NumPy.")
    worst = 0.0
    for z in _relu_inputs():
        what = f"relu_prime(z) for z of shape {z.shape} and dtype {z.dtype}"
        hint = "Backpropagation still needs z (and relu(z)) afterwards."
        with _numpy_only("relu_prime"), unchanged(what, hint, z=z):
            out = array(call(relu_prime, what, z), what)
        shares_memory(out, z, what)
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
                    f"the output layer should still apply softmax to Z{L}, row by row "
                    "(probabilities that sum to 1 per row)."
                )
            continue
        if not np.allclose(a, np.maximum(z, 0), **tol):
            if np.allclose(a, sigmoid(z), **tol):
                return f"hidden layer {l} still applies sigmoid: use relu for every hidden layer."
            largest = np.max(np.abs(a - np.maximum(z, 0)))
            return (
                f"hidden layer {l} does not compute A{l} = relu(Z{l}) (largest difference "
                f"{largest:.3g})."
            )
    return None


@check
def check_relu_network(ReLUNetwork: type) -> None:
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
    worst = max(_relu_network_at(ReLUNetwork, sizes) for sizes in THREE_LAYERS)
    return (
        "its own forward and deltas, three layers: hidden layers apply ReLU, output softmax "
        "(stable for large logits); "
        f"inputs unchanged; gradients match central differences (max relative error {worst:.1e})"
    )


#: Two networks of three weight layers (the course's shape, small enough for central differences).
THREE_LAYERS = ((6, 5, 4, 3), (7, 3, 6, 4))


def _relu_network_at(ReLUNetwork: type, sizes: tuple[int, ...]) -> float:
    """Check a ReLUNetwork of ``sizes``; return its largest gradient error."""
    L, n_out = len(sizes) - 1, sizes[-1]
    what = f"ReLUNetwork({sizes}, seed=3, init='he', dtype=np.float64)"
    net = call(ReLUNetwork, what, sizes, seed=3, init="he", dtype=np.float64)
    X, Y = toy_batch(sizes[0], n_out, 5, seed=4)
    X = X * 2 - 1  # inputs of both signs, so that some pre-activations are negative
    params = net.params
    what = f"net.forward(X) with X of shape (5, {sizes[0]}), sizes {sizes}"
    with _own_methods(), unchanged(what, X=X, params=params):
        result = call(net.forward, what, X)
    activations, zs = pair(result, what, "(activations, zs)")
    if len(activations) != L + 1 or len(zs) != L:
        raise CheckFailed(
            f"{what} should return {L + 1} activations [X, A1, ..., A{L}] and {L} weighted sums "
            f"[Z1, ..., Z{L}]; got {len(activations)} and {len(zs)}: one of each per layer of "
            "the three."
        )
    for l, n in enumerate(sizes[1:], start=1):
        shape(array(zs[l - 1], f"zs[{l - 1}]"), (5, n), f"{what}: Z{l} (zs[{l - 1}])")
        shape(array(activations[l], f"activations[{l}]"), (5, n), f"{what}: A{l}")
        expected_z = np.asarray(activations[l - 1]) @ params[f"W{l}"].T
        if not np.allclose(zs[l - 1], expected_z, rtol=1e-9, atol=1e-12):
            if np.any(expected_z < 0) and np.allclose(zs[l - 1], np.maximum(expected_z, 0)):
                raise CheckFailed(
                    f"{what}: after the forward pass, Z{l} (zs[{l - 1}]) holds relu(Z{l}), its "
                    "negative entries set to 0: relu wrote into its input Z instead of returning "
                    "a new array, so zs lost the weighted sums that backpropagation needs. Fix "
                    "relu first (its check says the same)."
                )
            raise CheckFailed(
                f"{what}: Z{l} (zs[{l - 1}]) is not the weighted sum of layer {l}, "
                f"Z_l = A_(l-1) W_l^T, with the network's weights W{l}; only the activation of the "
                "hidden layers changes."
            )
    problem = _hidden_layer_problem(net, activations, zs)
    if problem:
        raise CheckFailed(f"{what}: {problem}")
    # ReLU layers without biases are positively homogeneous: scaling X scales the logits.
    top = float(np.max(zs[-1]))
    scale = 1000.0 / (top if top > 1e-6 else max(float(np.max(np.abs(zs[-1]))), 1e-12))
    big_what = f"net.forward(X * {scale:.4g}) (inputs scaled up), sizes {sizes}"
    with _own_methods():
        big = pair(call(net.forward, big_what, X * scale), big_what, "(activations, zs)")
    stable_softmax(big[0][-1], big[1][-1], big_what, L)
    one_what = f"net.forward(x) for one image x of shape ({sizes[0]},)"
    with _own_methods():
        one = pair(call(net.forward, one_what, X[0]), one_what, "(activations, zs)")
    if np.asarray(one[0][-1]).shape != (n_out,):
        raise CheckFailed(
            f"{one_what} should give an output of shape ({n_out},): per-sample training "
            "(Network.train with batch_size=1) passes single images, vectors."
        )
    what = f"net.deltas(activations, zs, Y) for a batch of 5, sizes {sizes}"
    with _own_methods(), unchanged(what, activations=activations, zs=zs, Y=Y, params=params):
        deltas = call(net.deltas, what, activations, zs, Y)
    if not isinstance(deltas, (list, tuple)) or len(deltas) != L:
        raise CheckFailed(f"{what} should return a list of {L} errors [Delta1, ..., Delta{L}].")
    for l, D in enumerate(deltas, start=1):
        shape(
            array(D, f"{what}: Delta{l}"),
            (5, sizes[l]),
            f"{what}: Delta{l} (deltas[{l - 1}])",
            "Return [Delta1, ..., DeltaL] from the first layer to the last, each shaped like its "
            "Z_l.",
        )
    from nnscratch.gradcheck import check_network_gradients

    with _own_methods():
        errors = call(check_network_gradients, "check_network_gradients(net, X, Y)", net, X, Y)
    worst_key = max(errors, key=errors.get)
    if errors[worst_key] > GRAD_TOL:
        hint = ""
        with _own_methods():
            deltas = call(net.deltas, "net.deltas(activations, zs, Y)", activations, zs, Y)
        d1 = np.asarray(deltas[0])
        with_sigmoid = (np.asarray(deltas[1]) @ net.params["W2"]) * sigmoid_prime(zs[0])
        if d1.shape == with_sigmoid.shape and np.allclose(d1, with_sigmoid, rtol=1e-9, atol=1e-12):
            hint = (
                " Your deltas still multiply by sigmoid_prime(Z1): in backpropagation, a hidden "
                "layer's errors are multiplied by the derivative of *its* activation, relu'(Z_l)."
            )
        raise CheckFailed(
            f"backpropagation through ReLUNetwork{sizes} disagrees with central differences: "
            f"relative error of d{worst_key} is {errors[worst_key]:.2e} (a correct gradient gives "
            f"below {GRAD_TOL:.0e}).{hint}"
        )
    return max(errors.values())


@check
def check_relu_training(net: Any) -> None:
    """The trained ReLU network uses ReLU and reaches the expected accuracy on the grade's
    validation images."""
    if not isinstance(net, Network):
        raise CheckFailed(f"net should be the trained ReLUNetwork, got {type(net).__name__}.")
    sample = validation().x[:100]
    with _own_methods():
        activations, zs = pair(
            call(net.forward, "net.forward on 100 validation images", sample),
            "net.forward",
            "(activations, zs)",
        )
    problem = _hidden_layer_problem(net, activations, zs)
    if problem:
        raise CheckFailed(f"the trained network is not a ReLU network: {problem}")
    acc = trained_accuracy(net, "relu", "net")
    return f"the ReLU network reaches validation accuracy {acc:.4f} ({at_least('relu')})"
