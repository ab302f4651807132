"""The reference of exercise 6's checks: inverted dropout's mathematics, against which the
learner's dropout, forward pass and errors are compared, and the messages that name a mistake from
the numbers it produces (no scaling, a scaling by p_keep, the mask of the dropped units, p_keep
taken as the probability of dropping).
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.gradcheck import rel_error
from nnscratch.grade.harness import CheckFailed, call, pair
from nnscratch.losses import cross_entropy
from nnscratch.network import Network


def library_dropouts() -> list[tuple[Any, str, str]]:
    """The dropout functions of the learning libraries that are loaded."""
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


def plain(net: Network) -> Network:
    """The course network with ``net``'s weights: what evaluation mode must compute."""
    ref = Network(net.sizes, dtype=np.float64)
    ref.params = {k: np.array(v, dtype=np.float64) for k, v in net.params.items()}
    return ref


def _same_arrays(found: Any, true: list, net: Network) -> bool:
    """Whether the arrays of ``found`` are ``true``'s, as many and each equal within the rounding
    of ``net``'s dtype."""
    single = np.dtype(getattr(net, "dtype", np.float64)) == np.float32
    tol = {"rtol": 1e-4, "atol": 1e-6} if single else {"rtol": 1e-9, "atol": 1e-12}
    return len(found) == len(true) and all(
        np.shape(a) == t.shape and np.allclose(np.asarray(a, dtype=np.float64), t, **tol)
        for a, t in zip(found, true)
    )


def evaluation(net: Network, X: np.ndarray, what: str) -> None:
    """CheckFailed unless ``net.forward(X)`` is the whole network, twice the same: its output and
    every hidden layer's activations (a later exercise or a plot reads those too)."""
    true = plain(net).forward(X)[0]
    for _ in range(2):
        acts = pair(call(net.forward, what, X), what, "(activations, zs)")[0]
        if not _same_arrays(acts, true, net):
            raise CheckFailed(
                f"{what}: the output or a hidden layer's activations differ from the whole "
                "network's, or from one call to the next. In evaluation mode (net.training False: "
                "a new network, after train returns, for every prediction) no unit is dropped and "
                "nothing is scaled, so that predictions are the whole network's, the same every "
                "time."
            )


def evaluation_deltas(net: Network, X: np.ndarray, Y: np.ndarray, what: str) -> None:
    """CheckFailed unless ``net.deltas`` in evaluation mode are the whole network's errors (no
    mask, no scaling, whatever masks an earlier training pass left)."""
    ref = plain(net)
    acts, zs = ref.forward(X)
    true = ref.deltas(acts, zs, Y)
    rule = (
        "In evaluation mode deltas uses no mask and no scaling, even after a forward pass in "
        "training mode left its masks behind: return the course network's errors "
        "(Network.deltas) there."
    )
    try:
        found = call(net.deltas, what, [a.copy() for a in acts], [z.copy() for z in zs], Y.copy())
    except CheckFailed as err:
        raise CheckFailed(f"{err} {rule}") from None
    if not (isinstance(found, (list, tuple)) and _same_arrays(found, true, net)):
        raise CheckFailed(f"{what}: the errors differ from the whole network's. {rule}")


def true_deltas(net: Network, acts: list, Zs: list, keeps: list, Y: np.ndarray) -> list:
    """The errors of the thinned network: chapter 8's recursion with the masks."""
    p, D = float(net.p_keep), acts[-1] - Y
    out = [D]
    for l in range(net.num_layers - 1, 0, -1):
        W = np.asarray(net.params[f"W{l + 1}"], dtype=np.float64)
        D = (D @ W) * keeps[l - 1] / p * sigmoid_prime(Zs[l - 1])
        out.append(D)
    return out[::-1]


def thinned_loss(net: Network, X: np.ndarray, Y: np.ndarray, keeps: list) -> float:
    """The loss of the network with these masks fixed, from its current parameters."""
    p, A = float(net.p_keep), X
    for l in range(1, net.num_layers + 1):
        Z = A @ net.params[f"W{l}"].T
        A = softmax(Z) if l == net.num_layers else sigmoid(Z) * keeps[l - 1] / p
    return cross_entropy(A, Y)


def failed_train_leaves_evaluation(net: Network, wide: Any, val: Any) -> None:
    """CheckFailed unless ``net`` is in evaluation mode after a ``train`` that failed (``wide``:
    images one input too wide, so that its first step raises)."""
    try:
        net.train(wide, val, epochs=1, lr=0.5, batch_size=8, verbose=False)
    except Exception:  # noqa: BLE001 (the failure is the point; which one does not matter)
        pass
    if net.training is not False:
        raise CheckFailed(
            "net.train(...) on images of the wrong width, which fails at its first step, left "
            f"net.training = {net.training!r}: put the network back in evaluation mode when "
            "train fails too (try: ... finally:), as the statement says."
        )
