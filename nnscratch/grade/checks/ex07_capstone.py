"""Checks of exercise 7, the capstone (``exercises/07_capstone.ipynb``).

The learner assembles the pieces of exercises 1-5 into one network: He initialization, ReLU hidden
layers with biases for any ``sizes``, the gradients of a mini-batch, Adam, the choice of the number
of epochs on the validation split, and the training. The checks compare with the grader's
reference network (float64, :mod:`nnscratch.grade.capstone_reference`), with central differences
and with exercise 5's reference Adam.

Notation, as in the statement: ``params`` holds ``W_l: (n_l, n_(l-1))`` and ``b_l: (n_l,)``; a
batch ``X: (B, n_0)``; ``Z_l = A_(l-1) W_l^T + b_l``; ``Delta_l = dL/dZ_l``, one row per image.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.config import is_quick
from nnscratch.data import MNIST, Split
from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.capstone_reference import (
    param_keys,
    params_of,
    ref_accuracy,
    ref_backward,
    ref_forward,
    ref_loss,
    ref_params,
    trained,
)
from nnscratch.grade.checks.ex05_optimizers import ref_adam
from nnscratch.grade.fixtures import (
    Forbidden,
    calls_of,
    check_epoch_steps,
    gradient_hint,
    library_optimizers,
    network_methods,
    tied_validation,
    toy_batch,
    toy_images,
    validation,
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
    plain_state,
    shape,
    unchanged,
)
from nnscratch.grade.settings import GRAD_TOL, current

GRAD_SIZES = ((6, 5, 3), (6, 5, 4, 3), (6, 5, 4, 4, 3))  # 1, 2 and 3 hidden layers
STEP_SIZES = (6, 5, 4, 3)


def _yours(what: str):
    return forbidden(
        what,
        network_methods("forward", "deltas", "backward", "step", "train") + library_optimizers(),
        "write it yourself with NumPy: the course network is the sigmoid network without "
        "biases, and the optimizer is your Adam.",
    )


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------


@check
def check_init_params(init_params: Callable) -> None:
    """``init_params(sizes, seed)``: He's weights, N(0, 2 / n_(l-1)), and zero biases, seeded."""
    sizes = (784, 512, 256, 10)
    what = f"init_params({sizes}, seed=0)"
    with _yours(what):
        params = params_of(call(init_params, what, sizes, seed=0), sizes, what)
        again = call(init_params, f"init_params({sizes}, seed=0)", sizes, seed=0)
        other = call(init_params, f"init_params({sizes}, seed=1)", sizes, seed=1)
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
        if abs(std / he - 1) > 0.05 or abs(float(np.mean(W))) > 0.05 * he:
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
    if any(not np.array_equal(params[k], np.asarray(again[k])) for k in params):
        raise CheckFailed(
            "init_params gave different weights for the same seed: draw them from "
            "np.random.default_rng(seed)."
        )
    if np.array_equal(params["W1"], np.asarray(other["W1"])):
        raise CheckFailed("init_params gave the same W1 for seeds 0 and 1: use the seed.")
    return "He's N(0, 2 / n_(l-1)) weights, zero biases, shapes (n_l, n_(l-1)) and (n_l,), seeded"


def _forward_problem(acts, zs, params, X, L) -> str | None:
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


