"""Checks of exercise 7, the capstone (``exercises/07_capstone.ipynb``).

The learner assembles the pieces of exercises 1-5 into one network: He initialization, ReLU hidden
layers with biases for any ``sizes``, the gradients of a mini-batch, Adam, the choice of the number
of epochs on the validation split, and the training. The checks compare with the grader's
reference network (float64, :mod:`nnscratch.grade.capstone_reference`), with central differences
and with exercise 5's reference Adam.

Each check is a probe and a judge (issue 23, :func:`~nnscratch.grade.harness.probe`): the probe
calls the learner's code in the kernel on inputs drawn from the grade's seed and returns plain
data; the judge decides in the grader. The trained networks are judged by the grader's forward
pass on its own validation and test splits, from the weights the probes return.

Notation, as in the statement: ``params`` holds ``W_l: (n_l, n_(l-1))`` and ``b_l: (n_l,)``; a
batch ``X: (B, n_0)``; ``Z_l = A_(l-1) W_l^T + b_l``; ``Delta_l = dL/dZ_l``, one row per image.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.capstone_reference import (
    distinct,
    ensemble_size,
    error_rate,
    fingerprint,
    forward_problem,
    grade_test_split,
    misreported,
    networks,
    param_keys,
    params_of,
    plain_leaf,
    plain_params,
    plain_value,
    ref_backward,
    ref_evaluate,
    ref_loss,
    ref_params,
    ref_probs,
    trained,
)
from nnscratch.grade.capstone_training import (
    choose_inputs,
    judge_choose_epochs,
    probe_choose_epochs,
    quick_hint,
)
from nnscratch.grade.checks.ex05_optimizers import ref_adam
from nnscratch.grade.fixtures import gradient_hint, library_optimizers, network_methods, validation
from nnscratch.grade.harness import (
    CheckFailed,
    array,
    call,
    finite,
    forbidden,
    keyed,
    pair,
    plain_state,
    probe,
    shape,
    unchanged,
)
from nnscratch.grade.settings import GRAD_TOL, current

GRAD_SIZES = ((6, 5, 3), (6, 5, 4, 3), (6, 5, 4, 4, 3))  # 1, 2 and 3 hidden layers
GRAD_BATCH = 7
STEP_SIZES = (6, 5, 4, 3)
STEP_BATCH = 5


def _yours(what: str):
    return forbidden(
        what,
        network_methods("forward", "deltas", "backward", "step", "train") + library_optimizers(),
        "write it yourself with NumPy: the course network is the sigmoid network without "
        "biases, and the optimizer is your Adam.",
    )


def _kernel_quick() -> bool:
    """Whether the learner's kernel runs in quick mode (for the message of a low accuracy)."""
    from nnscratch.config import is_quick

    return is_quick()


def _one_hot(rng: np.random.Generator, n_out: int, batch: int) -> np.ndarray:
    return np.eye(n_out)[rng.integers(0, n_out, batch)]


# --------------------------------------------------------------------------------------------
# init_params
# --------------------------------------------------------------------------------------------


def _init_inputs(rng: np.random.Generator) -> dict:
    """Sizes of three layers (the first layer's fan-out at least 0.3 of its fan-in, so that
    Xavier's scale is far from He's) and two different seeds."""
    sizes = [int(rng.integers(150, 201)), int(rng.integers(60, 91)), int(rng.integers(100, 141))]
    seed, other = (int(s) for s in rng.choice(2**31, size=2, replace=False))
    return {"sizes": [*sizes, 10], "seed": seed, "other": other}


def _init_what(inputs: dict, seed: int) -> str:
    return f"init_params({tuple(int(n) for n in inputs['sizes'])}, seed={seed})"


def _judge_init(inputs: dict, outputs: dict) -> str:
    sizes = tuple(int(n) for n in inputs["sizes"])
    what = _init_what(inputs, inputs["seed"])
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


