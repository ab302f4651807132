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
from nnscratch.data import Split
from nnscratch.gradcheck import rel_error
from nnscratch.grade.fixtures import at_least, library_relus, network_methods, stable_softmax
from nnscratch.grade.harness import (
    CheckFailed,
    array,
    call,
    finite,
    forbidden,
    own,
    pair,
    probe,
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


class ReLUReference(Network):
    """The grader's ReLU network (the judges' reference; the learner's code may not call it)."""

    def forward(self, X):  # noqa: D102
        activations, zs = [np.asarray(X, dtype=self.dtype)], []
        for l in range(1, self.num_layers + 1):
            zs.append(activations[-1] @ self.params[f"W{l}"].T)
            last = l == self.num_layers
            activations.append(softmax(zs[-1]) if last else np.maximum(zs[-1], 0))
        return activations, zs

    def deltas(self, activations, zs, Y):  # noqa: D102
        D = activations[-1] - np.asarray(Y, dtype=self.dtype)
        deltas = [D]
        for l in range(self.num_layers - 1, 0, -1):
            D = (D @ self.params[f"W{l + 1}"]) * (zs[l - 1] > 0)
            deltas.append(D)
        return deltas[::-1]


def reference(params: dict[str, np.ndarray]) -> ReLUReference:
    """A float64 ReLUReference with ``params`` (W1 .. WL)."""
    L = len(params)
    sizes = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]
    net = ReLUReference(sizes, dtype=np.float64)
    net.params = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    return net


def _own_methods():
    banned = network_methods("forward", "deltas")
    banned += [(ReLUReference, n, f"the grader's ReLUReference.{n}") for n in ("forward", "deltas")]
    return forbidden("ReLUNetwork", banned, NOT_THE_COURSE_NETWORK)


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


def _hidden_layer_problem(L: int, activations: list, zs: list) -> str | None:
    """Describe the first layer that does not apply ReLU (hidden) or softmax (output), else None."""
    float32 = any(np.asarray(a).dtype == np.float32 for a in activations[1:])
    tol = {"rtol": 1e-4, "atol": 1e-6} if float32 else {"rtol": 1e-9, "atol": 1e-12}
    for l in range(1, L + 1):
        a, z = np.asarray(activations[l], dtype=np.float64), np.asarray(zs[l - 1], dtype=np.float64)
        if a.shape != z.shape:
            return f"A{l} has shape {a.shape} but Z{l} has shape {z.shape}."
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


#: Two networks of three weight layers (the course's shape, small enough for central differences).
THREE_LAYERS = ((6, 5, 4, 3), (7, 3, 6, 4))
BATCH = 5


def _network_inputs(rng: np.random.Generator) -> dict:
    """For each shape: He-scaled weights, a batch of inputs of both signs, one-hot targets, and
    the same inputs scaled up until the largest logit of the grader's network is 1000."""
    cases = []
    for sizes in THREE_LAYERS:
        params = {
            f"W{l}": rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)
            for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
        }
        X = rng.random((BATCH, sizes[0])) * 2 - 1  # both signs: some pre-activations negative
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], BATCH)]
        zs = reference(params).forward(X)[1]
        top = float(np.max(zs[-1]))
        scale = 1000.0 / (top if top > 1e-6 else max(float(np.max(np.abs(zs[-1]))), 1e-12))
        cases.append({"sizes": list(sizes), "params": params, "X": X, "Y": Y, "scale": scale})
    return {"cases": cases}