@check
def check_gradients(forward: Callable, backward: Callable) -> None:
    """``forward(params, X)`` and ``backward(params, activations, zs, Y)`` for any ``sizes``:
    ReLU hidden layers, biases, softmax output; the gradients of the mean cross-entropy against
    central differences, in float64."""
    worst = 0.0
    for i, sizes in enumerate(GRAD_SIZES):
        params = ref_params(sizes, seed=60 + i)
        X, Y = toy_batch(sizes[0], sizes[-1], 7, seed=70 + i)
        L = len(sizes) - 1
        what = f"forward(params, X) for sizes {sizes}, a batch of 7"
        with _yours(what), unchanged(what, params=params, X=X):
            out = pair(call(forward, what, params, X), what, "(activations, zs)")
        acts, zs = (list(v) for v in out)
        if len(acts) != L + 1 or len(zs) != L:
            raise CheckFailed(
                f"{what} returned {len(acts)} activations and {len(zs)} zs; expected "
                f"[X, A1, ..., A{L}] and [Z1, ..., Z{L}] ({L} layers: len(params) // 2)."
            )
        problem = _forward_problem(acts, zs, params, X, L)
        if problem:
            raise CheckFailed(f"{what}: {problem}")
        what = f"backward(params, activations, zs, Y) for sizes {sizes}, a batch of 7"
        with _yours(what), unchanged(what, params=params, activations=acts, zs=zs, Y=Y):
            grads = call(backward, what, params, acts, zs, Y)
        grads = keyed(grads, what, param_keys(sizes), "A gradient for every W_l and every b_l.")
        bad = ref_backward(params, X, Y, negatives=1.0)
        for key in param_keys(sizes):
            g = array(grads[key], f"{what}: d{key}")
            shape(g, params[key].shape, f"{what}: d{key}", "A gradient has its parameter's shape.")
            finite(g, f"{what}: d{key}")
            p = params[key].copy()
            numeric = numerical_gradient(
                lambda v, key=key: ref_loss({**params, key: v}, X, Y), p, h=1e-6
            )
            err = rel_error(g, numeric)
            worst = max(worst, err)
            if err > GRAD_TOL:
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
    return (
        f"forward and backward agree with central differences for sizes "
        f"{', '.join(str(s) for s in GRAD_SIZES)} (worst relative error {worst:.1e})"
    )


@check
def check_train_step(train_step: Callable) -> None:
    """``train_step(params, states, X, Y, lr, beta1, beta2)``: the batch's gradients, then one
    step of exercise 5's Adam for every parameter, states kept per parameter."""
    runs = ({"lr": 2e-3}, {"lr": 0.01, "beta1": 0.8, "beta2": 0.99})
    for k, hyper in enumerate(runs):
        params = ref_params(STEP_SIZES, seed=80 + k)
        mine, states, ref_states = {key: v.copy() for key, v in params.items()}, {}, {}
        for t in (1, 2):
            X, Y = toy_batch(STEP_SIZES[0], STEP_SIZES[-1], 5, seed=90 + 2 * k + t)
            grads = ref_backward(params, X, Y)
            nobias = {}
            for key in params:
                nobias[key] = ref_adam(
                    params[key], grads[key], ref_states.get(key), nobias=True, **hyper
                )[0]
                params[key], ref_states[key] = ref_adam(
                    params[key], grads[key], ref_states.get(key), **hyper
                )
            args = ", ".join(f"{n}={v}" for n, v in hyper.items())
            what = f"train_step(params, states, X, Y, {args}), step {t}, sizes {STEP_SIZES}"
            with _yours(what), unchanged(what, X=X, Y=Y):
                call(train_step, what, mine, states, X, Y, **hyper)
            keyed(mine, f"params after {what}", param_keys(STEP_SIZES))
            plain_state(states, what)
            for key in param_keys(STEP_SIZES):
                got = array(mine[key], f"params['{key}'] after {what}")
                if rel_error(got, params[key]) <= 1e-9:
                    continue
                if np.array_equal(got, ref_params(STEP_SIZES, seed=80 + k)[key]) and t == 1:
                    why = f"did not update {key}: a step updates every W_l and every b_l."
                elif t == 1 and rel_error(got, nobias[key]) < 1e-6:
                    why = (
                        "moved the parameters as Adam without bias correction: divide m by "
                        "1 - beta1^t and v by 1 - beta2^t, with t counting from 1."
                    )
                elif not np.all(np.isfinite(got)):
                    why = (
                        f"left NaN or inf in {key}: a division by zero? t is 1 at the first "
                        "step (1 - beta1^t must not be 0), and m and v are two separate arrays."
                    )
                else:
                    why = (
                        f"moved {key} differently from exercise 5's Adam with these "
                        f"hyper-parameters (relative error {rel_error(got, params[key]):.2e}). If "
                        "the gradients check fails, fix that first. Otherwise: compute every "
                        "gradient (backward) before updating any parameter, pass lr, beta1 and "
                        "beta2 on to adam, and keep one state per parameter in `states`."
                    )
                raise CheckFailed(f"{what} {why}")
    return "one Adam step per parameter, two steps in a row, default and other hyper-parameters"


