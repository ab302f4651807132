"""Checks of exercise 5, optimizers (``exercises/05_optimizers.ipynb``).

Momentum, AdaGrad, RMSProp and Adam, step by step against ``torch.optim``
(:mod:`nnscratch.grade.trajectories`), and the training with each. Each rule is run with its
defaults and with other hyper-parameters, on three parameters (two of one shape); it may update
``w`` in place or return a new array, must leave ``dw`` unchanged, keep what it remembers in the
state it returns (NumPy arrays and numbers) and compute the update itself.

Every check is a probe and a judge (:func:`~nnscratch.grade.harness.probe`). A rule's probe runs
the learner's rule on the initial weights, gradients and hyper-parameters the grader drew from its
seed, and returns the weights after every step; its judge compares them with ``torch.optim``'s and
names the mistake. The training check's probe returns the trained networks' parameters; its judge
measures their accuracy with the course network's forward pass on the grade's validation images.

The ``ref_*`` rules below are the grader's NumPy references, used only to simulate known mistakes
and name them; the learner's code may not call them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from nnscratch.grade import fixtures, trajectories
from nnscratch.grade.harness import CheckFailed, probe
from nnscratch.grade.trajectories import SHARED_STATE, Mistake, Rule, forgetful, probe_rule
from nnscratch.grade.trajectories import shared_by_shape as shared
from nnscratch.network import Network

#: What the judges import: the grader imports it once, before it starts the workers that judge
#: (:func:`nnscratch.grade.checks.warm`), instead of once in each (0.7 s of every notebook's grade).
JUDGES_IMPORT = ("torch",)

# --------------------------------------------------------------------------------------------
# The grader's references, and known mistakes
# --------------------------------------------------------------------------------------------


def ref_momentum(w, dw, state=None, lr=0.01, mu=0.9):
    v = mu * (0 if state is None else state) - lr * dw
    return w + v, v


def ref_adagrad(w, dw, state=None, lr=0.01, eps=1e-10, inside=False, late=False):
    G = (0 if state is None else state) + dw * dw
    G_used = G - dw * dw if late else G
    return w - lr * dw / (np.sqrt(G_used + eps) if inside else np.sqrt(G_used) + eps), G


def ref_rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8, inside=False, start=False):
    if state is None:
        v = dw * dw if start else (1 - alpha) * dw * dw
    else:
        v = alpha * state + (1 - alpha) * dw * dw
    return w - lr * dw / (np.sqrt(v + eps) if inside else np.sqrt(v) + eps), v


def ref_adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, **mistake):
    m, v, t = (0, 0, 0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    if mistake.get("t0"):
        tc = t - 1
    elif mistake.get("t1"):
        tc = 1
    else:
        tc = mistake["counter"]() if "counter" in mistake else t
    if mistake.get("paper"):  # the paper's "efficient" form: eps added to sqrt(v), not sqrt(v_hat)
        step = lr * np.sqrt(1 - beta2**tc) / (1 - beta1**tc)
        return w - step * m / (np.sqrt(v) + eps), (m, v, t)
    m_hat, v_hat = (m, v) if mistake.get("nobias") else (m / (1 - beta1**tc), v / (1 - beta2**tc))
    den = np.sqrt(v_hat + eps) if mistake.get("inside") else np.sqrt(v_hat) + eps
    return w - lr * m_hat / den, (m, v, t)


def _with(rule: Callable, **options: Any) -> Callable[[], Callable]:
    return lambda: lambda w, dw, state=None, **h: rule(w, dw, state, **{**h, **options})


def _rmsprop_bias_correction() -> Callable:
    def update(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
        v, t = (0, 0) if state is None else state
        v, t = alpha * v + (1 - alpha) * dw * dw, t + 1
        return w - lr * dw / (np.sqrt(v / (1 - alpha**t)) + eps), (v, t)

    return update


def _swapped_betas() -> Callable:
    def update(w, dw, state=None, beta1=0.9, beta2=0.999, **h):
        return ref_adam(w, dw, state, beta1=beta2, beta2=beta1, **h)

    return update


def _global_count() -> Callable:
    calls = [0]

    def counter() -> int:
        calls[0] += 1
        return calls[0]

    return lambda w, dw, state=None, **h: ref_adam(w, dw, state, counter=counter, **h)


def _wrong_sign() -> Callable:
    return lambda w, dw, state=None, lr=0.01, mu=0.9: ref_momentum(w, -dw, state, lr, mu)


EPS_OUTSIDE = "eps outside the square root, sqrt({}) + eps (it matters where {} is tiny)"
NO_EPS = (
    "Where {} is 0 (an entry whose gradient has always been 0) your update divides 0 by 0: add "
    "eps to the denominator, outside the square root."
)

MOMENTUM = Rule(
    "momentum",
    "torch.optim.SGD(momentum=mu)",
    lambda p, h: __import__("torch").optim.SGD(p, lr=h["lr"], momentum=h["mu"]),
    {"lr": 0.01, "mu": 0.9},
    {"lr": (0.03, 0.08), "mu": (0.3, 0.7)},
    ref_momentum,
    mistakes=[
        Mistake(
            _wrong_sign,
            "Your steps move w *up* the gradient (in the direction of dw): the velocity must point "
            "against the gradient. Check the signs.",
        ),
        Mistake(
            forgetful(ref_momentum),
            "Your steps are plain gradient descent, -lr dw at every step: the velocity was not "
            "carried over. Keep v in the state you return (it comes back as `state` at the next "
            "step) and decay it by mu.",
        ),
        Mistake(shared(ref_momentum), SHARED_STATE),
    ],
    first_step=lambda moved, lr, h: (
        f" The first step should be -lr dw (the velocity starts at 0), but yours moved the weights "
        f"by about {moved:.3g} * lr * |dw|."
    ),
    later_steps="Keep the velocity in `state`, one state per parameter, and decay it by mu at "
    "every step.",
)

ADAGRAD = Rule(
    "adagrad",
    "torch.optim.Adagrad",
    lambda p, h: __import__("torch").optim.Adagrad(p, lr=h["lr"], eps=h["eps"]),
    {"lr": 0.01, "eps": 1e-10},
    {"lr": (0.03, 0.08), "eps": (1e-7, 1e-5)},
    ref_adagrad,
    mistakes=[
        Mistake(
            _with(ref_adagrad, inside=True),
            "Your steps are those of dw / sqrt(G + eps): torch.optim.Adagrad puts "
            + EPS_OUTSIDE.format("G", "G")
            + ".",
        ),
        Mistake(_with(ref_adagrad, eps=0.0), NO_EPS.format("G")),
        Mistake(
            _with(ref_adagrad, late=True),
            "Your first step divided by sqrt(0) + eps: add this step's squared gradient to G "
            "before dividing by its square root.",
        ),
        Mistake(
            forgetful(ref_adagrad),
            "G must be the sum of the squared gradients over *all* the steps so far; yours starts "
            "again at every step. Keep G in the state you return.",
        ),
        Mistake(shared(ref_adagrad), SHARED_STATE),
    ],
    first_step=lambda moved, lr, h: (
        " Already the first step differs: it should be -lr dw / (|dw| + eps), about lr in size "
        f"for every entry with a non-negligible gradient; yours moved them by about {moved:.3g} lr."
    ),
    later_steps="Accumulate the squared gradients in `state`, one state per parameter, over all "
    "steps.",
)

RMSPROP = Rule(
    "rmsprop",
    "torch.optim.RMSprop",
    lambda p, h: __import__("torch").optim.RMSprop(p, lr=h["lr"], alpha=h["alpha"], eps=h["eps"]),
    {"lr": 0.01, "alpha": 0.99, "eps": 1e-8},
    {"lr": (0.002, 0.006), "alpha": (0.8, 0.95), "eps": (1e-7, 1e-5)},
    ref_rmsprop,
    mistakes=[
        Mistake(
            _with(ref_rmsprop, inside=True),
            "Your steps are those of dw / sqrt(v + eps): torch.optim.RMSprop puts "
            + EPS_OUTSIDE.format("v", "v")
            + ".",
        ),
        Mistake(_with(ref_rmsprop, eps=0.0), NO_EPS.format("v")),
        Mistake(
            _with(ref_rmsprop, start=True),
            "Your v starts at dw * dw, but v starts at 0 in torch.optim.RMSprop, so after the "
            "first step it is (1 - alpha) dw * dw, and the first step is about lr / sqrt(1 - "
            "alpha) per weight (no bias correction).",
        ),
        Mistake(
            _rmsprop_bias_correction,
            "Your steps are those of RMSProp with Adam's bias correction (v divided by "
            "1 - alpha^t): torch.optim.RMSprop has none; v simply starts at 0.",
        ),
        Mistake(
            forgetful(ref_rmsprop),
            "Your v starts again at every step: keep the running average in the state you "
            "return, so that it remembers the earlier gradients.",
        ),
        Mistake(shared(ref_rmsprop), SHARED_STATE),
    ],
    first_step=lambda moved, lr, h: (
        f" Your first step moved the weights by about {moved:.3g} * lr: it divided by sqrt(0) + "
        "eps. Update v with this step's gradient before dividing by it."
        if moved > 100 / np.sqrt(1 - h["alpha"])
        else f" After the first step v is (1 - alpha) dw * dw (v starts at 0, and RMSprop, "
        "unlike Adam, has no bias correction), so the first step is about "
        f"{1 / np.sqrt(1 - h['alpha']):.3g} * lr per weight for alpha = {h['alpha']:g}; yours "
        f"moved the weights by about {moved:.3g} * lr."
    ),
    later_steps="Keep v in `state`, one state per parameter, and update it at every step: "
    "v <- alpha v + (1 - alpha) dw * dw.",
)

ADAM = Rule(
    "adam",
    "torch.optim.Adam",
    lambda p, h: __import__("torch").optim.Adam(
        p, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"]
    ),
    {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    {"lr": (0.005, 0.02), "beta1": (0.7, 0.85), "beta2": (0.95, 0.995), "eps": (1e-7, 1e-5)},
    ref_adam,
    steps=20,
    mistakes=[
        Mistake(
            _with(ref_adam, nobias=True),
            "Your steps are those of Adam without bias correction: divide m by 1 - beta1^t and v "
            "by 1 - beta2^t, with t counting the steps from 1.",
        ),
        Mistake(
            _with(ref_adam, inside=True),
            "Your steps are those of m_hat / sqrt(v_hat + eps): torch.optim.Adam puts "
            + EPS_OUTSIDE.format("v_hat", "v_hat")
            + ".",
        ),
        Mistake(
            _with(ref_adam, paper=True),
            "Your steps are those of the Adam paper's efficient form, lr sqrt(1 - beta2^t) / (1 - "
            "beta1^t) * m / (sqrt(v) + eps): it adds eps to sqrt(v) instead of sqrt(v_hat), so its "
            "steps differ slightly from torch.optim.Adam's, the formula of the statement (most "
            "where v is tiny). Use m_hat / (sqrt(v_hat) + eps).",
        ),
        Mistake(
            _with(ref_adam, t0=True),
            "At the first step your bias correction divides by 1 - beta1^0 = 0: t counts the "
            "steps from 1, so count this step before correcting.",
        ),
        Mistake(
            _with(ref_adam, t1=True),
            "Your bias correction uses t = 1 at every step: count the steps in the state (t = 1, "
            "2, ...), one count per parameter.",
        ),
        Mistake(
            _global_count,
            "Your step count t grows with every call, not with every step of this parameter: "
            "keep t in the state, one state per parameter.",
        ),
        Mistake(
            _swapped_betas,
            "beta1 is the decay of m (the average of dw) and beta2 that of v (the average of "
            "dw * dw): yours are swapped.",
        ),
        Mistake(
            forgetful(ref_adam),
            "Your m, v and t start again at every step: keep them in the state you return.",
        ),
        Mistake(shared(ref_adam), SHARED_STATE),
    ],
    first_step=lambda moved, lr, h: (
        f" Adam's first step moves each weight by about lr (m_hat / sqrt(v_hat) is +-1 at t = 1), "
        f"but yours moved them by about {moved:.3g} * lr."
        if abs(moved - 1) > 0.01
        else " Your first step has about the right size (lr per weight) but differs slightly from "
        "torch.optim.Adam's: compute w - lr m_hat / (sqrt(v_hat) + eps) exactly as the statement "
        "writes it (where is eps added?)."
    ),
    later_steps="Keep m, v and the step count t in `state`, one state per parameter, and update "
    "all three at every step.",
)


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------


def _rule_check(rule: Rule) -> Callable:
    """The declaration of ``rule``'s check: its inputs drawn from the grade's seed, its judge."""
    return probe(partial(trajectories.rule_inputs, rule), partial(trajectories.judge_rule, rule))


@_rule_check(MOMENTUM)
def check_momentum(momentum: Callable, inputs: dict) -> dict:
    """``momentum(w, dw, state, lr, mu)`` moves the weights as ``torch.optim.SGD(momentum=mu)``."""
    return probe_rule(momentum, MOMENTUM, inputs)


@_rule_check(ADAGRAD)
def check_adagrad(adagrad: Callable, inputs: dict) -> dict:
    """``adagrad(w, dw, state, lr, eps)`` moves the weights as ``torch.optim.Adagrad``."""
    return probe_rule(adagrad, ADAGRAD, inputs)


@_rule_check(RMSPROP)
def check_rmsprop(rmsprop: Callable, inputs: dict) -> dict:
    """``rmsprop(w, dw, state, lr, alpha, eps)`` moves the weights as ``torch.optim.RMSprop``."""
    return probe_rule(rmsprop, RMSPROP, inputs)


@_rule_check(ADAM)
def check_adam(adam: Callable, inputs: dict) -> dict:
    """``adam(w, dw, state, lr, beta1, beta2, eps)`` moves the weights as ``torch.optim.Adam``."""
    return probe_rule(adam, ADAM, inputs)


TRAINED = ("momentum", "adagrad", "rmsprop", "adam")


def _training_inputs(rng: np.random.Generator) -> dict:
    """None: the networks are judged on the grade's validation images. (The steps of each rule,
    from the grader's weights, are the four checks above.)"""
    return {}


