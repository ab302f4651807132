"""Update rules run step by step beside ``torch.optim``: the machinery of exercise 5's checks.

A rule ``update(w, dw, state, **hyper) -> (w, state)`` is run on three parameters in turn, two of
them of one shape, each with its own state, for a stream of gradients; the weights after every
step are compared with those of the ``torch.optim`` optimizer given the same gradients. Each rule
is run twice: with its defaults (which must be torch's) and with other hyper-parameters, so a rule
that ignores an argument fails.

A check of a rule is a probe and a judge (:func:`.harness.probe`). The grader draws the initial
weights, the gradients and the second run's hyper-parameters from its seed (:func:`rule_inputs`).
The probe, in the learner's kernel (:func:`probe_rule`), only runs the learner's rule on them and
returns the weights after every step; it also runs the second run once more per hyper-parameter,
that one set back to its default, for the diagnosis of an ignored argument. There, and only there,
creating or stepping a ``torch.optim`` (or Keras) optimizer raises, and so do the grader's own
reference rules; ``dw`` must come back unchanged and the state must hold only NumPy arrays and
numbers. The judge, in the grader (:func:`judge_rule`), runs ``torch.optim`` on the same inputs,
compares, and when the weights differ names the mistake (:func:`diagnose`): an argument that
changes nothing, or one of the rule's known mistakes (:class:`Rule.mistakes`), each simulated in
NumPy and compared.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnscratch.grade.contracts import forbidden, own, plain_state, unchanged
from nnscratch.grade.fixtures import library_optimizers
from nnscratch.grade.harness import CheckFailed, array, call, pair, shape

#: Parameters 1 and 3 share a shape, so a state kept per shape (not per parameter) shows.
SHAPES = [(5, 4), (6,), (5, 4)]
TOLERANCE = 1e-7  # relative to how far the weights moved


def gradient_stream(rng: np.random.Generator, steps: int) -> list[list[np.ndarray]]:
    """Gradients per step for the three parameters, drawn from ``rng``. Parameter 2 has an entry
    whose gradient is always 0 (like the W1 columns of pixels blank in every image) and two entries
    with tiny gradients (~1e-7), where ``eps`` and its place matter."""
    out = []
    for _ in range(steps):
        g2 = rng.standard_normal(SHAPES[1])
        g2[0] = 0.0
        g2[1:3] *= 1e-7
        out.append([rng.standard_normal(SHAPES[0]), g2, rng.standard_normal(SHAPES[2])])
    return out


@dataclass
class Mistake:
    """A known mistake: a factory of a NumPy rule that makes it, and what to tell the learner."""

    make: Callable[[], Callable]
    message: str


@dataclass
class Rule:
    """An update rule of the exercise and its ``torch.optim`` counterpart."""

    name: str  # the learner's function, e.g. "adam"
    torch_name: str  # e.g. "torch.optim.Adam"
    make_torch: Callable[[list, dict], Any]  # (params, hyper) -> optimizer
    defaults: dict[str, float]  # torch's defaults, which the signature must keep
    varied: dict[str, tuple[float, float]]  # the second run's hyper-parameters: (low, high)
    reference: Callable  # the correct rule in NumPy (only to simulate the mistakes)
    steps: int = 15
    mistakes: list[Mistake] = field(default_factory=list)
    first_step: Callable[[float, float, dict], str] | None = None  # (moved / lr, lr, hyper)
    later_steps: str = ""


# --------------------------------------------------------------------------------------------
# The grader's inputs, the probe (in the learner's kernel), the judge (in the grader)
# --------------------------------------------------------------------------------------------


def rule_inputs(rule: Rule, rng: np.random.Generator) -> dict:
    """Two runs (initial weights, gradients, hyper-parameters: the defaults, then values drawn
    from ``rule.varied``, log-uniformly, to 3 significant digits) and, for the second run, its
    hyper-parameters with each one set back to its default in turn (``unset``)."""
    varied = {
        name: float(f"{np.exp(rng.uniform(np.log(low), np.log(high))):.3g}")
        for name, (low, high) in rule.varied.items()
    }
    runs = [
        {"hyper": hyper, "w0": [rng.standard_normal(s) for s in SHAPES]}
        | {"grads": gradient_stream(rng, rule.steps)}
        for hyper in ({}, varied)
    ]
    unset = [dict(varied, **{name: rule.defaults[name]}) for name in varied]
    return {"runs": runs, "unset": unset}


def _attempt(update: Callable, rule: Rule, hyper: dict, run: dict) -> dict:
    """``{"w": weights after every step}`` of the learner's rule, or ``{"failed": why}``."""
    try:
        return {"w": learner_run(update, rule, hyper, run["w0"], run["grads"])}
    except CheckFailed as failed:
        return {"failed": str(failed)}