def _probe_network(ReLUNetwork: type, case: dict) -> dict:
    """Run a ReLUNetwork with the grader's weights: forward (a batch, the batch scaled up, one
    image) and deltas, with the course network's methods switched off and inputs unchanged."""
    sizes = tuple(int(n) for n in case["sizes"])
    X, Y, scale = case["X"], case["Y"], case["scale"]
    what = f"ReLUNetwork({sizes}, seed=3, init='he', dtype=np.float64)"
    net = call(ReLUNetwork, what, sizes, seed=3, init="he", dtype=np.float64)
    if not isinstance(getattr(net, "params", None), dict):
        raise CheckFailed(f"{what} has no dict `params`: keep Network's __init__.")
    net.params = {k: np.array(v) for k, v in case["params"].items()}
    params = net.params
    what = f"net.forward(X) with X of shape ({BATCH}, {sizes[0]}), sizes {sizes}"
    with _own_methods(), unchanged(what, X=X, params=params):
        activations, zs = pair(call(net.forward, what, X), what, "(activations, zs)")
    big_what = f"net.forward(X * {scale:.4g}) (inputs scaled up), sizes {sizes}"
    with _own_methods():
        big = pair(call(net.forward, big_what, X * scale), big_what, "(activations, zs)")
    one_what = f"net.forward(x) for one image x of shape ({sizes[0]},)"
    with _own_methods():
        one = pair(call(net.forward, one_what, X[0]), one_what, "(activations, zs)")
    what = f"net.deltas(activations, zs, Y) for a batch of {BATCH}, sizes {sizes}"
    with _own_methods(), unchanged(what, activations=activations, zs=zs, Y=Y, params=params):
        deltas = call(net.deltas, what, activations, zs, Y)
    if not isinstance(deltas, (list, tuple)):
        raise CheckFailed(f"{what} should return a list of errors [Delta1, ..., DeltaL].")
    as_arrays = lambda values, what: [array(v, what) for v in values]  # noqa: E731
    return {
        "activations": as_arrays(activations, "activations"),
        "zs": as_arrays(zs, "zs"),
        "big": [as_arrays(big[0][-1:], "activations"), as_arrays(big[1][-1:], "zs")],
        "one": array(list(one[0])[-1], "the output for one image"),
        "deltas": as_arrays(deltas, "deltas"),
    }


def _judge_network_case(case: dict, got: dict) -> float:
    """Judge one shape's measurements; return the largest gradient error."""
    sizes = tuple(int(n) for n in case["sizes"])
    L, n_out = len(sizes) - 1, sizes[-1]
    X, Y = case["X"], case["Y"]
    ref = reference(case["params"])
    what = f"net.forward(X) with X of shape ({BATCH}, {sizes[0]}), sizes {sizes}"
    activations, zs = got["activations"], got["zs"]
    if len(activations) != L + 1 or len(zs) != L:
        raise CheckFailed(
            f"{what} should return {L + 1} activations [X, A1, ..., A{L}] and {L} weighted sums "
            f"[Z1, ..., Z{L}]; got {len(activations)} and {len(zs)}: one of each per layer of "
            "the three."
        )
    activations = [array(a, f"activations[{l}]") for l, a in enumerate(activations)]
    for l, n in enumerate(sizes[1:], start=1):
        shape(array(zs[l - 1], f"zs[{l - 1}]"), (BATCH, n), f"{what}: Z{l} (zs[{l - 1}])")
        shape(activations[l], (BATCH, n), f"{what}: A{l}")
        expected_z = np.asarray(activations[l - 1], dtype=np.float64) @ ref.params[f"W{l}"].T
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
    if not np.allclose(activations[0], X, rtol=1e-12, atol=0):
        raise CheckFailed(f"{what}: activations[0] should be the input X itself.")
    problem = _hidden_layer_problem(L, activations, zs)
    if problem:
        raise CheckFailed(f"{what}: {problem}")
    big_what = f"net.forward(X * {case['scale']:.4g}) (inputs scaled up), sizes {sizes}"
    big_a, big_z = got["big"]
    true_big = ref.forward(X * case["scale"])[1][-1]
    if len(big_z) != 1 or not np.allclose(array(big_z[0], "zs"), true_big, rtol=1e-9, atol=1e-9):
        raise CheckFailed(f"{big_what}: Z{L} is not the weighted sum of the output layer.")
    stable_softmax(array(big_a[0], "activations") if big_a else None, true_big, big_what, L)
    one_what = f"net.forward(x) for one image x of shape ({sizes[0]},)"
    if np.asarray(got["one"]).shape != (n_out,):
        raise CheckFailed(
            f"{one_what} should give an output of shape ({n_out},): per-sample training "
            "(Network.train with batch_size=1) passes single images, vectors."
        )
    what = f"net.deltas(activations, zs, Y) for a batch of {BATCH}, sizes {sizes}"
    deltas = got["deltas"]
    if len(deltas) != L:
        raise CheckFailed(f"{what} should return a list of {L} errors [Delta1, ..., Delta{L}].")
    for l, D in enumerate(deltas, start=1):
        shape(
            array(D, f"{what}: Delta{l}"),
            (BATCH, sizes[l]),
            f"{what}: Delta{l} (deltas[{l - 1}])",
            "Return [Delta1, ..., DeltaL] from the first layer to the last, each shaped like its "
            "Z_l.",
        )
    # The gradients backpropagation gives with these deltas (Network.backward), against central
    # differences of the network's loss.
    from nnscratch.gradcheck import numerical_gradient

    ref_acts = ref.forward(X)[0]
    errors = {}
    for l in range(1, L + 1):
        mine = np.asarray(deltas[l - 1], dtype=np.float64).T @ ref_acts[l - 1] / BATCH
        numeric = numerical_gradient(lambda _: ref.loss(X, Y), ref.params[f"W{l}"], h=1e-5)
        errors[f"W{l}"] = rel_error(mine, numeric)
    worst_key = max(errors, key=errors.get)
    if not errors[worst_key] <= GRAD_TOL:
        hint = ""
        d1, ref_z = np.asarray(deltas[0], dtype=np.float64), ref.forward(X)[1]
        with_sigmoid = (np.asarray(deltas[1]) @ ref.params["W2"]) * sigmoid_prime(ref_z[0])
        if np.allclose(d1, with_sigmoid, rtol=1e-9, atol=1e-12):
            hint = (
                " Your deltas still multiply by sigmoid_prime(Z1): in backpropagation, a hidden "
                "layer's errors are multiplied by the derivative of *its* activation, relu'(Z_l)."
            )
        raise CheckFailed(
            f"backpropagation through ReLUNetwork{sizes} disagrees with central differences: "
            f"relative error of d{worst_key} is {errors[worst_key]:.2e} (a correct gradient gives "
            f"below {GRAD_TOL:.0e}).{hint}"
        )
    return errors[worst_key]