def _accuracy(value: Any, what: str) -> float:
    """The validation accuracy of the course network with the parameters a probe returned."""
    state = value if isinstance(value, dict) else {}
    biases = isinstance(state.get("params"), dict) and "b1" in state["params"]
    params = fixtures.returned_params(state.get("params"), what, biases=biases)
    L = sum(1 for k in params if k.startswith("W"))
    sizes = [784] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]
    net = Network(sizes, biases=biases, dtype=np.float64)
    net.params = params
    val = fixtures.validation()
    return float(np.mean(net.predict(val.x) == val.labels))


def _judge_training(inputs: dict, outputs: dict) -> str:
    accs = {}
    for name in TRAINED:
        got, what = outputs[name], f"nets['{name}']"
        if isinstance(got, dict) and isinstance(got.get("failed"), str):
            raise CheckFailed(got["failed"][:1000])
        quick = got.get("quick") if isinstance(got, dict) else None
        accs[name] = fixtures.judged_accuracy(_accuracy(got, what), "optimizers", what, quick)
    if outputs.get("sgd") is not None:  # plain SGD, for the question's ranking
        accs["sgd"] = _accuracy(outputs["sgd"], "nets['sgd']")
    ranked = sorted(accs, key=accs.get, reverse=True)
    accuracies = ", ".join(f"{k} {accs[k]:.4f}" for k in ranked)
    minimum = fixtures.at_least("optimizers")
    return f"validation accuracy, best first: {accuracies} (your rules: {minimum})"


def _trained(nets: dict, name: str) -> dict:
    """What the probe returns of ``nets[name]``: its parameters, or why it has none (in order)."""
    if name not in nets:
        return {
            "failed": f"nets has no entry '{name}': train one network with each of "
            f"{', '.join(TRAINED)}."
        }
    if not isinstance(nets[name], Network):
        return {
            "failed": f"nets['{name}'] should be a trained network (a nnscratch Network), got "
            f"{type(nets[name]).__name__}."
        }
    return fixtures.kernel_state(nets[name])


@probe(_training_inputs, _judge_training)
def check_optimizers_training(nets: Any, inputs: dict) -> dict:
    """The networks trained with each rule reach the expected accuracy on the grade's validation
    images (measured by the grader, with the course network's forward pass on their weights)."""
    if not isinstance(nets, dict):
        raise CheckFailed(
            "nets should be a dict from optimizer name to trained network, got "
            f"{type(nets).__name__}."
        )
    out = {name: _trained(nets, name) for name in TRAINED}
    sgd = nets.get("sgd")
    return {**out, "sgd": fixtures.kernel_state(sgd) if isinstance(sgd, Network) else None}