def _run_choose_epochs(choose_epochs: Callable, data: MNIST, epochs: int, seed: int, what: str):
    """``choose_epochs(data, epochs=epochs, seed=seed)``, with its train_step calls replayed;
    returns its output and the rows of data.train each epoch visited."""
    train, val = data.train, data.val
    with (
        _yours(what),
        unchanged(what, train=[train.x, train.y], val=[val.x, val.y]),
        calls_of(choose_epochs, "train_step") as steps,
    ):
        out = call(choose_epochs, what, data, epochs=epochs, seed=seed)
    orders = check_epoch_steps(steps, train, epochs, choose_epochs.__globals__, what)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise CheckFailed(f"{what} should return (best_epochs, val_accuracy, params).")
    return out, orders, steps[0][0][0] if steps[0][0] else steps[0][1].get("params")


@check
def check_choose_epochs(choose_epochs: Callable) -> None:
    """``choose_epochs(data, epochs, seed)`` trains on ``data.train`` with its seed, reads the
    validation curve on ``data.val`` and returns the best epoch (the first if tied); it never
    reads ``data.test``."""
    rng = np.random.default_rng(5)
    train, n_val, epochs = Split(*toy_images(rng, 320)), 97, 2
    val = Split(*toy_images(rng, n_val))
    test = Forbidden(
        "choose_epochs read data.test.{name}: the test set is for the one measurement at the end. "
        "Choose the number of epochs (and any setting) on data.val only."
    )
    what = f"choose_epochs(data, epochs={epochs}, seed=0) on toy data"
    out, orders, start = _run_choose_epochs(choose_epochs, MNIST(train, val, test), epochs, 0, what)
    best, curve, params = out
    curve = array(curve, f"{what}: val_accuracy").astype(float)
    shown = "[" + ", ".join(f"{a:.4f}" for a in np.ravel(curve)) + "]"
    shape(curve, (epochs,), f"{what}: val_accuracy", "One validation accuracy per epoch.")
    if np.any(np.abs(curve * n_val - np.round(curve * n_val)) > 1e-6) or np.any(curve > 1):
        raise CheckFailed(
            f"{what}: the accuracies {shown} are not fractions of the {n_val} "
            "validation images: measure each epoch on data.val."
        )
    params = trained(params, "the returned params")
    if abs(ref_accuracy(params, val) - curve[-1]) > 1.5 / n_val:  # one image: rounding
        raise CheckFailed(
            f"{what}: the last validation accuracy, {curve[-1]:.4f}, is not that of the network "
            f"it returned on data.val ({ref_accuracy(params, val):.4f})."
        )
    if not isinstance(best, (int, np.integer)) or best != int(np.argmax(curve)) + 1:
        raise CheckFailed(
            f"{what} returned best_epochs={best!r} for the validation curve {shown}: "
            "the epoch (from 1) with the highest validation accuracy, the first if tied."
        )
    # The same seed again: the same network.
    what = f"choose_epochs(data, epochs={epochs}, seed=0), called a second time,"
    _, again_orders, again_start = _run_choose_epochs(
        choose_epochs, MNIST(train, val, test), epochs, 0, what
    )
    same_again = isinstance(start, dict) and all(
        np.array_equal(start[k], again_start.get(k)) for k in start
    )
    if not same_again or again_orders != orders:
        differs = "other initial weights" if not same_again else "another order of the images"
        raise CheckFailed(
            f"{what} trained with {differs} than the first time: the same seed must give "
            "the same network. Draw everything random in train from the seed (init_params(SIZES, "
            "seed) and np.random.default_rng(seed)), nothing from an unseeded generator."
        )
    # Another seed, on validation images that tie every epoch at 0.1.
    tied = tied_validation(rng)
    what = f"choose_epochs(data, epochs={epochs}, seed=3) on toy data"
    (best, curve, _), other_orders, other_start = _run_choose_epochs(
        choose_epochs, MNIST(train, tied, test), epochs, 3, what
    )
    same_start = isinstance(start, dict) and all(
        np.array_equal(start[k], other_start.get(k)) for k in start
    )
    if same_start or orders == other_orders:
        both = same_start and orders == other_orders
        kept = (
            "the same initial weights and the same order of the images"
            if both
            else "the same initial weights"
            if same_start
            else "the same order of the images"
        )
        raise CheckFailed(
            f"{what} trained with {kept} as with seed=0: the seed chooses both, the initial "
            "weights (init_params) and the order of every epoch (the generator of the "
            "permutations). Pass choose_epochs's seed on to train, and use it there for both."
        )
    curve = np.ravel(array(curve, f"{what}: val_accuracy")).astype(float)
    shown = "[" + ", ".join(f"{a:.4f}" for a in curve) + "]"
    if not isinstance(best, (int, np.integer)) or best != 1:
        raise CheckFailed(
            f"{what} returned best_epochs={best!r} for the validation curve {shown}, where every "
            "epoch ties (these validation images are each repeated with all ten labels, so any "
            "network gets 0.1): return the first of the tied epochs, the fewest epochs that reach "
            "the best accuracy, as the docstring says."
        )
    return (
        "the curve and the best epoch (the first if tied) from data.val; the seed sets the "
        "initial weights and the order, the same seed the same network; data.test never read"
    )