def probe_rule(update: Callable, rule: Rule, inputs: dict) -> dict:
    """The probe of a rule's check: the learner's own rule, its signature's defaults, and its runs
    on the grader's inputs (each run's weights, or the contract it broke, for the judge)."""
    own(update, rule.name, "write the update rule yourself with NumPy.")
    params = inspect.signature(update).parameters if callable(update) else {}
    for name, value in rule.defaults.items():
        p = params.get(name)
        if p is None or p.default is inspect.Parameter.empty or p.default != value:
            found = (
                "no default"
                if p is None or p.default is inspect.Parameter.empty
                else (f"the default {p.default!r}")
            )
            raise CheckFailed(
                f"{rule.name} should take the argument {name} with the default of "
                f"{rule.torch_name}, {name}={value:g}, but has {found}: keep the signature given."
            )
    first, *others = inputs["runs"]
    runs = [_attempt(update, rule, first["hyper"], first)]
    if "failed" in runs[0]:  # the first thing the judge would report
        raise CheckFailed(runs[0]["failed"])
    runs += [_attempt(update, rule, run["hyper"], run) for run in others]
    varied = inputs["runs"][-1]
    return {"runs": runs, "unset": [_attempt(update, rule, h, varied) for h in inputs["unset"]]}


def _trajectory(value: Any, run: dict, steps: int) -> list[list[np.ndarray]] | str:
    """A run the probe returned: the weights after every step (float64), each of its parameter's
    shape, or the message of the contract it broke in the kernel; CheckFailed for anything else."""
    if isinstance(value, dict) and isinstance(value.get("failed"), str):
        return value["failed"][:3000]
    w = value.get("w") if isinstance(value, dict) else None
    if not isinstance(w, list) or len(w) != steps:
        raise CheckFailed("the weights of each step did not come back from the kernel.")
    out = []
    for t, step in enumerate(w, start=1):
        if not isinstance(step, list) or len(step) != len(SHAPES):
            raise CheckFailed(f"the weights after step {t} did not come back from the kernel.")
        ws = [array(x, f"the w returned at step {t}") for x in step]
        for x, w0 in zip(ws, run["w0"]):
            shape(x, w0.shape, f"the w returned at step {t}")
        out.append([x.astype(np.float64) for x in ws])
    return out


def judge_rule(rule: Rule, inputs: dict, outputs: dict) -> str:
    """The judge of a rule's check: each run beside ``rule``'s torch optimizer; CheckFailed with a
    diagnosis at the first difference. Returns the detail."""
    runs, unset = outputs["runs"], outputs["unset"]
    if len(runs) != len(inputs["runs"]) or len(unset) != len(inputs["unset"]):
        raise CheckFailed("the runs of the update rule did not come back from the kernel.")
    worst = 0.0
    for run, got in zip(inputs["runs"], runs):
        hyper, w0, grads = run["hyper"], run["w0"], run["grads"]
        mine = _trajectory(got, run, rule.steps)
        if isinstance(mine, str):
            raise CheckFailed(mine)
        true = torch_run(rule, hyper, w0, grads)
        found = first_difference(mine, true, w0)
        if found is not None:
            t, i, err = found
            setting = ", ".join(f"{k}={v:g}" for k, v in hyper.items()) or "its defaults"
            how = "NaN or inf" if err == np.inf else f"an error of {err:.2e}"
            others = dict(zip(hyper, unset)) if hyper else {}
            raise CheckFailed(
                f"{rule.name}: after step {t}, parameter {i + 1} (shape {w0[i].shape}) differs "
                f"from {rule.torch_name} with {setting}, given the same gradients ({how}, "
                "relative to how far the weights moved)." + diagnose(rule, run, mine, t, i, others)
            )
        worst = max(worst, worst_error(mine, true, w0))
    varied = ", ".join(f"{k}={v:g}" for k, v in inputs["runs"][-1]["hyper"].items())
    return (
        f"{rule.steps} steps on three parameters (two of one shape; zero and tiny gradients) agree "
        f"with {rule.torch_name}, with its defaults and with {varied} (max relative error "
        f"{worst:.1e}); dw unchanged"
    )


