"""The capstone's reference: the grader's float64 network with ReLU hidden layers and biases, and
what the capstone's checks ask of a network's ``params`` (``W_l: (n_l, n_(l-1))``,
``b_l: (n_l,)``, one pair per layer).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnscratch.activations import softmax
from nnscratch.grade.harness import CheckFailed, array, finite, keyed, shape


def param_keys(sizes: tuple[int, ...]) -> list[str]:
    return [f"{p}{l}" for l in range(1, len(sizes)) for p in "Wb"]


def ref_params(sizes: tuple[int, ...], seed: int) -> dict[str, np.ndarray]:
    """Random float64 weights and biases (biases large enough that some Z_l are negative)."""
    rng = np.random.default_rng(seed)
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


def ref_accuracy(params: dict, split: Any) -> float:
    params = {k: np.asarray(v, dtype=np.float32) for k, v in params.items()}
    chunks = range(0, len(split.labels), 2000)
    probs = np.concatenate([ref_forward(params, split.x[i : i + 2000])[0][-1] for i in chunks])
    return float(np.mean(probs.argmax(axis=1) == split.labels))


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