@check
def check_capstone_training(val_params: Any, nets: Any) -> None:
    """The network of the validation run (trained on the 51,000 images of data.train) and each
    network of the ensemble reach the expected accuracy on the grade's validation images."""
    settings, val = current(), validation()
    minimum = settings.min_accuracy("capstone")
    if not isinstance(nets, (list, tuple)) or not nets:
        raise CheckFailed(f"nets should be a list of trained params, got {type(nets).__name__}.")
    first = [
        i for i, p in enumerate(nets) if np.array_equal(trained(p, "nets")["W1"], nets[0]["W1"])
    ]
    if len(first) > 1:
        raise CheckFailed(
            f"nets[0] and nets[{first[1]}] are the same network: an ensemble averages networks "
            "trained from different seeds; train must use its seed for the initial weights and "
            "the order of the batches."
        )
    found = []
    for what, params in (
        ("val_params", val_params),
        *((f"nets[{i}]", p) for i, p in enumerate(nets)),
    ):
        acc = ref_accuracy(trained(params, what), val)
        if acc < minimum:
            hint = (
                " This notebook ran in quick mode (NNSCRATCH_QUICK is set in its kernel), so it "
                "trained on a slice of MNIST; this is a full grade: remove that setting."
                if settings.graded and not settings.quick and is_quick()
                else " Make the earlier checks pass first; then look at the validation curve: "
                "the learning rate, its schedule, the number of epochs."
            )
            raise CheckFailed(
                f"{what} reaches a validation accuracy of {acc:.4f} on the {len(val):,} "
                f"validation images, below the {minimum:.3f} this exercise expects "
                f"({settings.mode} grade).{hint}"
            )
        found.append(f"{acc:.4f}")
    return (
        f"validation accuracy {found[0]} (validation run; at least {minimum:.3f}, "
        f"{settings.mode} grade), {', '.join(found[1:])} (ensemble, trained on these images too)"
    )
