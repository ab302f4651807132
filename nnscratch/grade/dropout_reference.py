"""The reference of exercise 6's checks: inverted dropout's mathematics, against which the judges
compare what the learner's dropout, forward pass, errors and training steps returned, and the
messages that name a mistake from the numbers it produces (no scaling, a scaling by p_keep, the
mask of the dropped units, p_keep taken as the probability of dropping).

Everything here but :func:`library_dropouts` (the probe's) runs on the grader's side: it reads
only the grader's inputs (weights, images, p_keep) and the plain values the probe returned.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.gradcheck import rel_error
from nnscratch.grade.harness import CheckFailed, array, pair, shape
from nnscratch.losses import cross_entropy
from nnscratch.network import Network


def library_dropouts() -> list[tuple[Any, str, str]]:
    """The dropout functions of the learning libraries that are loaded (the probe switches them
    off while the learner's dropout runs)."""
    torch = sys.modules.get("torch")
    if torch is None:
        return []
    functional = torch.nn.functional
    return [
        (torch, "dropout", "torch.dropout"),
        (functional, "dropout", "torch.nn.functional.dropout"),
        (torch, "bernoulli", "torch.bernoulli"),
    ]


def kept_fraction(keep: np.ndarray, p: float, what: str) -> None:
    """CheckFailed unless about a share ``p`` of ``keep`` is True (six standard errors)."""
    frac, n = float(keep.mean()), keep.size
    tol = 6 * np.sqrt(p * (1 - p) / n) + 1e-9
    if abs(frac - p) <= tol:
        return
    hint = (
        " That is about 1 - p_keep: p_keep is the probability of *keeping* a unit, so a unit is "
        "kept where the uniform draw is below p_keep."
        if abs(frac - (1 - p)) <= tol
        else ""
    )
    raise CheckFailed(
        f"{what} kept {frac:.1%} of the {n:,} entries, but p_keep = {p:g}: each entry should be "
        f"kept with probability p_keep, independently.{hint}"
    )


def scaling(out: np.ndarray, A: np.ndarray, keep: np.ndarray, p: float, what: str) -> None:
    """CheckFailed unless ``out`` is ``A * keep / p``, naming the usual mistakes."""
    tol = {"rtol": 1e-5, "atol": 1e-7} if np.float32 in (out.dtype, A.dtype) else {"rtol": 1e-9}
    A64, out64 = A.astype(np.float64), out.astype(np.float64)
    if np.allclose(out64, A64 * keep / p, **tol):
        return
    if np.allclose(out64, A64 * keep, **tol):
        raise CheckFailed(
            f"{what}: the kept entries are not scaled: divide them by p_keep, so that each "
            "entry's expectation, p_keep * a / p_keep, is the activation a itself, in training "
            "as in evaluation (inverted dropout)."
        )
    if np.allclose(out64, A64 * keep * p, **tol):
        raise CheckFailed(
            f"{what}: the kept entries are multiplied by p_keep; inverted dropout *divides* them "
            "by p_keep, so that their expectation is the activation itself."
        )
    if np.allclose(out64, A64 * ~keep / p, **tol) or np.allclose(out64, A64 * ~keep, **tol):
        raise CheckFailed(
            f"{what}: the mask returned is 1 where units are dropped: return the mask of the "
            "*kept* units, 1 (or True) where a unit is kept, 0 where it is dropped."
        )
    raise CheckFailed(
        f"{what} should be A * mask / p_keep, with the mask it returns (relative error "
        f"{rel_error(out64, A64 * keep / p):.2e})."
    )


def plain(params: dict[str, np.ndarray]) -> Network:
    """The course network with these weights (``W1 .. WL``), in float64: what evaluation mode
    must compute."""
    L = len(params)
    sizes = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]
    ref = Network(sizes, dtype=np.float64)
    ref.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    return ref


def arrays(found: Any, what: str) -> list[np.ndarray]:
    """``found`` as a list of numeric arrays (a probe's list, untrusted), or CheckFailed."""
    if not isinstance(found, list):
        raise CheckFailed(f"{what} should be a list of arrays, got {type(found).__name__}.")
    return [array(a, f"{what}[{i}]") for i, a in enumerate(found)]


def same_arrays(found: Any, true: list) -> bool:
    """Whether ``found`` holds ``true``'s arrays, as many and each equal within the rounding of the
    dtype they came in (float32 if any of them is)."""
    if not isinstance(found, list) or len(found) != len(true):
        return False
    if not all(isinstance(a, np.ndarray) and a.shape == t.shape for a, t in zip(found, true)):
        return False
    single = any(a.dtype == np.float32 for a in found)
    tol = {"rtol": 1e-4, "atol": 1e-6} if single else {"rtol": 1e-9, "atol": 1e-12}
    return all(np.allclose(np.asarray(a, dtype=np.float64), t, **tol) for a, t in zip(found, true))


def evaluation(calls: Any, true: list, what: str) -> None:
    """CheckFailed unless both forward passes in ``calls`` (their activations) are the whole
    network's ``true`` ones: its output and every hidden layer's activations (a later exercise or
    a plot reads those too)."""
    if (
        not isinstance(calls, list)
        or len(calls) != 2
        or not all(same_arrays(acts, true) for acts in calls)
    ):
        raise CheckFailed(
            f"{what}: the output or a hidden layer's activations differ from the whole "
            "network's, or from one call to the next. In evaluation mode (net.training False: "
            "a new network, after train returns, for every prediction) no unit is dropped and "
            "nothing is scaled, so that predictions are the whole network's, the same every "
            "time."
        )


