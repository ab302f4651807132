"""Exercise 5's checks on a catalog of update rules, called directly (one process, fast): the
right rules pass however they are written, and every known mistake is named.

``tests/wrong_answers/05_optimizers-*`` grade a selection of the same mistakes through notebooks;
this file covers the whole catalog of :mod:`nnscratch.grade.checks.ex05_optimizers`.
"""

from __future__ import annotations

import dataclasses
import functools
import types

import numpy as np
import pytest

from nnscratch.grade.checks import ex05_optimizers as ex05
from nnscratch.grade.harness import CheckFailed
from nnscratch.grade.trajectories import check_rule

torch = pytest.importorskip("torch")

RULES = {
    "momentum": ex05.MOMENTUM,
    "adagrad": ex05.ADAGRAD,
    "rmsprop": ex05.RMSPROP,
    "adam": ex05.ADAM,
}


def grade(rule: str, update) -> str:
    """The check's detail; CheckFailed with its message when the rule is wrong."""
    return check_rule(update, RULES[rule], seeds=(1, 2))


# --------------------------------------------------------------------------------------------
# Right, written in several ways
# --------------------------------------------------------------------------------------------


def momentum(w, dw, state=None, lr=0.01, mu=0.9):
    v = np.zeros_like(w) if state is None else state
    v = mu * v - lr * dw
    w += v
    return w, v


def momentum_pytorch_form(w, dw, state=None, lr=0.01, mu=0.9):  # b <- mu b + dw; w <- w - lr b
    b = dw.copy() if state is None else mu * state + dw
    return w - lr * b, b


def adagrad(w, dw, state=None, lr=0.01, eps=1e-10):
    G = np.zeros_like(w) if state is None else state
    G += dw * dw
    w -= lr * dw / (np.sqrt(G) + eps)
    return w, G


