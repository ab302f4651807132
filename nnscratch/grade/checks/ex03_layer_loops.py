"""Checks of exercise 3, layer loops (``exercises/03_layer_loops.ipynb``).

Any number of layers: initialized, run forward, backpropagated and trained. The learner writes
``init_params``, ``forward`` and ``backward`` as loops over the layers in NumPy (the one exercise
that writes them), ``backward`` with one matrix product per layer for the whole batch (no Python
loop over the images): while they run, the course network (its constructor, ``forward``,
``deltas``, ``backward``) raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.batch_loops import no_loop_over_images
from nnscratch.grade.fixtures import (
    call_backward,
    gradient_hint,
    network,
    network_methods,
    toy_batch,
    trained_accuracy,
    weight_keys,
)
from nnscratch.grade.harness import (
    CheckFailed,
    array,
    call,
    check,
    finite,
    forbidden,
    keyed,
    pair,
    shape,
    unchanged,
)
from nnscratch.grade.settings import GRAD_TOL, current
from nnscratch.losses import cross_entropy
from nnscratch.network import Network

LOOP_SIZES = ((784, 10), (784, 128, 64, 10), (784, 256, 128, 64, 32, 10))
# same depths, small enough for full gradient checks
SMALL_LOOP_SIZES = ((9, 4), (9, 6, 5, 4), (9, 8, 7, 6, 5, 4))
# ten layers (W1, ..., W10: sorted(params) would put W10 before W2), small and cheap
DEEP_SIZES = (6,) + (5,) * 10


def _yours(what: str):
    return forbidden(
        what,
        network_methods("__init__", "forward", "deltas", "backward"),
        "write it yourself as a loop over the layers, instead of running the course network.",
    )


def _leading_draws(W: np.ndarray, k: int = 16) -> list[np.ndarray]:
    """The first ``k`` entries of ``W`` in row and in column order, scaled to unit length."""
    out = []
    for order in ("C", "F"):
        a = np.asarray(W, dtype=np.float64).ravel(order=order)[:k]
        norm = np.linalg.norm(a)
        out.append(a / norm if norm > 0 else a)
    return out


def _same_draws(params: dict, keys: list[str], what: str) -> None:
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
]


def _scale_tolerance(size: int) -> float:
    """How far the standard deviation of ``size`` random draws may be from the rule's, relative:
    six standard errors of a normal sample's standard deviation, 1 / sqrt(2 size), plus 2%."""
    return 0.02 + 6 / np.sqrt(2 * size)


def _fits(layer: tuple, rule: Callable) -> bool:
    """Whether a layer ``(W, n_in, n_out, what)``'s standard deviation is ``rule``'s."""
    W, n_in, n_out, _ = layer
    return abs(float(W.std()) / float(rule(n_in, n_out)) - 1) <= _scale_tolerance(W.size)


def _xavier_scale(layers: list[tuple]) -> None:
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


@check
def check_init_params(init_params: Callable) -> None:
    """``init_params(sizes, seed)``: W_l ``(n_l, n_(l-1))``, random, well scaled, seeded."""
    layers: list[tuple] = []  # (W, n_in, n_out, what) of every layer, for the scale
    for sizes in LOOP_SIZES:
        what = f"init_params({list(sizes)}, seed=0)"
        keys = weight_keys(sizes)
        with _yours(what):
            result = call(init_params, what, list(sizes), seed=0)
        params = keyed(
            result,
            what,
            keys,
            f"A network with sizes {list(sizes)} has one weight matrix per layer ({len(keys)} "
            "here): loop over the layers.",
        )
        for l, key in enumerate(keys, start=1):
            n_in, n_out = sizes[l - 1], sizes[l]
            W = array(params[key], f"{what}['{key}']")
            shape(
                W,
                (n_out, n_in),
                f"{what}['{key}']",
                f"W{l} maps layer {l - 1} ({n_in} neurons) to layer {l} ({n_out}): shape (n_out, "
                "n_in).",
            )
            if W.dtype != np.float32:
                raise CheckFailed(
                    f"{what}['{key}'] has dtype {W.dtype}: store the weights as float32, as the "
                    "statement asks (the network computes in float32; NumPy draws float64)."
                )
            finite(W, f"{what}['{key}']")
            W = W.astype(np.float64)
            if np.all(W == W.flat[0]):
                raise CheckFailed(
                    f"{what}['{key}'] has the same value {W.flat[0]:.3g} everywhere: every neuron "
                    "of the layer would compute the same thing and get the same gradient, so they "
                    "never become different. Draw random weights."
                )
            layers.append((W, n_in, n_out, f"{what}['{key}']"))
            if abs(float(W.mean())) > 5 * W.std() / np.sqrt(W.size) + 1e-12 and W.size > 100:
                raise CheckFailed(
                    f"{what}['{key}'] has mean {W.mean():.3g}: draw weights centered on 0."
                )
        _same_draws(params, keys, what)
    _xavier_scale(layers)
    sizes = list(LOOP_SIZES[1])
    with _yours("init_params"):
        first = call(init_params, f"init_params({sizes}, seed=0)", sizes, seed=0)
        again = call(init_params, f"init_params({sizes}, seed=0)", sizes, seed=0)
        other = call(init_params, f"init_params({sizes}, seed=1)", sizes, seed=1)
    if any(not np.array_equal(first[k], again[k]) for k in first):
        raise CheckFailed(
            "init_params(sizes, seed=0) gave different weights on two calls: draw them from a "
            "generator made from the seed, np.random.default_rng(seed), so that a run can be "
            "repeated."
        )
    if all(np.array_equal(first[k], other[k]) for k in first):
        raise CheckFailed(
            "init_params gave the same weights for seed=0 and seed=1: use the seed argument."
        )
    return (
        "W_l of shape (n_l, n_(l-1)) for 1, 3 and 5 layers; random, well scaled, reproducible from "
        "the seed"
    )


