"""The capstone's reference: the grader's float64 network with ReLU hidden layers and biases, and
what the capstone's checks ask of a network's ``params`` (``W_l: (n_l, n_(l-1))``,
``b_l: (n_l,)``, one pair per layer).

Two sides (issue 23): the probes (in the learner's kernel) only turn what the learner returned into
plain data (:func:`plain_value`, :func:`plain_leaf`, :func:`plain_params`, :func:`fingerprint`);
the judges (in the grader) decide with the rest, which never runs the learner's code.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from nnscratch.activations import softmax
from nnscratch.grade.harness import CheckFailed, array, finite, keyed, shape


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
    same = [
        i
        for i, w in enumerate(first_layers)
        if w is not None and first_layers[0] is not None and np.array_equal(w, first_layers[0])
    ]
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


# --------------------------------------------------------------------------------------------
# Probe side: what the learner returned, as plain data (no verdict)
# --------------------------------------------------------------------------------------------


def _is_plain_leaf(value: Any) -> bool:
    if value is None or isinstance(value, (bool, numbers.Real, np.bool_)):
        return True
    if isinstance(value, str):
        return len(value) <= 200
    return isinstance(value, np.ndarray) and (
        np.issubdtype(value.dtype, np.number) or value.dtype == bool
    )


def plain_value(value: Any) -> Any:
    """A number, string or small structure the learner returned, as it is when it is plain data;
    else its repr (for the judge's message)."""
    from nnscratch.grade import plain

    try:
        plain.encode(value)
    except (plain.NotPlain, TypeError, ValueError):
        return repr(value)[:80]
    return value


def plain_leaf(value: Any, what: str) -> Any:
    """A value where an array belongs: numbers and numeric arrays as they are (None and short
    strings too, for the judge's message), anything else through :func:`~.harness.array`
    (CheckFailed naming ``what``)."""
    if _is_plain_leaf(value) and not np.iscomplexobj(value):
        return value
    return array(value, what)


def plain_params(value: Any, what: str) -> dict | None:
    """A network's params (or gradients) as plain data: a dict of :func:`plain_leaf` (copies),
    or None if it is no dict (the judge names the mistake)."""
    if not isinstance(value, dict):
        return None
    out = {}
    for k, v in value.items():
        leaf = plain_leaf(v, f"{what}['{k}']")
        out[str(k)] = np.array(leaf) if isinstance(leaf, np.ndarray) else leaf
    return out


def fingerprint(params: Any, sample: np.ndarray) -> dict | None:
    """A small stand-in for a dict of arrays, for comparing networks without sending them: per
    key, the shape and the values at the (grader-drawn) flat indices ``sample``."""
    if not isinstance(params, dict):
        return None
    out = {}
    for k, v in params.items():
        try:
            a = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        flat = a.reshape(-1)
        picked = flat[np.asarray(sample) % flat.size] if flat.size else flat
        out[str(k)] = np.concatenate([np.asarray(a.shape, dtype=np.float64), picked])
    return out


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