@probe(_init_inputs, _judge_init)
def check_init_params(init_params: Callable, inputs: dict) -> dict:
    """``init_params(sizes, seed)``: He's weights, N(0, 2 / n_(l-1)), and zero biases, seeded."""
    sizes = tuple(int(n) for n in inputs["sizes"])
    keys = param_keys(sizes)
    got = {}
    for name, seed in (
        ("params", inputs["seed"]),
        ("again", inputs["seed"]),
        ("other", inputs["other"]),
    ):
        what = _init_what(inputs, seed)
        with _yours(what):
            value = call(init_params, what, sizes, seed=int(seed))
        if name == "params" and not isinstance(value, dict):
            keyed(value, what, keys, "One W_l and b_l per layer, the last too.")
        got[name] = plain_params(value, what)
    if isinstance(got["other"], dict):  # the judge compares its W1 only
        got["other"] = {"W1": got["other"].get("W1")}
    return got


# --------------------------------------------------------------------------------------------
# forward and backward
# --------------------------------------------------------------------------------------------


def _gradient_inputs(rng: np.random.Generator) -> dict:
    """For each of GRAD_SIZES: random weights and biases, a batch of inputs, one-hot targets."""
    return {
        "cases": [
            {
                "sizes": list(sizes),
                "params": ref_params(sizes, rng),
                "X": rng.random((GRAD_BATCH, sizes[0])),
                "Y": _one_hot(rng, sizes[-1], GRAD_BATCH),
            }
            for sizes in GRAD_SIZES
        ]
    }


def _sizes_what(case: dict, call: str) -> tuple[tuple[int, ...], str]:
    sizes = tuple(int(n) for n in case["sizes"])
    return sizes, f"{call} for sizes {sizes}, a batch of {GRAD_BATCH}"


def _judge_gradient_case(case: dict, got: dict) -> float:
    """Judge one size's forward and backward; return its worst gradient error."""
    sizes, what = _sizes_what(case, "forward(params, X)")
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
    _, what = _sizes_what(case, "backward(params, activations, zs, Y)")
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


def _judge_gradients(inputs: dict, outputs: dict) -> str:
    worst = max(
        _judge_gradient_case(case, got)
        for case, got in zip(inputs["cases"], outputs["cases"], strict=True)
    )
    return (
        f"forward and backward agree with central differences for sizes "
        f"{', '.join(str(s) for s in GRAD_SIZES)} (worst relative error {worst:.1e})"
    )


