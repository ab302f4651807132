"""Checks of exercise 5, optimizers (``exercises/05_optimizers.ipynb``).

Momentum, AdaGrad and Adam, step by step against ``torch.optim``, and the training with each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.gradcheck import rel_error
from nnscratch.grade.fixtures import trained_accuracy
from nnscratch.grade.harness import CheckFailed, array, call, check, pair, shape
from nnscratch.grade.settings import MIN_ACCURACY


def _gradient_stream(steps: int, seed: int) -> list[list[np.ndarray]]:
    """Gradients for two parameters ``(5, 4)`` and ``(6,)``, per step.

    The second parameter has an entry whose gradient is always 0 (like the W1 columns of pixels that
    are blank in every image) and entries with tiny gradients (~1e-7), where ``eps`` matters.
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        g2 = rng.standard_normal(6)
        g2[0] = 0.0
        g2[1:3] *= 1e-7
        out.append([rng.standard_normal((5, 4)), g2])
    return out


def _torch_trajectory(
    make: Callable, w0: list[np.ndarray], grads: list[list[np.ndarray]]
) -> list[list[np.ndarray]]:
    import torch

    params = [torch.nn.Parameter(torch.tensor(w, dtype=torch.float64)) for w in w0]
    opt = make(params)
    out = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def _learner_trajectory(
    update: Callable, name: str, hyper: dict, w0: list[np.ndarray], grads: list[list[np.ndarray]]
) -> list[list[np.ndarray]]:
    """Run the learner's rule on two parameters, alternating, each with its own state."""
    args = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
    ws, states, out = [w.copy() for w in w0], [None, None], []
    for t, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            what = f"{name}(w, dw, state, {args}) at step {t} (parameter of shape {w0[i].shape})"
            result = pair(
                call(update, what, ws[i].copy(), g.copy(), states[i], **hyper), what, "(w, state)"
            )
            w = array(result[0], f"the w returned by {what}")
            shape(w, w0[i].shape, f"the w returned by {what}")
            ws[i], states[i] = w.astype(np.float64), result[1]
        out.append([w.copy() for w in ws])
    return out


def _compare_trajectories(
    name: str, torch_name: str, mine: list, true: list, w0: list, hint: Callable[[int, int], str]
) -> float:
    """Largest relative error of the learner's weights vs torch's, step by step.

    CheckFailed at the first step where they differ.
    """
    worst = 0.0
    for t, (m_step, t_step) in enumerate(zip(mine, true), start=1):
        for i, (m, tr) in enumerate(zip(m_step, t_step)):
            if not np.all(np.isfinite(m)):
                bad = tuple(int(j) for j in np.argwhere(~np.isfinite(m))[0])
                extra = hint(t, -1) if i == 1 and bad == (0,) else ""
                raise CheckFailed(
                    f"{name}: after step {t} the weights contain NaN or inf, at index {bad} of the "
                    f"parameter of shape {m.shape}.{extra}"
                )
            moved = np.linalg.norm(tr - w0[i])
            err = float(np.linalg.norm(m - tr) / max(moved, 1e-300))
            worst = max(worst, err)
            if err > 1e-7:
                raise CheckFailed(
                    f"{name}: after step {t} the weights differ from {torch_name} given the same "
                    f"gradients (error {err:.2e} relative to how far the weights "
                    f"moved).{hint(t, i)}"
                )
    return worst


@check
def check_momentum(momentum: Callable) -> None:
    """``momentum(w, dw, state, lr, mu)`` moves the weights as ``torch.optim.SGD(momentum=mu)``."""
    import torch

    lr, mu = 0.01, 0.9
    grads = _gradient_stream(15, seed=41)
    rng = np.random.default_rng(42)
    w0 = [rng.standard_normal((5, 4)), rng.standard_normal(6)]
    mine = _learner_trajectory(momentum, "momentum", {"lr": lr, "mu": mu}, w0, grads)
    true = _torch_trajectory(lambda p: torch.optim.SGD(p, lr=lr, momentum=mu), w0, grads)

    def hint(t: int, i: int) -> str:
        first = mine[0][0] - w0[0]
        if float(np.sum(first * grads[0][0])) > 0:
            return (
                " The first step moves w *up* the gradient (in the direction of dw): the velocity "
                "must point against the gradient. Check the signs."
            )
        if t == 1 and i == 0:
            return " The first step should be -lr * dw: the velocity starts at zero."
        return (
            f" The first step is right but not step {t} of parameter {i + 1}: keep the velocity in "
            "`state` (one state per parameter) and decay it by mu at every step."
        )

    worst = _compare_trajectories(
        "momentum", f"torch.optim.SGD(lr={lr}, momentum={mu})", mine, true, w0, hint
    )
    return (
        "15 steps on two parameters agree with torch.optim.SGD(momentum=0.9) (max relative error "
        f"{worst:.1e})"
    )