def check_rule(update: Callable, rule: Rule, seeds: tuple[int, ...]) -> str:
    """Probe and judge ``update`` in one process, with inputs drawn from ``seeds`` (the tests)."""
    from nnscratch.grade import plain

    given = plain.roundtrip(rule_inputs(rule, np.random.default_rng(list(seeds))))
    return judge_rule(rule, given, plain.roundtrip(probe_rule(update, rule, given)))


# --------------------------------------------------------------------------------------------
# Runs: torch's, the grader's NumPy rules', the learner's
# --------------------------------------------------------------------------------------------


def torch_run(rule: Rule, hyper: dict, w0: list, grads: list) -> list[list[np.ndarray]]:
    """The weights after every step of ``rule``'s torch optimizer (float64)."""
    import torch

    params = [torch.nn.Parameter(torch.tensor(w, dtype=torch.float64)) for w in w0]
    opt = rule.make_torch(params, {**rule.defaults, **hyper})
    out = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def numpy_run(update: Callable, hyper: dict, w0: list, grads: list) -> list[list[np.ndarray]]:
    """The weights after every step of a NumPy rule (one of ours), each parameter its own state."""
    ws, states, out = [w.copy() for w in w0], [None] * len(w0), []
    with np.errstate(all="ignore"):
        for step in grads:
            for i, g in enumerate(step):
                ws[i], states[i] = update(ws[i].copy(), g.copy(), states[i], **hyper)
            out.append([w.copy() for w in ws])
    return out


def learner_run(
    update: Callable, rule: Rule, hyper: dict, w0: list, grads: list
) -> list[list[np.ndarray]]:
    """The weights after every step of the learner's rule, called as ``Network.train`` calls it
    (each parameter with its own state); CheckFailed on a broken contract. The probe's work."""
    args = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
    banned = library_optimizers() + _references(rule)
    ws, states, out = [np.array(w) for w in w0], [None] * len(w0), []
    for t, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            what = (
                f"{rule.name}(w, dw, state{', ' + args if args else ''}) at step {t} "
                f"(parameter {i + 1} of shape {w0[i].shape})"
            )
            dw = np.array(g)
            with (
                forbidden(
                    rule.name,
                    banned,
                    f"write the update yourself with NumPy (the check compares your rule with "
                    f"{rule.torch_name}, so it cannot be that rule).",
                ),
                unchanged(what, "The gradient belongs to the caller.", dw=dw),
            ):
                try:
                    result = call(update, what, ws[i].copy(), dw, states[i], **hyper)
                except CheckFailed as failed:
                    raise CheckFailed(_shared_state_message(str(failed), what, i, w0)) from None
            w, state = pair(result, what, "(w, state)")
            w = array(w, f"the w returned by {what}")
            shape(w, w0[i].shape, f"the w returned by {what}")
            plain_state(state, what)
            ws[i], states[i] = w.astype(np.float64), state
        out.append([w.copy() for w in ws])
    return out


def _shape_text(shape: tuple) -> str:
    """A shape as NumPy's messages write it: (5,4), (6,)."""
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _shared_state_message(message: str, what: str, i: int, w0: list) -> str:
    """``message``, or, when the update of parameter ``i`` failed to broadcast an array shaped like
    another parameter, what that means: the rule's memory is shared, not kept in ``state``."""
    if "could not be broadcast" not in message:
        return message
    others = [j for j, w in enumerate(w0) if w.shape != w0[i].shape]
    j = next((j for j in others if _shape_text(w0[j].shape) in message), None)
    if j is None:
        return message
    error = message.removeprefix(f"{what} raised ").strip()
    return (
        f"{what} combined its gradient with an array of shape {w0[j].shape}, parameter {j + 1}'s "
        f"({error}): the rule keeps what it remembers outside `state` (in a global variable or a "
        "default argument), where all the parameters share it. Keep it in the state the rule "
        "returns, one state per parameter: Network.train gives it back at that parameter's next "
        "step (None at its first)."
    )