def _listed(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


@probe(_gradient_inputs, _judge_gradients)
def check_gradients(forward: Callable, backward: Callable, inputs: dict) -> dict:
    """``forward(params, X)`` and ``backward(params, activations, zs, Y)`` for any ``sizes``:
    ReLU hidden layers, biases, softmax output; the gradients of the mean cross-entropy against
    central differences, in float64."""
    cases = []
    for case in inputs["cases"]:
        params, X, Y = case["params"], case["X"], case["Y"]
        sizes, what = _sizes_what(case, "forward(params, X)")
        with _yours(what), unchanged(what, params=params, X=X):
            out = pair(call(forward, what, params, X), what, "(activations, zs)")
        acts, zs = (_listed(v) for v in out)
        _, what = _sizes_what(case, "backward(params, activations, zs, Y)")
        with _yours(what), unchanged(what, params=params, activations=acts, zs=zs, Y=Y):
            grads = call(backward, what, params, acts, zs, Y)
        if not isinstance(grads, dict):
            keyed(grads, what, param_keys(sizes), "A gradient for every W_l and every b_l.")
        cases.append(
            {
                "activations": [plain_leaf(a, f"A{l}") for l, a in enumerate(acts)],
                "zs": [plain_leaf(z, f"Z{l}") for l, z in enumerate(zs, start=1)],
                "grads": {str(k): plain_leaf(v, f"{what}: d{k}") for k, v in grads.items()},
            }
        )
    return {"cases": cases}


# --------------------------------------------------------------------------------------------
# train_step
# --------------------------------------------------------------------------------------------


def _step_inputs(rng: np.random.Generator) -> dict:
    """Two runs of two steps from random weights: Adam's default betas with a drawn rate, then
    drawn rate and betas (away from the defaults)."""
    lr = float(f"{10 ** rng.uniform(-3, -2):.2g}")
    other = {
        "lr": float(f"{10 ** rng.uniform(-2.5, -1.5):.2g}"),
        "beta1": round(float(rng.uniform(0.7, 0.85)), 2),
        "beta2": round(float(rng.uniform(0.95, 0.995)), 3),
    }
    runs = []
    for hyper in ({"lr": lr}, other):
        runs.append(
            {
                "hyper": hyper,
                "params": ref_params(STEP_SIZES, rng),
                "X": [rng.random((STEP_BATCH, STEP_SIZES[0])) for _ in range(2)],
                "Y": [_one_hot(rng, STEP_SIZES[-1], STEP_BATCH) for _ in range(2)],
            }
        )
    return {"runs": runs}


def _step_what(hyper: dict, t: int) -> str:
    args = ", ".join(f"{n}={v}" for n, v in hyper.items())
    return f"train_step(params, states, X, Y, {args}), step {t}, sizes {STEP_SIZES}"


def _judge_train_step(inputs: dict, outputs: dict) -> str:
    for run, got in zip(inputs["runs"], outputs["runs"], strict=True):
        hyper, start = run["hyper"], run["params"]
        params, ref_states = {key: np.array(v) for key, v in start.items()}, {}
        for t, (X, Y, mine) in enumerate(zip(run["X"], run["Y"], got, strict=True), start=1):
            grads = ref_backward(params, X, Y)
            nobias = {}
            for key in params:
                nobias[key] = ref_adam(
                    params[key], grads[key], ref_states.get(key), nobias=True, **hyper
                )[0]
                params[key], ref_states[key] = ref_adam(
                    params[key], grads[key], ref_states.get(key), **hyper
                )
            what = _step_what(hyper, t)
            keyed(mine, f"params after {what}", param_keys(STEP_SIZES))
            for key in param_keys(STEP_SIZES):
                got_key = array(mine[key], f"params['{key}'] after {what}")
                shape(got_key, params[key].shape, f"params['{key}'] after {what}")
                if rel_error(got_key, params[key]) <= 1e-9:
                    continue
                if np.array_equal(got_key, start[key]) and t == 1:
                    why = f"did not update {key}: a step updates every W_l and every b_l."
                elif t == 1 and rel_error(got_key, nobias[key]) < 1e-6:
                    why = (
                        "moved the parameters as Adam without bias correction: divide m by "
                        "1 - beta1^t and v by 1 - beta2^t, with t counting from 1."
                    )
                elif not np.all(np.isfinite(got_key)):
                    why = (
                        f"left NaN or inf in {key}: a division by zero? t is 1 at the first "
                        "step (1 - beta1^t must not be 0), and m and v are two separate arrays."
                    )
                else:
                    why = (
                        f"moved {key} differently from exercise 5's Adam with these "
                        f"hyper-parameters (relative error {rel_error(got_key, params[key]):.2e})."
                        " If the gradients check fails, fix that first. Otherwise: compute every "
                        "gradient (backward) before updating any parameter, pass lr, beta1 and "
                        "beta2 on to adam, and keep one state per parameter in `states`."
                    )
                raise CheckFailed(f"{what} {why}")
    return "one Adam step per parameter, two steps in a row, default and other hyper-parameters"


@probe(_step_inputs, _judge_train_step)
def check_train_step(train_step: Callable, inputs: dict) -> dict:
    """``train_step(params, states, X, Y, lr, beta1, beta2)``: the batch's gradients, then one
    step of exercise 5's Adam for every parameter, states kept per parameter."""
    runs = []
    for run in inputs["runs"]:
        hyper = {k: float(v) for k, v in run["hyper"].items()}
        mine, states, steps = {key: np.array(v) for key, v in run["params"].items()}, {}, []
        for t, (X, Y) in enumerate(zip(run["X"], run["Y"]), start=1):
            what = _step_what(hyper, t)
            with _yours(what), unchanged(what, X=X, Y=Y):
                call(train_step, what, mine, states, X, Y, **hyper)
            plain_state(states, what)
            steps.append(plain_params(mine, f"params after {what}: params"))
        runs.append(steps)
    return {"runs": runs}


# --------------------------------------------------------------------------------------------
# choose_epochs (the probe and the judge: capstone_training.py)
# --------------------------------------------------------------------------------------------


def _judge_choose_epochs(inputs: dict, outputs: dict) -> str:
    judge_choose_epochs(inputs, outputs)
    return (
        "the curve from data.val and the epoch of its lowest loss (the first if tied); each "
        "epoch e at lr_at(e), whatever the number of epochs; the seed sets the initial weights "
        "and the order; data.test never read"
    )


@probe(choose_inputs, _judge_choose_epochs)
def check_choose_epochs(choose_epochs: Callable, inputs: dict) -> dict:
    """``choose_epochs(data, epochs, seed)`` trains on ``data.train`` with its seed and the schedule
    ``lr_at``, measures (loss, accuracy) on ``data.val`` after every epoch and returns the epoch of
    the lowest validation loss (the first if tied); it never reads ``data.test``. It runs on the
    grader's toy data, with ``SIZES`` set to a small network while it does."""
    return probe_choose_epochs(choose_epochs, inputs, _yours)


# --------------------------------------------------------------------------------------------
# The trained networks
# --------------------------------------------------------------------------------------------


def _training_inputs(rng: np.random.Generator) -> dict:
    """The flat indices of W1 that stand for each network of the ensemble here (the test-error
    check receives and judges the networks whole)."""
    return {"sample": rng.integers(0, 2**31, 64)}


def _low_accuracy(what: str, acc: float, n: int, settings: Any, kernel_quick: Any) -> str:
    minimum = settings.min_accuracy("capstone")
    hint = quick_hint(settings, kernel_quick) or (
        " Make the earlier checks pass first; then look at the validation curve: "
        "the learning rate, its schedule, the number of epochs."
    )
    return (
        f"{what} reaches a validation accuracy of {acc:.4f} on the {n:,} "
        f"validation images, below the {minimum:.3f} this exercise expects "
        f"({settings.mode} grade).{hint}"
    )


def _judge_training(inputs: dict, outputs: dict) -> str:
    settings, val = current(), validation()
    minimum = settings.min_accuracy("capstone")
    nets = outputs["nets"]
    ensemble_size(nets)
    distinct([p.get("W1") if isinstance(p, dict) else None for p in nets])
    loss, acc = ref_evaluate(trained(outputs["val_params"], "val_params"), val)
    if not acc >= minimum:
        raise CheckFailed(_low_accuracy("val_params", acc, len(val), settings, outputs["quick"]))
    curve = array(outputs["val_curve"], "val_curve").astype(float)
    if curve.ndim != 2 or curve.shape[1:] != (2,) or not len(curve):
        raise CheckFailed(f"val_curve has shape {curve.shape}: one (loss, accuracy) per epoch.")
    n = len(val)
    if abs(acc - curve[-1, 1]) > 1.5 / n or abs(loss - curve[-1, 0]) > 1e-3 * max(loss, 1e-3):
        raise CheckFailed(
            f"val_curve ends at (loss, accuracy) = ({curve[-1, 0]:.4f}, {curve[-1, 1]:.4f}), but "
            f"val_params scores ({loss:.4f}, {acc:.4f}) on the {n:,} validation images: "
            "val_params is the validation run's network after its last epoch, and val_curve "
            "its curve on data.val; was it measured on other images (the test set?)? Choose on "
            "the validation split only: choose_epochs(data, ...) with the data of mnist_splits()."
        )
    lowest = int(np.argmin(curve[:, 0])) + 1
    best_epochs = outputs["best_epochs"]
    if isinstance(best_epochs, bool) or not isinstance(best_epochs, int) or best_epochs != lowest:
        raise CheckFailed(
            f"best_epochs is {best_epochs!r}, but the lowest validation loss of val_curve comes "
            f"after epoch {lowest}: the retraining's number of epochs is the one the validation "
            "curve chose, by nothing else (not the test set)."
        )
    return (
        f"validation accuracy {acc:.4f} (validation run; at least {minimum:.3f}, "
        f"{settings.mode} grade); best_epochs {lowest} from the validation curve; "
        f"{len(nets)} different networks in the ensemble (measured by the test-error check)"
    )


@probe(_training_inputs, _judge_training)
def check_capstone_training(
    best_epochs: Any, val_curve: Any, val_params: Any, nets: Any, inputs: dict
) -> dict:
    """The validation run's network (trained on data.train) reaches the expected accuracy on the
    grade's validation images, measured by the grader on its weights; val_curve is that run's,
    measured on them, and best_epochs the epoch of its lowest loss; nets holds at least two
    different networks."""
    sample = inputs["sample"]
    return {
        "best_epochs": plain_value(best_epochs),
        "val_curve": plain_leaf(val_curve, "val_curve"),
        "val_params": plain_params(val_params, "val_params"),
        "nets": (
            [{"W1": (fingerprint(p, sample) or {}).get("W1")} for p in nets]
            if isinstance(nets, (list, tuple))
            else type(nets).__name__
        ),
        "quick": _kernel_quick(),
    }


def _judge_test_error(inputs: dict, outputs: dict) -> str:
    settings, val, test = current(), validation(), grade_test_split()
    nets = networks(outputs["nets"])
    for i, params in enumerate(nets):
        _, acc = ref_evaluate(params, val)
        if not acc >= settings.min_accuracy("capstone"):
            raise CheckFailed(
                _low_accuracy(f"nets[{i}]", acc, len(val), settings, outputs["quick"])
            )
    probs = [ref_probs(p, test.x) for p in nets]
    single = error_rate(probs[0], test.labels)
    ensemble = error_rate(np.mean(probs, axis=0), test.labels)
    n, maximum = len(test), settings.max_test_error("capstone")
    if not ensemble <= maximum:
        raise CheckFailed(
            f"the ensemble of the {len(nets)} networks misclassifies {ensemble:.2%} of the {n:,} "
            f"test images, above the {maximum:.1%} this exercise expects ({settings.mode} "
            f"grade).{quick_hint(settings, outputs['quick'])} Don't tune on the test set to "
            "pass: make the earlier checks pass, and look at the validation curve."
        )
    mean_of_errors = float(np.mean([error_rate(P, test.labels) for P in probs]))
    for name, true, other in (
        ("single_error", single, ensemble),
        ("ensemble_error", ensemble, single),
    ):
        problem = misreported(name, outputs[name], true, other, n, mean_of_errors)
        if problem:
            raise CheckFailed(problem)
    return (
        f"measured by the grader on its {n:,} test images: the ensemble {ensemble:.2%} (at most "
        f"{maximum:.1%}, {settings.mode} grade), one network {single:.2%}; the errors reported "
        f"are theirs; each network at least {settings.min_accuracy('capstone'):.3f} on the "
        "validation images (trained on them too)"
    )


def _no_inputs(rng: np.random.Generator) -> dict:
    """Nothing to draw: the networks are measured on the grader's own test split."""
    return {}


@probe(_no_inputs, _judge_test_error)
def check_test_error(nets: Any, single_error: Any, ensemble_error: Any, inputs: dict) -> dict:
    """The grader measures the test set once: the ensemble of ``nets`` and its first network
    alone, on the grade's own test split, from the weights returned here. Each network reaches
    the expected validation accuracy, the ensemble's error is at most the grade's maximum, and the
    errors the notebook reports are theirs."""
    return {
        "nets": (
            [plain_params(p, f"nets[{i}]") for i, p in enumerate(nets)]
            if isinstance(nets, (list, tuple))
            else type(nets).__name__
        ),
        "single_error": plain_value(single_error),
        "ensemble_error": plain_value(ensemble_error),
        "quick": _kernel_quick(),
    }
