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

from nnscratch.data import MNIST, Split
from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.capstone_reference import (
    error_rate,
    forward_problem,
    grade_test_split,
    misreported,
    networks,
    param_keys,
    params_of,
    ref_backward,
    ref_evaluate,
    ref_loss,
    ref_params,
    ref_probs,
    trained,
)
from nnscratch.grade.capstone_training import (
    check_rates,
    judge_choice,
    judge_curve,
    quick_hint,
    run_choose_epochs,
    same_start,
    schedule,
)
from nnscratch.grade.checks.ex05_optimizers import ref_adam
from nnscratch.grade.fixtures import (
    Forbidden,
    gradient_hint,
    library_optimizers,
    network_methods,
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
        problem = forward_problem(acts, zs, params, X, L)
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


@check
def check_choose_epochs(choose_epochs: Callable) -> None:
    """``choose_epochs(data, epochs, seed)`` trains on ``data.train`` with its seed and the schedule
    ``lr_at``, measures (loss, accuracy) on ``data.val`` after every epoch and returns the epoch of
    the lowest validation loss (the first if tied); it never reads ``data.test``."""
    rng, names = np.random.default_rng(5), choose_epochs.__globals__
    train, n_val = Split(*toy_images(rng, 320)), 97
    val = Split(*toy_images(rng, n_val))
    test = Forbidden(
        "choose_epochs read data.test.{name}: the test set is for the one measurement at the end. "
        "Choose the number of epochs (and any setting) on data.val only."
    )
    lr_at = schedule(names)
    # Long enough to pass the first change of rate (chapter 5's step), if it comes by epoch 20.
    epochs = next((e for e in range(2, 21) if lr_at(e) != lr_at(1)), 2)
    what = f"choose_epochs(data, epochs={epochs}, seed=0) on toy data"
    out, orders, rates, start = run_choose_epochs(
        choose_epochs, MNIST(train, val, test), epochs, 0, what, _yours
    )
    judge_curve(out, val, epochs, what)
    # The same seed for one epoch more: the same start, the same first epochs.
    what = f"choose_epochs(data, epochs={epochs + 1}, seed=0) on toy data"
    _, longer_orders, longer_rates, longer_start = run_choose_epochs(
        choose_epochs, MNIST(train, val, test), epochs + 1, 0, what, _yours
    )
    if not same_start(start, longer_start) or longer_orders[:epochs] != orders:
        differs = (
            "another order of the images"
            if same_start(start, longer_start)
            else "other initial weights"
        )
        raise CheckFailed(
            f"{what} trained with {differs} than with epochs={epochs} and the same seed: the "
            "same seed must give the same network, epoch after epoch. Draw everything random in "
            "train from the seed (init_params(SIZES, seed) and np.random.default_rng(seed)), "
            "nothing from an unseeded generator."
        )
    check_rates(rates, longer_rates, lr_at, "choose_epochs(data, epochs, seed=0) on toy data")
    # Another seed: another network.
    what = "choose_epochs(data, epochs=2, seed=3) on toy data"
    _, other_orders, _, other_start = run_choose_epochs(
        choose_epochs, MNIST(train, val, test), 2, 3, what, _yours
    )
    kept = [
        thing
        for thing, same in (
            ("the same initial weights", same_start(start, other_start)),
            ("the same order of the images", orders[:2] == other_orders),
        )
        if same
    ]
    if kept:
        raise CheckFailed(
            f"{what} trained with {' and '.join(kept)} as with seed=0: the seed chooses both, the "
            "initial weights (init_params) and the order of every epoch (the generator of the "
            "permutations). Pass choose_epochs's seed on to train, and use it there for both."
        )
    # The choice itself, on a curve of the check's own (a tie, an accuracy that disagrees).
    judge_choice(choose_epochs, MNIST(train, val, test), _yours)
    return (
        "the curve from data.val and the epoch of its lowest loss (the first if tied); each "
        "epoch e at lr_at(e), whatever the number of epochs; the seed sets the initial weights "
        "and the order; data.test never read"
    )


@check
def check_capstone_training(best_epochs: Any, val_curve: Any, val_params: Any, nets: Any) -> None:
    """The validation run's network (trained on data.train) and each network of the ensemble
    reach the expected accuracy on the grade's validation images; val_curve is that run's,
    measured on them, and best_epochs the epoch of its lowest loss."""
    settings, val = current(), validation()
    minimum = settings.min_accuracy("capstone")
    nets = networks(nets)
    found = []
    named = [("val_params", val_params), *((f"nets[{i}]", p) for i, p in enumerate(nets))]
    for what, params in named:
        loss, acc = ref_evaluate(trained(params, what), val)
        if acc < minimum:
            hint = quick_hint(settings) or (
                " Make the earlier checks pass first; then look at the validation curve: "
                "the learning rate, its schedule, the number of epochs."
            )
            raise CheckFailed(
                f"{what} reaches a validation accuracy of {acc:.4f} on the {len(val):,} "
                f"validation images, below the {minimum:.3f} this exercise expects "
                f"({settings.mode} grade).{hint}"
            )
        found.append((loss, acc))
    curve = array(val_curve, "val_curve").astype(float)
    if curve.ndim != 2 or curve.shape[1:] != (2,) or not len(curve):
        raise CheckFailed(f"val_curve has shape {curve.shape}: one (loss, accuracy) per epoch.")
    (loss, acc), n = found[0], len(val)
    if abs(acc - curve[-1, 1]) > 1.5 / n or abs(loss - curve[-1, 0]) > 1e-3 * max(loss, 1e-3):
        raise CheckFailed(
            f"val_curve ends at (loss, accuracy) = ({curve[-1, 0]:.4f}, {curve[-1, 1]:.4f}), but "
            f"val_params scores ({loss:.4f}, {acc:.4f}) on the {n:,} validation images: "
            "val_params is the validation run's network after its last epoch, and val_curve "
            "its curve on data.val; was it measured on other images (the test set?)? Choose on "
            "the validation split only: choose_epochs(data, ...) with the data of mnist_splits()."
        )
    lowest = int(np.argmin(curve[:, 0])) + 1
    if not isinstance(best_epochs, (int, np.integer)) or best_epochs != lowest:
        raise CheckFailed(
            f"best_epochs is {best_epochs!r}, but the lowest validation loss of val_curve comes "
            f"after epoch {lowest}: the retraining's number of epochs is the one the validation "
            "curve chose, by nothing else (not the test set)."
        )
    shown = ", ".join(f"{a:.4f}" for _, a in found[1:])
    return (
        f"validation accuracy {found[0][1]:.4f} (validation run; at least {minimum:.3f}, "
        f"{settings.mode} grade), {shown} (ensemble, trained on these images too); "
        f"best_epochs {lowest} from the validation curve"
    )


@check
def check_test_error(nets: Any, single_error: Any, ensemble_error: Any) -> None:
    """The grader measures the test set once: the ensemble of ``nets`` and its first network
    alone, on the grade's own test split. The ensemble's error is at most the grade's maximum,
    and the errors the notebook reports are theirs."""
    settings, test = current(), grade_test_split()
    nets = networks(nets)
    probs = [ref_probs(p, test.x) for p in nets]
    single = error_rate(probs[0], test.labels)
    ensemble = error_rate(np.mean(probs, axis=0), test.labels)
    n, maximum = len(test), settings.max_test_error("capstone")
    if ensemble > maximum:
        raise CheckFailed(
            f"the ensemble of the {len(nets)} networks misclassifies {ensemble:.2%} of the {n:,} "
            f"test images, above the {maximum:.1%} this exercise expects ({settings.mode} "
            f"grade).{quick_hint(settings)} Don't tune on the test set to pass: make the "
            "earlier checks pass, and look at the validation curve."
        )
    mean_of_errors = float(np.mean([error_rate(P, test.labels) for P in probs]))
    for name, value, true, other in (
        ("single_error", single_error, single, ensemble),
        ("ensemble_error", ensemble_error, ensemble, single),
    ):
        problem = misreported(name, value, true, other, n, mean_of_errors)
        if problem:
            raise CheckFailed(problem)
    return (
        f"measured by the grader on its {n:,} test images: the ensemble {ensemble:.2%} (at most "
        f"{maximum:.1%}, {settings.mode} grade), one network {single:.2%}; the errors reported "
        "are theirs"
    )
