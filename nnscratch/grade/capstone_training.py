"""The capstone's training, replayed: what its ``train`` did, read from the ``train_step``
calls that ``choose_epochs`` made (:func:`~.fixtures.calls_of`), and judged against the
statement: every training image once per epoch in a new order drawn from the seed, batches of
``BATCH_SIZE`` (the last smaller), every step of epoch ``e`` at the rate ``lr_at(e)`` whatever
the number of epochs, and the validation curve that chooses the number of epochs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.config import is_quick
from nnscratch.data import MNIST
from nnscratch.grade.capstone_reference import ref_evaluate, trained
from nnscratch.grade.fixtures import calls_of
from nnscratch.grade.harness import CheckFailed, array, call, shape, unchanged
from nnscratch.optim import step_schedule


def scripted_curve(epochs: int) -> list[tuple[float, float]]:
    """A validation curve of the check's own, (loss, accuracy) per epoch: the lowest loss after
    epoch 2, tied after epoch 4, and the highest accuracy after epoch 3."""
    losses = [0.5, 0.3, 0.4, 0.3, 0.35] + [0.45] * max(0, epochs - 5)
    accs = [0.5, 0.6, 0.7, 0.65, 0.6] + [0.55] * max(0, epochs - 5)
    return list(zip(losses[:epochs], accs[:epochs]))


def judge_choice(choose_epochs: Callable, data: MNIST, yours: Callable) -> None:
    """``choose_epochs``'s choice on a curve of the check's own: while it runs, the notebook's
    ``train`` (a global of ``choose_epochs``) returns :func:`scripted_curve` without training."""
    script, namespace, calls = scripted_curve(5), choose_epochs.__globals__, []
    what = f"choose_epochs(data, epochs=5, seed=0), with train returning the curve {shown(script)},"
    original = namespace.get("train")

    def train(split: Any, epochs: int, seed: int, val: Any = None, **kwargs: Any) -> tuple:
        calls.append(epochs)
        return {"W1": np.zeros((10, 784), np.float32)}, list(script)

    namespace["train"] = train
    try:
        with yours(what):
            out = call(choose_epochs, what, data, epochs=5, seed=0)
    finally:
        if original is None:
            namespace.pop("train", None)
        else:
            namespace["train"] = original
    if calls != [5]:
        raise CheckFailed(
            f"{what} called train {len(calls)} times: choose_epochs trains one network, "
            "train(data.train, epochs, seed, val=data.val), and reads its curve."
        )
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise CheckFailed(f"{what} should return (best_epochs, val_curve, params).")
    losses, accs = (np.array(v) for v in zip(*script))
    judge_best(out[0], losses, accs, what)


def run_choose_epochs(
    choose_epochs: Callable, data: MNIST, epochs: int, seed: int, what: str, yours: Callable
) -> tuple[Any, list[list[int]], list[list[float]], Any]:
    """``choose_epochs(data, epochs=epochs, seed=seed)`` inside ``yours(what)`` (what it may not
    call), its inputs unchanged and its train_step calls recorded. Returns its output, per epoch
    the rows of data.train visited and the rates of the steps, and the params of the first step."""
    train, val = data.train, data.val
    with (
        yours(what),
        unchanged(what, train=[train.x, train.y], val=[val.x, val.y]),
        calls_of(choose_epochs, "train_step") as steps,
    ):
        out = call(choose_epochs, what, data, epochs=epochs, seed=seed)
    batch = int(choose_epochs.__globals__.get("BATCH_SIZE", 128))
    orders, rates = replay_epochs(steps, train, epochs, batch, what)
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        raise CheckFailed(f"{what} should return (best_epochs, val_curve, params).")
    start = steps[0][0][0] if steps[0][0] else steps[0][1].get("params")
    return out, orders, rates, start


def replay_epochs(
    steps: list, train: Any, epochs: int, batch: int, what: str
) -> tuple[list[list[int]], list[list[float]]]:
    """The capstone's ``train``, replayed from its ``train_step`` calls (``fixtures.calls_of``): on
    ``train`` only, every image once per epoch in a new order, batches of ``batch`` (the last
    smaller). Returns, per epoch, the rows of ``train`` it visited in order and the learning rates
    of its steps."""
    if not steps:
        raise CheckFailed(f"{what} never called train_step: train makes one train_step per batch.")
    row = {x.tobytes(): i for i, x in enumerate(np.asarray(train.x, dtype=np.float32))}
    per_epoch = -(-len(train) // batch)
    orders, rates = [], []
    for k, (args, kwargs) in enumerate(steps):
        states = args[1] if len(args) > 1 else kwargs.get("states")
        if k and isinstance(states, dict) and not states:
            raise CheckFailed(
                f"{what} gave train_step an empty `states` again at step {k + 1} (epoch "
                f"{k // per_epoch + 1}): Adam's state (m, v and its step count) goes on from one "
                "step to the next for the whole run. Create states = {} once, before the first "
                "epoch."
            )
        X = np.asarray(args[2] if len(args) > 2 else kwargs.get("X"), dtype=np.float32)
        rows = [row.get(np.ascontiguousarray(x).tobytes(), -1) for x in np.atleast_2d(X)]
        if -1 in rows:
            raise CheckFailed(
                f"{what} trained on images that are not data.train's (the validation images?): "
                "train on data.train only; data.val measures each epoch, and a network trained "
                "on it measures itself."
            )
        orders.append(rows)
        rates.append(float(args[4] if len(args) > 4 else kwargs.get("lr", np.nan)))
    kept = {id(a[1] if len(a) > 1 else kw.get("states")) for a, kw in steps[1:]}
    if len(kept) > 1:
        raise CheckFailed(
            f"{what} gave train_step {len(kept)} different `states` dicts: Adam's state goes on "
            "for the whole run. Create states = {} once, before the first epoch."
        )
    if len(steps) != epochs * per_epoch:
        raise CheckFailed(
            f"{what} made {len(steps)} train_step calls for {epochs} epochs of {len(train)} "
            f"images in batches of {batch}: expected {epochs * per_epoch}, one per batch, the "
            "last batch of an epoch smaller."
        )
    epoch_rows = [sum(orders[e * per_epoch : (e + 1) * per_epoch], []) for e in range(epochs)]
    for e, seen in enumerate(epoch_rows, start=1):
        if sorted(seen) != list(range(len(train))):
            raise CheckFailed(
                f"{what}: epoch {e} did not train on every training image exactly once "
                f"({len(set(seen))} of {len(train)}): split a permutation into batches, the "
                "last one smaller."
            )
    if epochs > 1 and epoch_rows[0] == epoch_rows[1]:
        raise CheckFailed(
            f"{what}: epochs 1 and 2 visited the images in the same order: draw a new "
            "permutation from rng at the start of every epoch."
        )
    epoch_rates = [rates[e * per_epoch : (e + 1) * per_epoch] for e in range(epochs)]
    return epoch_rows, epoch_rates


def schedule(names: dict):
    """The notebook's ``lr_at(epoch)`` (epochs from 1), or the statement's if it has none."""
    if callable(names.get("lr_at")):
        return names["lr_at"]
    peak, drop = float(names.get("LR", 2e-3)), int(names.get("DROP", 3))
    return step_schedule([peak, peak / 10], [drop])


def shown(values) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in np.ravel(values)) + "]"


def same_start(a: Any, b: Any) -> bool:
    return (
        isinstance(a, dict)
        and isinstance(b, dict)
        and all(np.array_equal(a[k], b.get(k)) for k in a)
    )


def check_rates(rates: list, longer: list, lr_at: Callable, what: str) -> None:
    """Every step of epoch e at the rate lr_at(e); the same rates whatever the number of epochs."""
    for e, (mine, more) in enumerate(zip(rates, longer), start=1):
        if not np.allclose(mine, more, rtol=1e-9, atol=0):
            raise CheckFailed(
                f"{what}: the steps of epoch {e} had the rates {shown(mine)} in a run of "
                f"{len(rates)} epochs and {shown(more)} in a run of {len(longer)}: the "
                "schedule depends on the number of epochs (a cosine over the run's steps, a "
                "decay to 0 at the last epoch?). Then the epoch chosen on the validation run "
                "does not mean the same network in the retraining. Train epoch e at lr_at(e), "
                "whatever the number of epochs."
            )
    flat = [r for epoch in rates for r in epoch]
    by_step = any(
        np.allclose(flat, [float(lr_at(k + first)) for k in range(len(flat))], rtol=1e-9)
        for first in (0, 1)
    )
    for e, mine in enumerate(rates, start=1):
        want = float(lr_at(e))
        if np.allclose(mine, want, rtol=1e-9, atol=0):
            continue
        if by_step:
            why = "those are lr_at of the step count: lr_at takes the epoch (from 1), not the step"
        elif len(set(mine)) > 1:
            why = f"the rate changed within epoch {e}: every step of an epoch has the same rate"
        elif e > 1 and np.isclose(mine[0], float(lr_at(e - 1)), rtol=1e-9):
            why = f"that is lr_at({e - 1}): lr_at counts the epochs from 1"
        else:
            why = "every step of epoch e trains at lr_at(e)"
        raise CheckFailed(
            f"{what}: the steps of epoch {e} had the rates {shown(mine)}, but lr_at({e}) = "
            f"{want:.4g}: {why}."
        )


def quick_hint(settings: Any) -> str:
    if settings.graded and not settings.quick and is_quick():
        return (
            " This notebook ran in quick mode (NNSCRATCH_QUICK is set in its kernel), so it "
            "trained on a slice of MNIST; this is a full grade: remove that setting."
        )
    return ""


def judge_curve(out: tuple, val: Any, epochs: int, what: str) -> None:
    """``choose_epochs``'s output ``(best_epochs, val_curve, params)``: one (loss, accuracy) per
    epoch measured on ``val``, the last one that of the network returned, and best_epochs the
    epoch of the lowest loss."""
    best, curve, params = out
    n_val = len(val)
    curve = array(curve, f"{what}: val_curve").astype(float)
    shape(curve, (epochs, 2), f"{what}: val_curve", "One (loss, accuracy) pair per epoch.")
    losses, accs = curve[:, 0], curve[:, 1]

    def fractions(values: np.ndarray) -> bool:
        return bool(np.all(np.abs(values * n_val - np.round(values * n_val)) < 1e-6))

    if not fractions(accs) or np.any(accs > 1):
        swapped = " The pairs are (accuracy, loss): evaluate returns (loss, accuracy)."
        raise CheckFailed(
            f"{what}: the accuracies {shown(accs)} are not fractions of the {n_val} "
            "validation images: measure each epoch on data.val, evaluate(params, data.val)."
            + (swapped if fractions(losses) and np.all(losses <= 1) else "")
        )
    params = trained(params, "the returned params")
    loss, acc = ref_evaluate(params, val)
    if abs(acc - accs[-1]) > 1.5 / n_val or abs(loss - losses[-1]) > 1e-3 * max(loss, 1e-3):
        raise CheckFailed(
            f"{what}: the last (loss, accuracy) of val_curve, ({losses[-1]:.4f}, {accs[-1]:.4f}), "
            f"is not that of the network it returned on data.val ({loss:.4f}, {acc:.4f}): "
            "return the network after the last epoch (not the best epoch's), and measure after "
            "every epoch, the last one included, with evaluate(params, data.val)."
        )
    judge_best(best, losses, accs, what)


def judge_best(best: Any, losses: np.ndarray, accs: np.ndarray, what: str) -> None:
    """best_epochs is the epoch (from 1) of the lowest validation loss, the first if tied."""
    lowest = int(np.argmin(losses)) + 1
    number = isinstance(best, (int, np.integer, float, np.floating))
    if isinstance(best, (int, np.integer)) and not isinstance(best, bool) and best == lowest:
        return
    tied = [int(e) for e in np.flatnonzero(losses == losses.min()) + 1]
    hint = (
        " Return it as an int: the retraining trains that many epochs."
        if isinstance(best, (float, np.floating)) and best == lowest
        else ""
        if not number
        else " That is the epoch of the highest validation accuracy; this exercise stops at the "
        "lowest validation loss."
        if best == int(np.argmax(accs)) + 1
        else " That is a later one of the tied epochs: the first is the fewest epochs that reach "
        "the lowest loss."
        if best in tied[1:]
        else " That counts the epochs from 0."
        if best == lowest - 1
        else ""
    )
    raise CheckFailed(
        f"{what} returned best_epochs={best!r} for the validation losses {shown(losses)}: the "
        f"epoch (from 1) with the lowest validation loss, the first if tied.{hint}"
    )