#: What deltas must do in evaluation mode (the end of each of its messages).
EVALUATION_DELTAS = (
    "In evaluation mode deltas uses no mask and no scaling, even after a forward pass in "
    "training mode left its masks behind: return the course network's errors "
    "(Network.deltas) there."
)


def evaluation_deltas(found: Any, true: list, what: str) -> None:
    """CheckFailed unless ``found``, what ``net.deltas`` returned in evaluation mode, are the whole
    network's errors ``true`` (no mask, no scaling, whatever masks an earlier training pass
    left)."""
    if not same_arrays(found, true):
        raise CheckFailed(
            f"{what}: the errors differ from the whole network's. {EVALUATION_DELTAS}"
        )


def true_deltas(params: dict, p: float, acts: list, Zs: list, keeps: list, Y: np.ndarray) -> list:
    """The errors of the thinned network: chapter 8's recursion with the masks."""
    D = acts[-1] - Y
    out = [D]
    for l in range(len(params) - 1, 0, -1):
        D = (D @ params[f"W{l + 1}"]) * keeps[l - 1] / p * sigmoid_prime(Zs[l - 1])
        out.append(D)
    return out[::-1]


def thinned(params: dict, p: float, X: np.ndarray, keeps: list) -> tuple[list, list]:
    """The forward pass of the network with these masks fixed: (activations, zs), float64."""
    L, acts, zs = len(params), [np.asarray(X, dtype=np.float64)], []
    for l in range(1, L + 1):
        zs.append(acts[-1] @ np.asarray(params[f"W{l}"], dtype=np.float64).T)
        acts.append(softmax(zs[-1]) if l == L else sigmoid(zs[-1]) * keeps[l - 1] / p)
    return acts, zs


def thinned_loss(params: dict, p: float, X: np.ndarray, Y: np.ndarray, keeps: list) -> float:
    """The loss of the network with these masks fixed, from ``params`` as they are now."""
    return cross_entropy(thinned(params, p, X, keeps)[0][-1], Y)


def thinned_step(params: dict, p: float, X, Y, keeps: list, lr: float) -> dict[str, np.ndarray]:
    """One step of plain SGD on the thinned network with these masks: the parameters after it."""
    acts, zs = thinned(params, p, X, keeps)
    deltas = true_deltas(params, p, acts, zs, keeps, np.asarray(Y, dtype=np.float64))
    return {
        f"W{l}": params[f"W{l}"] - lr * D.T @ acts[l - 1] / len(D)
        for l, D in enumerate(deltas, start=1)
    }


def step_masks(hidden: Any, X: np.ndarray, params: dict, what: str) -> list[np.ndarray]:
    """The masks of one training step, read from the hidden activations its forward pass returned
    (a 0 is a dropped unit: a sigmoid is never 0), after checking their shapes."""
    hidden = arrays(hidden, what)
    if len(hidden) != len(params) - 1:
        raise CheckFailed(f"{what}: expected {len(params) - 1} hidden layers, got {len(hidden)}.")
    for l, A in enumerate(hidden, start=1):
        shape(A, (len(X), params[f"W{l}"].shape[0]), f"{what}: A{l}")
    return [A != 0 for A in hidden]


def failed_train_leaves_evaluation(mode: Any) -> None:
    """CheckFailed unless ``mode``, net.training after a ``train`` that failed (on images one input
    too wide, so that its first step raises), is False."""
    if mode is not False:
        raise CheckFailed(
            "net.train(...) on images of the wrong width, which fails at its first step, left "
            f"net.training = {mode!r}: put the network back in evaluation mode when "
            "train fails too (try: ... finally:), as the statement says."
        )


def judged_mask(A: np.ndarray, mask: Any, what: str) -> np.ndarray:
    """A mask from the probe, checked (A's shape, 0 and 1 only), as booleans."""
    mask = array(mask, f"the mask of {what}")
    if mask.shape != A.shape:
        hint = (
            " One mask for the whole batch: draw one number per entry of A, so that every image "
            "gets its own mask."
            if A.ndim == 2 and mask.shape in ((A.shape[1],), (1, A.shape[1]))
            else ""
        )
        raise CheckFailed(f"the mask of {what} has shape {mask.shape}, not A's.{hint}")
    other = mask[(mask != 0) & (mask != 1)]
    if other.size:
        raise CheckFailed(
            f"the mask of {what} holds values other than 0 and 1 (e.g. {float(other[0]):g}): "
            "return the 0/1 (or boolean) mask of the kept units, before any scaling."
        )
    return mask.astype(bool)


def judged_once(A: np.ndarray, got: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """One call's (out, mask) from the probe, checked: shapes, a 0/1 mask, A's dtype."""
    out, mask = pair(got, what, "(A_dropped, mask)")
    out = array(out, f"the first result of {what}")
    shape(out, A.shape, what, "Dropout works elementwise: the result has the shape of A.")
    keep = judged_mask(A, mask, what)
    if out.dtype != A.dtype:
        raise CheckFailed(f"{what} returned dtype {out.dtype}: keep the dtype of A ({A.dtype}).")
    return out, keep
