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

from nnscratch.gradcheck import rel_error
from nnscratch.grade.capstone_judges import judge_choose_epochs, judge_test_error, judge_training
from nnscratch.grade.capstone_reference import (
    init_what,
    judge_gradient_case,
    judge_init,
    param_keys,
    ref_backward,
    ref_params,
    sizes_what,
)
from nnscratch.grade.capstone_training import (
    choose_inputs,
    fingerprint,
    plain_leaf,
    plain_params,
    plain_value,
    probe_choose_epochs,
)
from nnscratch.grade.checks.ex05_optimizers import ref_adam
from nnscratch.grade.contracts import forbidden, plain_state, unchanged
from nnscratch.grade.fixtures import library_optimizers, network_methods
from nnscratch.grade.harness import CheckFailed, array, call, keyed, pair, probe, shape

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


@probe(_init_inputs, judge_init)
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
        what = init_what(inputs, seed)
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


def _judge_gradients(inputs: dict, outputs: dict) -> str:
    worst = max(
        judge_gradient_case(case, got)
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
        sizes, what = sizes_what(case, "forward(params, X)")
        with _yours(what), unchanged(what, params=params, X=X):
            out = pair(call(forward, what, params, X), what, "(activations, zs)")
        acts, zs = (_listed(v) for v in out)
        _, what = sizes_what(case, "backward(params, activations, zs, Y)")
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
# choose_epochs (the probe: capstone_training.py; the judge: capstone_judges.py)
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


@probe(_training_inputs, judge_training)
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


def _no_inputs(rng: np.random.Generator) -> dict:
    """Nothing to draw: the networks are measured on the grader's own test split."""
    return {}


@probe(_no_inputs, judge_test_error)
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