def rmsprop(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = np.zeros_like(w) if state is None else state
    v = alpha * v + (1 - alpha) * dw * dw
    return w - lr * dw / (np.sqrt(v) + eps), v  # a new array, not in place


def rmsprop_dict_state(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    state = {"v": np.zeros_like(w)} if state is None else state
    state["v"] *= alpha
    state["v"] += (1 - alpha) * dw**2
    np.subtract(w, lr * dw / (np.sqrt(state["v"]) + eps), out=w)
    return w, state


def adam(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v, t = (0.0, 0.0, 0) if state is None else state
    t += 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), (m, v, t)


class AdamState:
    """Adam's memory in a small class of its own: m and v (NumPy arrays) and t."""

    def __init__(self, w):
        self.m, self.v, self.t = np.zeros_like(w), np.zeros_like(w), 0


def adam_state_class(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    state = AdamState(w) if state is None else state
    state.t += 1
    state.m *= beta1  # updated in place
    state.m += (1 - beta1) * dw
    state.v *= beta2
    state.v += (1 - beta2) * dw * dw
    m_hat, v_hat = state.m / (1 - beta1**state.t), state.v / (1 - beta2**state.t)
    w -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, state


@dataclasses.dataclass(slots=True)
class Moments:
    m: np.ndarray
    v: np.ndarray
    t: int = 0


def adam_slotted_dataclass(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    s = Moments(np.zeros_like(w), np.zeros_like(w)) if state is None else state
    s.t += 1
    s.m = beta1 * s.m + (1 - beta1) * dw
    s.v = beta2 * s.v + (1 - beta2) * dw**2
    step = lr * (s.m / (1 - beta1**s.t)) / (np.sqrt(s.v / (1 - beta2**s.t)) + eps)
    return w - step, s


def adagrad_namespace(w, dw, state=None, lr=0.01, eps=1e-10):
    state = types.SimpleNamespace(G=np.zeros_like(w)) if state is None else state
    state.G = state.G + dw * dw
    return w - lr * dw / (np.sqrt(state.G) + eps), state


@pytest.mark.parametrize(
    "rule, update",
    [
        ("momentum", momentum),
        ("momentum", momentum_pytorch_form),
        ("adagrad", adagrad),
        ("rmsprop", rmsprop),
        ("rmsprop", rmsprop_dict_state),
        ("adam", adam),
        ("adam", adam_state_class),
        ("adam", adam_slotted_dataclass),
        ("adagrad", adagrad_namespace),
    ],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_a_right_rule_passes(rule, update):
    assert "dw unchanged" in grade(rule, update)


# --------------------------------------------------------------------------------------------
# Wrong, each with the words its message must hold
# --------------------------------------------------------------------------------------------


def with_args(update, **fixed):
    """``update`` with some hyper-parameters written as numbers (its arguments ignored)."""

    @functools.wraps(update)  # the same signature
    def rule(w, dw, state=None, **hyper):
        return update(w, dw, state, **{**hyper, **fixed})

    return rule


def per_shape(update):
    """``update`` with its state kept in a global dict keyed by shape."""
    memory = {}

    @functools.wraps(update)
    def rule(w, dw, state=None, **hyper):
        w, memory[w.shape] = update(w, dw, memory.get(w.shape), **hyper)
        return w, None

    return rule


def momentum_up(w, dw, state=None, lr=0.01, mu=0.9):
    v = (0 if state is None else state) * mu + lr * dw
    return w + v, v


def momentum_forgets(w, dw, state=None, lr=0.01, mu=0.9):
    return w - lr * dw, state


def momentum_global_velocity():
    """Momentum whose velocity lives in a variable of its own, outside `state` (it ignores it)."""
    memory = {}

    def momentum(w, dw, state=None, lr=0.01, mu=0.9):
        v = memory.get("v", np.zeros_like(w))
        memory["v"] = v = mu * v - lr * dw
        return w + v, None

    return momentum


def adam_state_in_partial(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v, t = (0.0, 0.0, 0) if state is None else state.args
    t += 1
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), functools.partial(print, m, v, t)


class TorchMoments:
    """An object of the learner's own class that holds PyTorch tensors."""

    def __init__(self, w):
        self.m = torch.zeros(w.shape, dtype=torch.float64)


def momentum_tensor_attribute(w, dw, state=None, lr=0.01, mu=0.9):
    state = TorchMoments(w) if state is None else state
    state.m = mu * state.m - lr * torch.from_numpy(dw)
    return w + state.m.numpy(), state


def momentum_dw_in_place(w, dw, state=None, lr=0.01, mu=0.9):
    dw *= lr
    v = (0 if state is None else state) * mu - dw
    return w + v, v


def momentum_torch(w, dw, state=None, lr=0.01, mu=0.9):
    if state is None:
        p = torch.nn.Parameter(torch.tensor(w))
        state = (p, torch.optim.SGD([p], lr=lr, momentum=mu))
    state[0].grad = torch.tensor(dw)
    state[1].step()
    return state[0].detach().numpy().copy(), state


def momentum_grader_ref(w, dw, state=None, lr=0.01, mu=0.9):
    return ex05.ref_momentum(w, dw, state, lr, mu)


def adagrad_inside(w, dw, state=None, lr=0.01, eps=1e-10):
    G = (0 if state is None else state) + dw * dw
    return w - lr * dw / np.sqrt(G + eps), G


def adagrad_no_eps(w, dw, state=None, lr=0.01, eps=1e-10):
    G = (0 if state is None else state) + dw * dw
    return w - lr * dw / np.sqrt(G), G


def adagrad_late(w, dw, state=None, lr=0.01, eps=1e-10):
    G = 0 if state is None else state
    return w - lr * dw / (np.sqrt(G) + eps), G + dw * dw


def adagrad_forgets(w, dw, state=None, lr=0.01, eps=1e-10):
    return w - lr * dw / (np.abs(dw) + eps), state


def adagrad_tensors(w, dw, state=None, lr=0.01, eps=1e-10):
    G = torch.zeros(w.shape, dtype=torch.float64) if state is None else state
    G = G + torch.from_numpy(dw) ** 2
    return w - lr * dw / (G.sqrt().numpy() + eps), G


def rmsprop_inside(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = alpha * (0 if state is None else state) + (1 - alpha) * dw * dw
    return w - lr * dw / np.sqrt(v + eps), v


def rmsprop_starts_at_dw2(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = dw * dw if state is None else alpha * state + (1 - alpha) * dw * dw
    return w - lr * dw / (np.sqrt(v) + eps), v


def rmsprop_late(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v = 0 if state is None else state
    return w - lr * dw / (np.sqrt(v) + eps), alpha * v + (1 - alpha) * dw * dw


def rmsprop_bias_corrected(w, dw, state=None, lr=0.01, alpha=0.99, eps=1e-8):
    v, t = (0, 0) if state is None else state
    v, t = alpha * v + (1 - alpha) * dw * dw, t + 1
    return w - lr * dw / (np.sqrt(v / (1 - alpha**t)) + eps), (v, t)


def adam_variant(**change):
    def rule(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m, v, t = (0.0, 0.0, 0) if state is None else state
        t_used = t if change.get("t0") else (1 if change.get("t1") else t + 1)
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw * dw
        if change.get("nobias"):
            m_hat, v_hat = m, v
        else:
            m_hat, v_hat = m / (1 - beta1**t_used), v / (1 - beta2**t_used)
        den = np.sqrt(v_hat + eps) if change.get("inside") else np.sqrt(v_hat) + eps
        if change.get("paper"):  # lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t); eps on sqrt(v)
            step = lr * np.sqrt(1 - beta2**t_used) / (1 - beta1**t_used)
            return w - step * m / (np.sqrt(v) + eps), (m, v, t + 1)
        return w - lr * m_hat / den, (m, v, t + 1)

    return rule


ADAM_STEPS = [0]


def adam_global_t(w, dw, state=None, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    ADAM_STEPS[0] += 1
    t = ADAM_STEPS[0]
    m, v = (0.0, 0.0) if state is None else state
    m, v = beta1 * m + (1 - beta1) * dw, beta2 * v + (1 - beta2) * dw * dw
    return w - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), (m, v)


WRONG = [
    ("momentum", momentum_up, "*up* the gradient"),
    ("momentum", with_args(momentum, lr=0.01), "use the argument lr"),
    ("momentum", with_args(momentum, mu=0.9), "use the argument mu"),
    ("momentum", per_shape(momentum), "one state per parameter"),
    ("momentum", momentum_forgets, "was not carried over"),
    ("momentum", momentum_dw_in_place, "changed `dw`"),
    ("momentum", momentum_torch, "called torch.optim"),
    ("momentum", momentum_grader_ref, "called the grader's ref_momentum"),
    ("momentum", momentum_global_velocity(), "outside `state`"),
    ("momentum", momentum_tensor_attribute, "state holding a torch.Tensor"),
    ("adam", adam_state_in_partial, "state holding a functools.partial"),
    ("adagrad", adagrad_inside, "outside the square root"),
    ("adagrad", adagrad_no_eps, "add eps to the denominator"),
    ("adagrad", adagrad_late, "before dividing"),
    ("adagrad", adagrad_forgets, "over *all* the steps"),
    ("adagrad", with_args(adagrad, eps=1e-10), "use the argument eps"),
    ("adagrad", per_shape(adagrad), "one state per parameter"),
    ("adagrad", adagrad_tensors, "state holding a torch.Tensor"),
    ("rmsprop", rmsprop_inside, "outside the square root"),
    ("rmsprop", rmsprop_starts_at_dw2, "v starts at 0"),
    ("rmsprop", rmsprop_late, "before dividing"),
    ("rmsprop", rmsprop_bias_corrected, "has none"),
    ("rmsprop", with_args(rmsprop, alpha=0.99), "use the argument alpha"),
    ("rmsprop", per_shape(rmsprop), "one state per parameter"),
    ("adam", adam_variant(nobias=True), "without bias correction"),
    ("adam", adam_variant(inside=True), "sqrt(v_hat) + eps"),
    ("adam", adam_variant(paper=True), "the Adam paper's efficient form"),
    ("adam", adam_variant(paper=True, t1=True), "differs slightly from torch.optim.Adam's"),
    ("adam", adam_variant(t0=True), "1 - beta1^0 = 0"),
    ("adam", adam_variant(t1=True), "uses t = 1 at every step"),
    ("adam", adam_global_t, "one state per parameter"),
    ("adam", with_args(adam, beta1=0.9, beta2=0.999), "use the argument beta"),
    ("adam", with_args(adam, eps=1e-8), "use the argument eps"),
    ("adam", per_shape(adam), "one state per parameter"),
]


@pytest.mark.parametrize("rule, update, words", WRONG, ids=[f"{r}-{w[:24]}" for r, _, w in WRONG])
def test_a_wrong_rule_fails_with_a_message_naming_the_mistake(rule, update, words):
    ADAM_STEPS[0] = 0
    with pytest.raises(CheckFailed) as failed:
        grade(rule, update)
    assert words in str(failed.value)
