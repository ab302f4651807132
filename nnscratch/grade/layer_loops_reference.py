"""The reference of exercise 3's checks (layer loops): the weights they draw from a seed, the
course network with those weights, what the judge of ``init_params`` measures of initial weights
(their scale against the known rules, two layers drawn from the same random numbers), and the
judges of ``backward``'s gradients (central differences, the course network), with the messages
that name a mistake from the numbers it produces.

Everything here runs on the grader's side, but for :func:`drawn` and :func:`sgd_steps`, which the
probes use too (the weights the grader sends as a seed; the steps the learner's network takes).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.fixtures import gradient_hint, train_steps, weight_keys
from nnscratch.grade.harness import CheckFailed, array, finite, keyed, shape
from nnscratch.losses import cross_entropy
from nnscratch.network import Network
from nnscratch.optim import sgd

# --------------------------------------------------------------------------------------------
# The weights the checks send, and the reference network
# --------------------------------------------------------------------------------------------


def drawn(seed: int, sizes, dtype: type = np.float64) -> dict:
    """The weights ``W1 .. WL`` for ``sizes`` drawn from ``seed`` with Xavier's scale.

    A check's weights travel to the kernel as this seed (drawn from the grade's generator, so
    unknown to the notebook), a few bytes instead of megabytes in the cell the kernel runs: the
    probe draws the weights it hands the learner from it, the judge draws its own, and never reads
    weights back from the kernel but the learner's results.
    """
    rng = np.random.default_rng(int(seed))
    return {
        f"W{l}": (rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / (n_in + n_out))).astype(dtype)
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
    }


def reference(sizes, params: dict, dtype: type = np.float64) -> Network:
    """The course network (the judges' reference) with ``params``, in ``dtype``."""
    net = Network(tuple(int(n) for n in sizes), dtype=dtype)
    net.params = {k: np.array(v, dtype=dtype) for k, v in params.items()}
    return net


# --------------------------------------------------------------------------------------------
# init_params: the statistics of initial weights
# --------------------------------------------------------------------------------------------


def judge_layer(W: Any, l: int, n_in: int, n_out: int, what: str) -> np.ndarray:
    """CheckFailed unless ``W``, layer ``l``'s initial weights, has shape ``(n_out, n_in)``, dtype
    float32, finite values that are not all the same, centered on 0; returns it in float64."""
    W = array(W, what)
    shape(
        W,
        (n_out, n_in),
        what,
        f"W{l} maps layer {l - 1} ({n_in} neurons) to layer {l} ({n_out}): shape (n_out, n_in).",
    )
    if W.dtype != np.float32:
        raise CheckFailed(
            f"{what} has dtype {W.dtype}: store the weights as float32, as the statement asks "
            "(the network computes in float32; NumPy draws float64)."
        )
    finite(W, what)
    W = W.astype(np.float64)
    if np.all(W == W.flat[0]):
        raise CheckFailed(
            f"{what} has the same value {W.flat[0]:.3g} everywhere: every neuron of the layer "
            "would compute the same thing and get the same gradient, so they never become "
            "different. Draw random weights."
        )
    if abs(float(W.mean())) > 5 * W.std() / np.sqrt(W.size) + 1e-12 and W.size > 100:
        raise CheckFailed(f"{what} has mean {W.mean():.3g}: draw weights centered on 0.")
    return W


def _leading_draws(W: np.ndarray, k: int = 16) -> list[np.ndarray]:
    """The first ``k`` entries of ``W`` in row and in column order, scaled to unit length."""
    out = []
    for order in ("C", "F"):
        a = np.asarray(W, dtype=np.float64).ravel(order=order)[:k]
        norm = np.linalg.norm(a)
        out.append(a / norm if norm > 0 else a)
    return out


def same_draws(params: dict, keys: list[str], what: str) -> None:
    """CheckFailed if two layers start from the same random numbers (a generator made from the
    seed again for every layer)."""
    for i, first in enumerate(keys):
        for second in keys[i + 1 :]:
            if any(
                np.allclose(a, b, rtol=0, atol=1e-5) or np.allclose(a, -b, rtol=0, atol=1e-5)
                for a in _leading_draws(params[first])
                for b in _leading_draws(params[second])
            ):
                raise CheckFailed(
                    f"{what}: {first} and {second} start with the same random numbers (scaled by "
                    "their standard deviations): every layer draws from a new generator made from "
                    "the same seed. Make one generator, np.random.default_rng(seed), before the "
                    "loop over the layers, and draw every layer from it."
                )


#: Other rules for the scale of initial weights (chapter 3), each with what a learner who used it
#: reads.
OTHER_SCALES = [
    (
        lambda n_in, n_out: np.sqrt(2.0 / n_in),
        "That is He's sqrt(2 / n_in), the scale for ReLU layers (exercise 1); these layers are "
        "sigmoid ones.",
    ),
    (lambda n_in, n_out: np.sqrt(1.0 / n_in), "That is the fan-in rule, sqrt(1 / n_in)."),
    (
        lambda n_in, n_out: np.sqrt(1.0 / n_out),
        "That is the fan-out rule, sqrt(1 / n_out) (the original tutorial's).",
    ),
    (lambda n_in, n_out: 1.0, "That is the standard normal's 1: the draws were not scaled."),
    (
        lambda n_in, n_out: np.sqrt(1.0 / (n_in + n_out)),
        "That is Xavier's without its 2, sqrt(1 / (n_in + n_out)): 0.71 times Xavier's.",
    ),
]


def _scale_tolerance(size: int) -> float:
    """How far the standard deviation of ``size`` random draws may be from the rule's, relative:
    six standard errors of a normal sample's standard deviation, 1 / sqrt(2 size), plus 2%."""
    return 0.02 + 6 / np.sqrt(2 * size)


def _fits(layer: tuple, rule: Callable) -> bool:
    """Whether a layer ``(W, n_in, n_out, what)``'s standard deviation is ``rule``'s."""
    W, n_in, n_out, _ = layer
    return abs(float(W.std()) / float(rule(n_in, n_out)) - 1) <= _scale_tolerance(W.size)


def xavier_scale(layers: list[tuple]) -> None:
    """CheckFailed unless every layer ``(W, n_in, n_out, what)`` has Xavier's standard deviation;
    the message names another rule only if that rule fits every layer (one layer alone may fit
    several)."""
    xavier = lambda n_in, n_out: np.sqrt(2.0 / (n_in + n_out))  # noqa: E731
    wrong = [layer for layer in layers if not _fits(layer, xavier)]
    if not wrong:
        return
    W, n_in, n_out, what = wrong[0]
    std, scale = float(W.std()), float(xavier(n_in, n_out))
    said = next((said for rule, said in OTHER_SCALES if all(_fits(x, rule) for x in layers)), None)
    if said is None:
        said = (
            f"It is {std / scale:.2g} times Xavier's: too large saturates the sigmoids, too "
            "small makes the signal fade."
        )
    raise CheckFailed(
        f"{what} has standard deviation {std:.4g}; this exercise draws the weights of a layer with "
        f"{n_in} inputs and {n_out} outputs with Xavier's sqrt(2 / (n_in + n_out)) = "
        f"{scale:.4g}, as the statement asks. {said}"
    )


# --------------------------------------------------------------------------------------------
# forward and backward
# --------------------------------------------------------------------------------------------


def order_hint(params: dict, activations: list, zs: list, l: int) -> str:
    """A sentence if Z_l was computed with the weight matrix that sorted(params) puts l-th."""
    key = sorted(params)[l - 1]
    if key == f"W{l}":
        return ""
    try:
        used = np.asarray(activations[l - 1], dtype=np.float64) @ np.asarray(params[key]).T
        if not np.allclose(zs[l - 1], used, rtol=1e-9, atol=1e-12):
            return ""
    except (ValueError, TypeError, IndexError):
        return ""
    return (
        f" Your Z{l} was computed with {key}: in sorted order, 'W10' comes before 'W2' (names sort "
        "as text). Take the layers by number, W1, W2, ..., WL."
    )


#: The largest relative error the backward check accepts. A correct gradient computed in float64
#: is within 2e-7 of central differences and of the course network's; one computed in float32 (the
#: dtype the network stores its weights in: a right answer) carries float32's rounding through up
#: to ten sigmoid layers, which the grade's random weights and images take up to 5e-6 (measured
#: over 2,000 seeds; above :data:`~.settings.GRAD_TOL`'s 1e-6 for 1.6% of them); a wrong gradient
#: is off by far more (a missing factor, a wrong layer, swapped keys).
LOOPS_GRAD_TOL = 1e-5


def backward_what(sizes: list[int]) -> str:
    deep = f" ({len(sizes) - 1} layers)" if len(sizes) > 10 else ""
    return f"backward(params, activations, zs, Y) for sizes {list(sizes)}{deep}"


def one_per_matrix(sizes: list[int]) -> str:
    return f"Return one gradient per weight matrix ({len(sizes) - 1} here)."


def _gradients(case: dict, got: Any) -> tuple[dict, Network, str]:
    """The returned gradients (the right keys and shapes, finite), the reference, the call."""
    sizes, what = case["sizes"], backward_what(case["sizes"])
    keys = weight_keys(sizes)
    grads = keyed(got, what, keys, one_per_matrix(sizes))
    ref = reference(sizes, drawn(case["weights"], sizes))
    for key in keys:
        g = array(grads[key], f"{what}: d{key}")
        hint = "A gradient has the shape of its parameter."
        shape(g, ref.params[key].shape, f"{what}: d{key}", hint)
        finite(g, f"{what}: d{key}")
    return {k: np.asarray(grads[k], dtype=np.float64) for k in keys}, ref, what


def judge_central(case: dict, got: Any) -> float:
    """The gradients against central differences (all entries, or ``case['entries']``); the
    largest relative error."""
    grads, ref, what = _gradients(case, got)
    X, Y, worst = case["activations"][0], case["Y"], 0.0

    def loss(_: np.ndarray) -> float:
        return cross_entropy(ref.forward(X)[0][-1], Y)

    for key, mine in grads.items():
        idx = case["entries"][key] if "entries" in case else None
        numeric = numerical_gradient(loss, ref.params[key], indices=idx)
        if idx is not None:
            numeric, mine = numeric.reshape(-1)[idx], mine.reshape(-1)[idx]
        err = rel_error(mine, numeric)
        worst = max(worst, err)
        if err > LOOPS_GRAD_TOL:
            raise CheckFailed(
                f"{what}: d{key} disagrees with central differences: relative error "
                f"{err:.2e} (a correct gradient gives below "
                f"{LOOPS_GRAD_TOL:.0e}).{gradient_hint(key, mine, numeric, len(Y))}"
            )
    return worst


def judge_deep(case: dict, got: Any) -> None:
    """Ten layers: too deep for central differences (the first layers' gradients vanish through
    the sigmoids), so compare with the course network's backward."""
    grads, ref, what = _gradients(case, got)
    true = ref.backward(case["activations"], case["zs"], case["Y"])
    for key, mine in grads.items():
        err = rel_error(mine, true[key])
        if err > LOOPS_GRAD_TOL:
            raise CheckFailed(
                f"{what}: d{key} differs from the course network's gradient (relative error "
                f"{err:.2e}). Go back from layer "
                "L to layer 1 by number, W_L, ..., W1 (sorted(params) would put 'W10' before "
                "'W2')."
            )


# --------------------------------------------------------------------------------------------
# The training check's steps
# --------------------------------------------------------------------------------------------

#: The training check's steps: SGD from the grader's weights on the grader's images, with each
#: learner's network and with the course network (float32, as the notebook trains).
STEPS, STEP_BATCH, STEP_LR = 12, 4, 0.5


def sgd_steps(net: Network, inputs: dict, what: str) -> None:
    """Train ``net`` for :data:`STEPS` steps of SGD on the grader's images (calls ``net.train``)."""
    train_steps(net, inputs, what, optimizer=partial(sgd, lr=STEP_LR), batch_size=STEP_BATCH)
