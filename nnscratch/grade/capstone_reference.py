"""The capstone's reference: the grader's float64 network with ReLU hidden layers and biases, and
what the capstone's checks ask of a network's ``params`` (``W_l: (n_l, n_(l-1))``,
``b_l: (n_l,)``, one pair per layer).

Everything here is the judges' side (issue 23): it runs in the grader, on the inputs it drew and the
plain data the probes returned (:mod:`.capstone_training` turns the learner's values into it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnscratch.activations import softmax
from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.fixtures import gradient_hint, too_big
from nnscratch.grade.harness import CheckFailed, array, finite, keyed, shape
from nnscratch.grade.settings import GRAD_TOL


def param_keys(sizes: tuple[int, ...]) -> list[str]:
    return [f"{p}{l}" for l in range(1, len(sizes)) for p in "Wb"]


def ref_params(sizes: tuple[int, ...], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random float64 weights and biases (biases large enough that some Z_l are negative)."""
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(0.0, 1.0, (sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.normal(0.0, 0.5, sizes[l])
    return params


def ref_forward(params: dict, X: np.ndarray, last_bias: bool = True) -> tuple[list, list]:
    L = len(params) // 2
    activations, zs = [X], []
    for l in range(1, L + 1):
        Z = activations[-1] @ params[f"W{l}"].T
        if l < L or last_bias:
            Z = Z + params[f"b{l}"]
        zs.append(Z)
        activations.append(softmax(Z) if l == L else np.maximum(Z, 0))
    return activations, zs


def ref_loss(params: dict, X: np.ndarray, Y: np.ndarray) -> float:
    probs = ref_forward(params, X)[0][-1]
    return float(-np.mean(np.sum(Y * np.log(probs), axis=1)))


def ref_backward(params: dict, X: np.ndarray, Y: np.ndarray, negatives: float = 0.0) -> dict:
    """The gradients of the mean cross-entropy; ``negatives`` is ReLU's derivative used at Z < 0
    (0 is right; 1 names a mistake)."""
    activations, zs = ref_forward(params, X)
    L, B = len(zs), len(X)
    grads, D = {}, activations[-1] - Y
    for l in range(L, 0, -1):
        grads[f"W{l}"] = D.T @ activations[l - 1] / B
        grads[f"b{l}"] = D.mean(axis=0)
        if l > 1:
            D = (D @ params[f"W{l}"]) * np.where(zs[l - 2] > 0, 1.0, negatives)
    return grads


def params_of(value: Any, sizes: tuple[int, ...], what: str) -> dict:
    params = dict(keyed(value, what, param_keys(sizes), "One W_l and b_l per layer, the last too."))
    for l in range(1, len(sizes)):
        for key, want in ((f"W{l}", (sizes[l], sizes[l - 1])), (f"b{l}", (sizes[l],))):
            params[key] = array(params[key], f"{what}['{key}']")
            shape(params[key], want, f"{what}['{key}']", "W_l: (n_l, n_(l-1)), b_l: (n_l,).")
            finite(params[key], f"{what}['{key}']")
    return params


def trained(params: Any, what: str) -> dict:
    """A trained network's params, checked: W_l and b_l for every layer, from 784 inputs."""
    if not isinstance(params, dict) or not all(f"W{l}" in params for l in range(1, 3)):
        raise CheckFailed(f"{what} should be a dict of a network's W_l and b_l, W1 first.")
    too_big(params, what)
    L = len([k for k in params if str(k).startswith("W")])
    sizes = (784, *(np.shape(params.get(f"W{l}"))[0] for l in range(1, L + 1)))
    return params_of(params, sizes, what)


# --------------------------------------------------------------------------------------------
# What a trained network scores, measured by the grader
# --------------------------------------------------------------------------------------------


def ref_probs(params: dict, X: np.ndarray, chunk: int = 2000) -> np.ndarray:
    """The softmax outputs ``(N, n_L)`` of a network for ``X: (N, n_0)``, in float32 as the
    notebook computes them."""
    params = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
    X = np.asarray(X, dtype=np.float32)
    return np.concatenate(
        [ref_forward(params, X[i : i + chunk])[0][-1] for i in range(0, len(X), chunk)]
    )


def ref_evaluate(params: dict, split: Any) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of a network on a split, as the notebook's ``evaluate``."""
    probs = ref_probs(params, split.x)
    p_true = probs[np.arange(len(probs)), split.labels].astype(np.float64)
    loss = float(-np.mean(np.log(np.maximum(p_true, np.finfo(np.float32).tiny))))
    return loss, float(np.mean(probs.argmax(axis=1) == split.labels))


def error_rate(probs: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of images whose most probable digit is not their label."""
    return float(np.mean(probs.argmax(axis=1) != labels))


def grade_test_split() -> Any:
    """The test split of the grade (all 10,000 images, or the quick slice of 1,000), loaded by the
    grader whatever the notebook loaded or changed."""
    from nnscratch.data import mnist_splits
    from nnscratch.grade.settings import current

    return mnist_splits(quick=current().quick).test


def forward_problem(acts, zs, params, X, L) -> str | None:
    want_a, want_z = ref_forward(params, X)
    for l in range(1, L + 1):
        for name, mine, ref in (("Z", zs, want_z), ("A", acts[1:], want_a[1:])):
            got = array(mine[l - 1], f"{name}{l}")
            shape(got, ref[l - 1].shape, f"forward: {name}{l}")
            if not np.allclose(got, ref[l - 1], rtol=1e-9, atol=1e-12):
                no_bias = ref_forward(params, X, last_bias=False)
                if l == L and np.allclose(got, (no_bias[1] if name == "Z" else no_bias[0][1:])[-1]):
                    return (
                        f"the last layer's Z{L} leaves out its bias b{L}: every layer adds its "
                        "bias, the output layer too (Z_l = A_(l-1) W_l^T + b_l)."
                    )
                last = "softmax of each row of Z_L" if l == L else "ReLU, max(Z_l, 0)"
                return (
                    f"{name}{l} differs from Z_l = A_(l-1) W_l^T + b_l, then A_l = {last} "
                    f"(largest difference {np.max(np.abs(got - ref[l - 1])):.3g})."
                )
    return None


#: Networks of an ensemble the judges measure at most (the statement trains 2).
MAX_NETS = 20


def ensemble_size(nets: Any) -> None:
    """CheckFailed unless ``nets`` (as a probe returned it: a list, or the name of the type the
    notebook's ``nets`` had) holds at least two networks."""
    if not isinstance(nets, list) or len(nets) < 2:
        got = f"{len(nets)} network" if isinstance(nets, list) else str(nets)[:40]
        raise CheckFailed(
            f"nets should be a list of at least two trained networks (an ensemble), got {got}."
        )
    if len(nets) > MAX_NETS:
        raise CheckFailed(
            f"nets holds {len(nets)} networks; the grader measures an ensemble of at most "
            f"{MAX_NETS}."
        )


def distinct(first_layers: list) -> None:
    """CheckFailed if two networks of the ensemble have the same ``W1`` (or the same
    :func:`fingerprint` of it): they were trained from the same seed."""

    def close(w: Any, w0: Any) -> bool:  # the same network, or a copy of it nudged: medians, so
        if w is None or w0 is None or np.shape(w) != np.shape(w0):  # a fingerprint's shape
            return False  # entries do not count
        w, w0 = np.asarray(w, dtype=np.float64), np.asarray(w0, dtype=np.float64)
        return bool(np.median(np.abs(w - w0)) <= 1e-3 * np.median(np.abs(w0)))

    same = [i for i, w in enumerate(first_layers) if close(w, first_layers[0])]
    if len(same) > 1:
        raise CheckFailed(
            f"nets[0] and nets[{same[1]}] are the same network: an ensemble averages networks "
            "trained from different seeds; train must use its seed for the initial weights and "
            "the order of the batches."
        )


def networks(nets: Any) -> list[dict]:
    """The ensemble a probe returned (:func:`plain_params` of each network), checked: at least
    two networks, each a trained network's params, no two the same."""
    ensemble_size(nets)
    nets = [trained(p, f"nets[{i}]") for i, p in enumerate(nets)]
    distinct([p["W1"] for p in nets])
    return nets


#: How many test images a reported error may differ by from the grader's (an argmax that a
#: float32 rounding flips).
TEST_ERROR_IMAGES = 1


def misreported(
    name: str, value: Any, true: float, other: float, n: int, mean_of_errors: float = np.nan
) -> str | None:
    """Why the test error ``name`` the notebook reports is not the grader's ``true`` (``other``:
    the grader's measurement of the other network, single or ensemble; ``mean_of_errors``: the
    mean of the networks' own errors), or None if it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return f"{name} should be a number (a fraction of the test images), got {value!r:.40}."
    value = float(value)

    def close(a: float, b: float) -> bool:
        return abs(a - b) * n <= TEST_ERROR_IMAGES + 1e-6  # in images, rounding aside

    if close(value, true):
        return None
    whose = "nets[0] alone" if name == "single_error" else "the ensemble"
    known = [  # (does the value match it, what it is)
        (
            close(value, other) and not close(true, other),
            "the ensemble's" if name == "single_error" else "nets[0]'s alone",
        ),
        (
            name == "ensemble_error" and close(value, mean_of_errors),
            "the mean of the networks' own errors, where the ensemble averages their "
            "probabilities (ensemble_proba), then takes the most probable digit",
        ),
        (close(value, 1 - true), "an accuracy, where the error is the fraction misclassified"),
        (close(value / 100, true), "a percentage: report a fraction, as np.mean gives it"),
    ]
    found = [what for matches, what in known if matches]
    why = (
        f"that is {' or '.join(found)}"
        if found
        else f"measure {whose} on data.test, the {n:,} test images"
    )
    return (
        f"{name} is {value:.4f}, but {whose} misclassifies {true:.4f} of the test images (the "
        f"grader's measurement): {why}."
    )


# --------------------------------------------------------------------------------------------
# The judges of the pieces: init_params, forward and backward
# --------------------------------------------------------------------------------------------


def init_what(inputs: dict, seed: int) -> str:
    return f"init_params({tuple(int(n) for n in inputs['sizes'])}, seed={seed})"


def judge_init(inputs: dict, outputs: dict) -> str:
    """init_params's weights (three calls: the seed, the seed again, another seed): He's scale and
    zero biases, the same for the same seed, others for another."""
    sizes = tuple(int(n) for n in inputs["sizes"])
    what = init_what(inputs, inputs["seed"])
    params = params_of(outputs["params"], sizes, what)
    for l in range(1, len(sizes)):
        W, b, n_in = params[f"W{l}"], params[f"b{l}"], sizes[l - 1]
        if not np.issubdtype(W.dtype, np.floating):
            raise CheckFailed(f"{what}: W{l} has dtype {W.dtype}; the weights are floats.")
        if np.any(b != 0):
            raise CheckFailed(f"{what}: b{l} is not all zeros; the biases start at 0.")
        he, std = np.sqrt(2.0 / n_in), float(np.std(W))
        if std == 0 or np.all(W == W.flat[0]):
            raise CheckFailed(
                f"{what}: every weight of W{l} has the same value, so every neuron of a layer "
                "computes the same thing and gets the same gradient: draw them at random."
            )
        # 5% of He's scale, or five standard errors of the estimate where W_l is small (the
        # seeds are the grade's: a right answer must pass whatever they are)
        tol_std, tol_mean = max(0.05, 5 / np.sqrt(2 * W.size)), max(0.05, 5 / np.sqrt(W.size))
        if abs(std / he - 1) > tol_std or abs(float(np.mean(W))) > tol_mean * he:
            xavier = np.sqrt(2.0 / (n_in + sizes[l]))
            hint = (
                " That is Xavier's sqrt(2 / (n_in + n_out)), which assumes units that are linear "
                "near 0 with slope 1 and outputs centered on 0, like tanh; ReLU sets the negative "
                "half of its inputs to 0, so He takes twice the fan-in variance, 2 / n_in."
                if abs(std / xavier - 1) < 0.05
                else " Did you forget to scale the standard normal draws?"
                if abs(std - 1) < 0.05
                else ""
            )
            raise CheckFailed(
                f"{what}: the weights of W{l} have mean {np.mean(W):.4f} and standard deviation "
                f"{std:.4f}; He's initialization draws them from N(0, 2 / n_(l-1)), a standard "
                f"deviation of sqrt(2 / {n_in}) = {he:.4f}.{hint}"
            )
    again, other = outputs["again"], outputs["other"]
    if not isinstance(again, dict) or any(
        not np.array_equal(params[k], np.asarray(again.get(k))) for k in params
    ):
        raise CheckFailed(
            "init_params gave different weights for the same seed: draw them from "
            "np.random.default_rng(seed)."
        )
    if isinstance(other, dict) and np.array_equal(params["W1"], np.asarray(other.get("W1"))):
        raise CheckFailed(
            f"init_params gave the same W1 for seeds {inputs['seed']} and {inputs['other']}: "
            "use the seed."
        )
    return "He's N(0, 2 / n_(l-1)) weights, zero biases, shapes (n_l, n_(l-1)) and (n_l,), seeded"


def sizes_what(case: dict, call: str) -> tuple[tuple[int, ...], str]:
    sizes = tuple(int(n) for n in case["sizes"])
    return sizes, f"{call} for sizes {sizes}, a batch of {len(case['X'])}"


def judge_gradient_case(case: dict, got: dict) -> float:
    """Judge one size's forward and backward; return its worst gradient error."""
    sizes, what = sizes_what(case, "forward(params, X)")
    params, X, Y = case["params"], case["X"], case["Y"]
    L, worst = len(sizes) - 1, 0.0
    acts, zs = got["activations"], got["zs"]
    if len(acts) != L + 1 or len(zs) != L:
        raise CheckFailed(
            f"{what} returned {len(acts)} activations and {len(zs)} zs; expected "
            f"[X, A1, ..., A{L}] and [Z1, ..., Z{L}] ({L} layers: len(params) // 2)."
        )
    problem = forward_problem(acts, zs, params, X, L)
    if problem:
        raise CheckFailed(f"{what}: {problem}")
    _, what = sizes_what(case, "backward(params, activations, zs, Y)")
    grads = keyed(got["grads"], what, param_keys(sizes), "A gradient for every W_l and every b_l.")
    bad = ref_backward(params, X, Y, negatives=1.0)
    for key in param_keys(sizes):
        g = array(grads[key], f"{what}: d{key}")
        shape(g, params[key].shape, f"{what}: d{key}", "A gradient has its parameter's shape.")
        finite(g, f"{what}: d{key}")
        p = np.array(params[key], dtype=np.float64)
        numeric = numerical_gradient(
            lambda v, key=key: ref_loss({**params, key: v}, X, Y), p, h=1e-6
        )
        err = rel_error(g, numeric)
        worst = max(worst, err)
        if not err <= GRAD_TOL:
            hint = gradient_hint(key, np.asarray(g, float), numeric, len(X))
            if not hint and rel_error(g, bad[key]) < 1e-6:
                hint = (
                    " It is what a ReLU derivative of 1 where Z < 0 gives: ReLU is flat "
                    "there, so its derivative is 0 for Z < 0 (1 for Z > 0)."
                )
            raise CheckFailed(
                f"{what}: d{key} differs from central differences of the mean "
                f"cross-entropy (relative error {err:.2e}).{hint}"
            )
    return worst