@check
def check_forward_loops(forward: Callable) -> None:
    """``forward(params, X)`` works for any depth and agrees with the course network."""
    for sizes in (*LOOP_SIZES, DEEP_SIZES):
        ref = network(sizes, seed=11)
        X, _ = toy_batch(sizes[0], sizes[-1], 5, seed=12)
        L = len(sizes) - 1
        what = f"forward(params, X) for sizes {list(sizes)}, X of shape (5, {sizes[0]})"
        params = {k: v.copy() for k, v in ref.params.items()}
        true_a, true_z = ref.forward(X)
        with _yours(what), unchanged(what, params=params, X=X):
            result = call(forward, what, params, X)
        activations, zs = pair(result, what, "(activations, zs)")
        if len(activations) != L + 1 or len(zs) != L:
            a_list = "[X, A1]" if L == 1 else f"[X, A1, ..., A{L}]"
            z_list = "[Z1]" if L == 1 else f"[Z1, ..., Z{L}]"
            raise CheckFailed(
                f"{what} should return {L + 1} activations {a_list} and {L} weighted sums "
                f"{z_list}, got {len(activations)} and {len(zs)}. Loop over all the layers: "
                "there are len(params) of them."
            )
        for l in range(1, L + 1):
            for name, mine, true in (
                (f"Z{l}", zs[l - 1], true_z[l - 1]),
                (f"A{l}", activations[l], true_a[l]),
            ):
                mine = array(mine, f"{what}: {name}")
                shape(mine, true.shape, f"{what}: {name}")
                if not np.allclose(mine, true, rtol=1e-9, atol=1e-12):
                    act = "softmax" if l == L else "sigmoid"
                    kind = "the last layer" if l == L else "a hidden layer"
                    raise CheckFailed(
                        f"{what}: {name} differs from the course network (relative error "
                        f"{rel_error(mine, true):.2e}). Layer {l}, {kind}, computes the weighted "
                        f"sums Z{l} = A{l - 1} W{l}^T, then A{l} = {act}(Z{l})."
                        + _order_hint(params, activations, zs, l)
                    )
    return "agrees with the course network for 1, 3, 5 and 10 layers; params and X unchanged"


def _order_hint(params: dict, activations: list, zs: list, l: int) -> str:
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