def first_difference(mine: list, true: list, w0: list) -> tuple[int, int, float] | None:
    """(step, parameter index, error) where the learner's weights first differ, else None."""
    for t, (m_step, t_step) in enumerate(zip(mine, true), start=1):
        for i, (m, tr) in enumerate(zip(m_step, t_step)):
            if not np.all(np.isfinite(m)):
                return t, i, np.inf
            moved = np.linalg.norm(tr - w0[i])
            err = float(np.linalg.norm(m - tr) / max(moved, 1e-300))
            if err > TOLERANCE:
                return t, i, err
    return None


def worst_error(mine: list, true: list, w0: list) -> float:
    return max(
        float(np.linalg.norm(m - tr) / max(np.linalg.norm(tr - w), 1e-300))
        for m_step, t_step in zip(mine, true)
        for m, tr, w in zip(m_step, t_step, w0)
    )


def _agree(a: list, b: list, t: int) -> bool:
    return all(
        np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)
        for sa, sb in zip(a[:t], b[:t])
        for x, y in zip(sa, sb)
    )


def diagnose(rule: Rule, run: dict, mine: list, t: int, i: int, others: dict[str, Any]) -> str:
    """A sentence naming the mistake that makes the learner's step ``t`` differ, or a hint.
    ``others``: the probe's runs with one of ``run``'s hyper-parameters set back to its default."""
    hyper, w0, grads = run["hyper"], run["w0"], run["grads"]
    full, steps = {**rule.defaults, **hyper}, len(grads)
    for name in hyper:  # an argument the rule ignores: the whole run is the same without it
        try:
            other = _trajectory(others.get(name), run, steps)
        except CheckFailed:
            continue
        if not isinstance(other, str) and _agree(other, mine, steps):
            return (
                f" With {name}={hyper[name]:g} your rule moves the weights exactly as with "
                f"{name}={rule.defaults[name]:g}: use the argument {name} instead of a fixed "
                "number."
            )
    for mistake in rule.mistakes:  # a known mistake makes the same weights at every step
        if _agree(numpy_run(mistake.make(), full, w0, grads), mine, steps):
            return f" {mistake.message}"
    m = mine[t - 1][i]
    if not np.all(np.isfinite(m)):
        bad = tuple(int(j) for j in np.argwhere(~np.isfinite(m))[0])
        if i == 1 and bad == (0,):
            return (
                " That entry's gradient has been 0 at every step, so the update divides 0 by 0: "
                "that is what eps is for."
            )
        return ""
    lr = full["lr"]
    moved = float(np.median(np.abs(mine[0][0] - w0[0])) / lr)
    if t == 1 and rule.first_step is not None:
        return rule.first_step(moved, lr, full)
    return f" The first step agrees but not step {t} of parameter {i + 1}. {rule.later_steps}"


# --------------------------------------------------------------------------------------------
# Mistakes built from a reference rule
# --------------------------------------------------------------------------------------------


def _references(rule: Rule) -> list[tuple[Any, str, str]]:
    """The grader's reference rules (``ref_*`` in the module that defines ``rule.reference``):
    off limits to the learner's code."""
    module = sys.modules[rule.reference.__module__]
    names = [n for n in vars(module) if n.startswith("ref_")]
    return [(module, n, f"the grader's {n}") for n in names]


def shared_by_shape(rule: Callable) -> Callable[[], Callable]:
    """A factory of ``rule`` whose state is kept per shape of ``w``, not per parameter."""

    def make() -> Callable:
        states: dict[tuple, Any] = {}

        def update(w, dw, state=None, **hyper):
            w, states[w.shape] = rule(w, dw, states.get(w.shape), **hyper)
            return w, None

        return update

    return make


def forgetful(rule: Callable) -> Callable[[], Callable]:
    """A factory of ``rule`` that starts from a fresh state at every step."""
    return lambda: lambda w, dw, state=None, **hyper: rule(w, dw, None, **hyper)


SHARED_STATE = (
    "Parameter 1 agrees, but parameter 3, which has the same shape, does not: its steps use "
    "another parameter's history. Keep what the rule remembers in the state it returns, one state "
    "per parameter (Network.train gives each parameter its own), not in a global variable."
)
