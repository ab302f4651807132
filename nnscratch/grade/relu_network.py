"""Exercise 1's network check, probe and judge (:mod:`.checks.ex01_relu` declares it).

The grader's ReLU network (:class:`ReLUReference`, the judges' reference); the check's inputs
(weights, a batch, the batch scaled up until the largest logit is 1000); its probe, in the
learner's kernel (``forward`` and ``deltas`` of the learner's ReLUNetwork with the grader's
weights, the course network's methods switched off); and its judge (weighted sums, ReLU and
softmax layer by layer, a stable softmax, a single image, gradients from the learner's deltas
against central differences of the grader's network).
"""

from __future__ import annotations

import numpy as np

from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.contracts import forbidden, unchanged
from nnscratch.grade.fixtures import network_methods, stable_softmax
from nnscratch.grade.harness import CheckFailed, array, call, pair, shape
from nnscratch.grade.settings import GRAD_TOL
from nnscratch.network import Network

#: While ReLUNetwork's methods run, the course network's own may not (they are the answer's model).
NOT_THE_COURSE_NETWORK = (
    "write the method yourself, with relu and relu_prime, instead of running the course network's "
    "(it is the sigmoid network this exercise replaces)."
)


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


def own_methods():
    banned = network_methods("forward", "deltas")
    banned += [(ReLUReference, n, f"the grader's ReLUReference.{n}") for n in ("forward", "deltas")]
    return forbidden("ReLUNetwork", banned, NOT_THE_COURSE_NETWORK)


def hidden_layer_problem(L: int, activations: list, zs: list) -> str | None:
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


def network_inputs(rng: np.random.Generator) -> dict:
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


def probe_network(ReLUNetwork: type, case: dict) -> dict:
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
    with own_methods(), unchanged(what, X=X, params=params):
        activations, zs = pair(call(net.forward, what, X), what, "(activations, zs)")
    big_what = f"net.forward(X * {scale:.4g}) (inputs scaled up), sizes {sizes}"
    with own_methods():
        big = pair(call(net.forward, big_what, X * scale), big_what, "(activations, zs)")
    one_what = f"net.forward(x) for one image x of shape ({sizes[0]},)"
    with own_methods():
        one = pair(call(net.forward, one_what, X[0]), one_what, "(activations, zs)")
    what = f"net.deltas(activations, zs, Y) for a batch of {BATCH}, sizes {sizes}"
    with own_methods(), unchanged(what, activations=activations, zs=zs, Y=Y, params=params):
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


def judge_network_case(case: dict, got: dict) -> float:
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
            if np.asarray(zs[l - 1]).dtype != np.float64:
                raise CheckFailed(
                    f"{what}: Z{l} (zs[{l - 1}]) is in {np.asarray(zs[l - 1]).dtype}, but this "
                    "network's weights are float64: compute in the network's dtype (self.dtype), "
                    "not a dtype typed in."
                )
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
    problem = hidden_layer_problem(L, activations, zs)
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
    true_one = ref.forward(X[0])[0][-1]
    if not np.allclose(array(got["one"], one_what), true_one, rtol=1e-6, atol=1e-9):
        raise CheckFailed(
            f"{one_what} is not the network's output for that image (the softmax of its logits): "
            "a single image must go through the same layers as a batch."
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


def judge_network(inputs: dict, outputs: dict) -> str:
    worst = max(
        judge_network_case(case, got)
        for case, got in zip(inputs["cases"], outputs["cases"], strict=True)
    )
    return (
        "its own forward and deltas, three layers: hidden layers apply ReLU, output softmax "
        "(stable for large logits); "
        f"inputs unchanged; gradients match central differences (max relative error {worst:.1e})"
    )