@check
def check_backward_loops(backward: Callable) -> None:
    """``backward(params, activations, zs, Y)`` matches central differences, 1, 3 and 5 layers,
    and the course network for 10, without a Python loop over the images."""
    worst = 0.0
    for small, sizes in zip(SMALL_LOOP_SIZES, LOOP_SIZES):
        for dims, full in ((small, True), (sizes, False)):
            ref = network(dims, seed=13)
            batch = 4
            X, Y = toy_batch(dims[0], dims[-1], batch, seed=14)
            keys = weight_keys(dims)
            what = f"backward(params, activations, zs, Y) for sizes {list(dims)}"
            result = call_backward(backward, what, ref, X, Y, _yours)
            grads = keyed(
                result,
                what,
                keys,
                f"Return one gradient per weight matrix ({len(keys)} here).",
            )
            for key in keys:
                g = array(grads[key], f"{what}: d{key}")
                shape(
                    g,
                    ref.params[key].shape,
                    f"{what}: d{key}",
                    "A gradient has the shape of its parameter.",
                )
                finite(g, f"{what}: d{key}")

            def loss(_: np.ndarray) -> float:
                return cross_entropy(ref.forward(X)[0][-1], Y)

            rng = np.random.default_rng(15)
            for key in keys:
                param = ref.params[key]
                idx = (
                    None
                    if full
                    else np.sort(rng.choice(param.size, size=min(param.size, 40), replace=False))
                )
                numeric = numerical_gradient(loss, param, indices=idx)
                mine = np.asarray(grads[key], dtype=np.float64)
                if idx is not None:
                    numeric, mine = numeric.reshape(-1)[idx], mine.reshape(-1)[idx]
                err = rel_error(mine, numeric)
                worst = max(worst, err)
                if err > GRAD_TOL:
                    raise CheckFailed(
                        f"{what}: d{key} disagrees with central differences: relative error "
                        f"{err:.2e} (a correct gradient gives below "
                        f"{GRAD_TOL:.0e}).{gradient_hint(key, mine, numeric, batch)}"
                    )
    _backward_deep(backward)
    no_loop_over_images(backward)  # (delegating to the course network failed above)
    return (
        "gradients of every layer match central differences for 1, 3 and 5 layers (max relative "
        f"error {worst:.1e}) and the course network's for 10, without a loop over the images; "
        "inputs unchanged"
    )


def _backward_deep(backward: Callable) -> None:
    """Ten layers: too deep for central differences (the first layers' gradients vanish through
    the sigmoids), so compare with the course network's backward."""
    ref = network(DEEP_SIZES, seed=16)
    X, Y = toy_batch(DEEP_SIZES[0], DEEP_SIZES[-1], 4, seed=17)
    activations, zs = ref.forward(X)
    true = ref.backward(activations, zs, Y)
    keys = weight_keys(DEEP_SIZES)
    what = f"backward(params, activations, zs, Y) for sizes {list(DEEP_SIZES)} (10 layers)"
    params = {k: v.copy() for k, v in ref.params.items()}
    with _yours(what):
        result = call(backward, what, params, activations, zs, Y)
    grads = keyed(result, what, keys, f"Return one gradient per weight matrix ({len(keys)} here).")
    for key in keys:
        g = array(grads[key], f"{what}: d{key}")
        shape(
            g,
            ref.params[key].shape,
            f"{what}: d{key}",
            "A gradient has the shape of its parameter.",
        )
        err = rel_error(np.asarray(g, dtype=np.float64), true[key])
        if err > GRAD_TOL:
            raise CheckFailed(
                f"{what}: d{key} differs from the course network's gradient (relative error "
                f"{err:.2e}). Go back from layer "
                "L to layer 1 by number, W_L, ..., W1 (sorted(params) would put 'W10' before "
                "'W2')."
            )


@check
def check_loops_training(nets: Any) -> None:
    """Each of the three networks, trained with the learner's loops, reaches its expected accuracy
    on the grade's validation images."""
    if not isinstance(nets, dict):
        raise CheckFailed(
            "nets should be a dict from sizes (a tuple) to the trained network, got "
            f"{type(nets).__name__}."
        )
    by_sizes = {tuple(k): v for k, v in nets.items() if isinstance(k, (tuple, list))}
    accs = []
    for sizes in LOOP_SIZES:
        net = by_sizes.get(sizes)
        if net is None:
            raise CheckFailed(
                f"nets has no network for sizes {sizes}: train one for each of {list(LOOP_SIZES)}."
            )
        if tuple(getattr(net, "sizes", ())) != sizes:
            raise CheckFailed(f"nets[{sizes}] has sizes {getattr(net, 'sizes', None)}.")
        cls = type(net)
        if isinstance(net, Network) and (
            cls.forward is Network.forward or cls.backward is Network.backward
        ):
            raise CheckFailed(
                f"nets[{sizes}] is a {cls.__name__} that runs the course network's forward or "
                "backward: train the LoopNetwork, which runs your loops."
            )
        key = {2: "loops_softmax", 4: "loops", 6: "loops_deep"}[len(sizes)]
        accs.append(trained_accuracy(net, key, f"nets[{sizes}]"))
    return (
        "validation accuracy "
        + ", ".join(f"{a:.4f}" for a in accs)
        + f" for 1, 3 and 5 layers ({current().mode} grade)"
    )