def _judge_network(inputs: dict, outputs: dict) -> str:
    worst = max(
        _judge_network_case(case, got)
        for case, got in zip(inputs["cases"], outputs["cases"], strict=True)
    )
    return (
        "its own forward and deltas, three layers: hidden layers apply ReLU, output softmax "
        "(stable for large logits); "
        f"inputs unchanged; gradients match central differences (max relative error {worst:.1e})"
    )


@probe(_network_inputs, _judge_network)
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
    return {"cases": [_probe_network(ReLUNetwork, case) for case in inputs["cases"]]}


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
    problem = _hidden_layer_problem(L, acts, zs)
    if problem:
        raise CheckFailed(f"the trained network is not a ReLU network: {problem}")
    # the learner's steps, from the grader's weights, against the grader's network's
    ref = reference(inputs["params"]).astype(np.float32)
    ref.train(
        Split(inputs["X"], inputs["Y"], inputs["Y"].argmax(1)),
        Split(inputs["X"][:1], inputs["Y"][:1], inputs["Y"][:1].argmax(1)),
        epochs=1,
        lr=STEP_LR,
        batch_size=STEP_BATCH,
        seed=inputs["seed"],
        verbose=False,
    )
    stepped = returned_params(outputs["stepped"], "the network after the steps")
    for key, W in ref.params.items():
        if key not in stepped or not np.allclose(stepped[key], W, rtol=1e-3, atol=1e-5):
            raise CheckFailed(
                f"{STEPS} steps of SGD with your ReLUNetwork, from the grader's weights, do not "
                f"give the grader's {key}: make the earlier checks pass first."
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
    with _own_methods():
        activations, zs = pair(
            call(net.forward, "net.forward on 100 validation images", inputs["x"]),
            "net.forward",
            "(activations, zs)",
        )
    # a copy of the learner's network, with the grader's weights, trained a few steps
    twin = copy.copy(net)
    twin.params = {k: np.array(v) for k, v in inputs["params"].items()}
    twin.sizes, twin.dtype = (784, 128, 64, 10), np.dtype(np.float32)
    train = Split(inputs["X"], inputs["Y"], inputs["Y"].argmax(1))
    what = f"{STEPS} steps of SGD (Network.train) with your ReLUNetwork from the grader's weights"
    with _own_methods():
        call(
            twin.train,
            what,
            train,
            train.head(1),
            epochs=1,
            lr=STEP_LR,
            batch_size=STEP_BATCH,
            seed=inputs["seed"],
            verbose=False,
        )
    return {
        "activations": [array(a, "activations") for a in activations],
        "zs": [array(z, "zs") for z in zs],
        "stepped": kernel_state(twin)["params"],
        **kernel_state(net),
    }