@check
def check_adagrad(adagrad: Callable) -> None:
    """``adagrad(w, dw, state, lr, eps)`` moves the weights exactly as ``torch.optim.Adagrad``."""
    import torch

    lr, eps = 0.1, 1e-10
    grads = _gradient_stream(15, seed=43)
    rng = np.random.default_rng(44)
    w0 = [rng.standard_normal((5, 4)), rng.standard_normal(6)]
    mine = _learner_trajectory(adagrad, "adagrad", {"lr": lr, "eps": eps}, w0, grads)
    true = _torch_trajectory(lambda p: torch.optim.Adagrad(p, lr=lr, eps=eps), w0, grads)

    def hint(t: int, i: int) -> str:
        if i == -1:
            return (
                " That entry's gradient has been 0 at every step, so its sum of squared gradients "
                "is 0 and the update divides 0 by 0. This is what eps is for: add it to the "
                "denominator."
            )
        if i == 1:
            big = rel_error(mine[t - 1][1][3:], true[t - 1][1][3:]) < 1e-7
            small = rel_error(mine[t - 1][1][1:3], true[t - 1][1][1:3]) > 1e-7
            if big and small:
                return (
                    " The entries with ordinary gradients agree, but those whose gradients are "
                    "tiny (~1e-7) do not: that is where eps matters. torch.optim.Adagrad divides "
                    "by sqrt(G) + eps, with eps outside the square root."
                )
        if t == 1 and i == 0:
            return (
                " Already the first step differs: it should be -lr * dw / (|dw| + eps), i.e. about "
                "lr in size for every entry with a non-negligible gradient."
            )
        return (
            f" The first step agrees but not step {t} of parameter {i + 1}: accumulate the squared "
            "gradients in `state`, one state per parameter, over all steps."
        )

    worst = _compare_trajectories(
        "adagrad", f"torch.optim.Adagrad(lr={lr}, eps={eps:g})", mine, true, w0, hint
    )
    return (
        "15 steps on two parameters, with zero and tiny gradients, agree with torch.optim.Adagrad "
        f"(max relative error {worst:.1e})"
    )


@check
def check_adam(adam: Callable) -> None:
    """``adam(w, dw, state, lr, beta1, beta2, eps)`` moves the weights as ``torch.optim.Adam``."""
    import torch

    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    grads = _gradient_stream(20, seed=45)
    rng = np.random.default_rng(46)
    w0 = [rng.standard_normal((5, 4)), rng.standard_normal(6)]
    hyper = {"lr": lr, "beta1": b1, "beta2": b2, "eps": eps}
    mine = _learner_trajectory(adam, "adam", hyper, w0, grads)
    true = _torch_trajectory(
        lambda p: torch.optim.Adam(p, lr=lr, betas=(b1, b2), eps=eps), w0, grads
    )

    def hint(t: int, i: int) -> str:
        if i == -1:
            return " An entry whose gradient is always 0 must not move: check where eps goes."
        first = float(np.median(np.abs(mine[0][0] - w0[0])) / lr)
        if abs(first - 1) > 0.05:
            nobias = (1 - b1) / np.sqrt(1 - b2)
            why = (
                (
                    f" ({nobias:.2f} is what you get without bias correction: divide m by 1 - "
                    "beta1**t and v by 1 - beta2**t, with t counting the steps from 1)"
                )
                if abs(first - nobias) < 0.05 * nobias
                else ""
            )
            return (
                f" Adam's first step moves each weight by about lr = {lr:g} (m_hat / sqrt(v_hat) "
                f"is +-1 at t = 1), but yours moved them by about {first:.3g} * lr{why}."
            )
        return (
            f" The first steps agree but not step {t} of parameter {i + 1}: keep m, v and the step "
            "count t in `state`, one state per parameter (Network.train gives each parameter its "
            "own), and update all three at every step."
        )

    worst = _compare_trajectories(
        "adam",
        f"torch.optim.Adam(lr={lr:g}, betas=({b1}, {b2}), eps={eps:g})",
        mine,
        true,
        w0,
        hint,
    )
    return (
        f"20 steps on two parameters agree with torch.optim.Adam (max relative error {worst:.1e})"
    )


@check
def check_optimizers_training(nets: Any, val: Any) -> None:
    """The networks trained with each optimizer reach the expected validation accuracy."""
    if not isinstance(nets, dict):
        raise CheckFailed(
            "nets should be a dict from optimizer name to trained network, got "
            f"{type(nets).__name__}."
        )
    accs = {}
    for name in ("momentum", "adagrad", "adam"):
        if name not in nets:
            raise CheckFailed(
                f"nets has no entry '{name}': train one network with each of momentum, adagrad and "
                "adam."
            )
        accs[name] = trained_accuracy(
            nets[name], val, MIN_ACCURACY["optimizers"], f"nets['{name}']"
        )
    return ", ".join(f"{k} {v:.4f}" for k, v in accs.items()) + " validation accuracy"
