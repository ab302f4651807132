"""The capstone's judges of training, in the grader (issue 23): the replay of the steps that
``choose_epochs`` made (recorded by :func:`.capstone_training.probe_choose_epochs`) against the
statement, and the trained networks (the validation run, the ensemble) measured by the grader's
forward pass on its own validation and test splits, from the weights the probes returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.grade.capstone_reference import (
    distinct,
    ensemble_size,
    error_rate,
    grade_test_split,
    misreported,
    networks,
    ref_evaluate,
    ref_probs,
    trained,
)
from nnscratch.grade.capstone_training import TOY_TRAIN, shown, split_of
from nnscratch.grade.fixtures import validation
from nnscratch.grade.harness import CheckFailed, array, shape
from nnscratch.grade.settings import current

# --------------------------------------------------------------------------------------------
# choose_epochs
# --------------------------------------------------------------------------------------------


def _bounded(value: Any, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise CheckFailed(f"{what} is {value!r:.40}: expected a whole number from {low} to {high}.")
    return value


def judge_choose_epochs(inputs: dict, outputs: dict) -> None:
    """Decide on :func:`probe_choose_epochs`'s record, with the same messages as the check of one
    piece: the curve and the choice, the seed, the rates, the scripted choice."""
    epochs = _bounded(outputs["epochs"], 2, 20, "the number of epochs the check chose")
    batch = _bounded(outputs["batch"], 1, 10**6, "BATCH_SIZE")
    table = np.asarray(outputs["rates"], dtype=np.float64).reshape(-1)

    def lr_at(epoch: int) -> float:
        return float(table[epoch]) if 0 <= epoch < len(table) else float("nan")

    val = split_of(inputs["val"])
    first, longer, other = outputs["runs"]
    what = f"choose_epochs(data, epochs={epochs}, seed=0) on toy data"
    orders, rates = replay_epochs(first["steps"], TOY_TRAIN, epochs, batch, what)
    judge_curve(_triple(first["out"], what), val, epochs, what)
    start = first["start"]
    # The same seed for one epoch more: the same start, the same first epochs.
    what = f"choose_epochs(data, epochs={epochs + 1}, seed=0) on toy data"
    longer_orders, longer_rates = replay_epochs(longer["steps"], TOY_TRAIN, epochs + 1, batch, what)
    _triple(longer["out"], what)
    if not same_start(start, longer["start"]) or longer_orders[:epochs] != orders:
        differs = (
            "another order of the images"
            if same_start(start, longer["start"])
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
    what = f"choose_epochs(data, epochs=2, seed={inputs['seed']}) on toy data"
    other_orders, _ = replay_epochs(other["steps"], TOY_TRAIN, 2, batch, what)
    _triple(other["out"], what)
    kept = [
        thing
        for thing, same in (
            ("the same initial weights", same_start(start, other["start"])),
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
    judge_choice(outputs["choice"], inputs["script"])


def _triple(out: Any, what: str) -> list:
    if not isinstance(out, list) or len(out) != 3:
        raise CheckFailed(f"{what} should return (best_epochs, val_curve, params).")
    return out


def judge_choice(choice: dict, script: list) -> None:
    """``choose_epochs``'s choice on the scripted curve (:func:`probe_choice`)."""
    what = f"choose_epochs(data, epochs=5, seed=0), with train returning the curve {shown(script)},"
    if choice["calls"] != [5] or choice["n_calls"] != 1:
        raise CheckFailed(
            f"{what} called train {choice['n_calls']} times: choose_epochs trains one network, "
            "train(data.train, epochs, seed, val=data.val), and reads its curve."
        )
    if choice["triple"] is not True:
        raise CheckFailed(f"{what} should return (best_epochs, val_curve, params).")
    losses, accs = (np.array(v, dtype=np.float64) for v in zip(*script))
    judge_best(choice["best"], losses, accs, what)


def replay_epochs(
    steps: dict, n_train: int, epochs: int, batch: int, what: str
) -> tuple[list[list[int]], list[list[float]]]:
    """The capstone's ``train``, replayed from its ``train_step`` calls (:func:`record_steps`): on
    the ``n_train`` training images only, every image once per epoch in a new order, batches of
    ``batch`` (the last smaller). Returns, per epoch, the rows it visited in order and the
    learning rates of its steps."""
    rows, rates, empty, groups = steps["rows"], steps["lr"], steps["empty"], steps["group"]
    if not (len(rows) == len(rates) == len(empty) == len(groups)):
        raise ValueError("a record of the steps with lists of different lengths")
    if not rows:
        raise CheckFailed(f"{what} never called train_step: train makes one train_step per batch.")
    per_epoch = -(-n_train // batch)
    orders = []
    for k in range(min(len(rows), 2 * epochs * per_epoch + 1)):
        if k and empty[k] is True:
            raise CheckFailed(
                f"{what} gave train_step an empty `states` again at step {k + 1} (epoch "
                f"{k // per_epoch + 1}): Adam's state (m, v and its step count) goes on from one "
                "step to the next for the whole run. Create states = {} once, before the first "
                "epoch."
            )
        visited = array(rows[k], "the rows of a batch").astype(np.int64).reshape(-1)
        if np.any(visited < 0):
            raise CheckFailed(
                f"{what} trained on images that are not data.train's (the validation images?): "
                "train on data.train only; data.val measures each epoch, and a network trained "
                "on it measures itself."
            )
        orders.append([int(i) for i in visited])
    kept = set(groups[1:])
    if len(kept) > 1:
        raise CheckFailed(
            f"{what} gave train_step {len(kept)} different `states` dicts: Adam's state goes on "
            "for the whole run. Create states = {} once, before the first epoch."
        )
    if len(rows) != epochs * per_epoch:
        raise CheckFailed(
            f"{what} made {len(rows)} train_step calls for {epochs} epochs of {n_train} "
            f"images in batches of {batch}: expected {epochs * per_epoch}, one per batch, the "
            "last batch of an epoch smaller."
        )
    rates = [float(r) for r in rates]
    epoch_rows = [sum(orders[e * per_epoch : (e + 1) * per_epoch], []) for e in range(epochs)]
    for e, seen in enumerate(epoch_rows, start=1):
        if sorted(seen) != list(range(n_train)):
            raise CheckFailed(
                f"{what}: epoch {e} did not train on every training image exactly once "
                f"({len(set(seen))} of {n_train}): split a permutation into batches, the "
                "last one smaller."
            )
    if epochs > 1 and epoch_rows[0] == epoch_rows[1]:
        raise CheckFailed(
            f"{what}: epochs 1 and 2 visited the images in the same order: draw a new "
            "permutation from rng at the start of every epoch."
        )
    epoch_rates = [rates[e * per_epoch : (e + 1) * per_epoch] for e in range(epochs)]
    return epoch_rows, epoch_rates


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


def quick_hint(settings: Any, kernel_quick: Any) -> str:
    """Why a network trained in a full grade scores low when the notebook's kernel ran in quick
    mode (``kernel_quick``, as its probe reported it), else ''."""
    if settings.graded and not settings.quick and kernel_quick is True:
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
    hints = []  # every mistake that gives this answer: with random data, two may coincide
    if isinstance(best, (float, np.floating)) and best == lowest:
        hints.append("Return it as an int: the retraining trains that many epochs.")
    elif number:
        if best == lowest - 1:
            hints.append("That counts the epochs from 0.")
        if best == int(np.argmax(accs)) + 1:
            hints.append(
                "That is the epoch of the highest validation accuracy; this exercise stops at "
                "the lowest validation loss."
            )
        if best in tied[1:]:
            hints.append(
                "That is a later one of the tied epochs: the first is the fewest epochs that "
                "reach the lowest loss."
            )
    if len(hints) > 1:
        hints = ["More than one mistake gives this answer. " + hints[0], *hints[1:]]
    hint = "".join(" " + h for h in hints)
    raise CheckFailed(
        f"{what} returned best_epochs={best!r} for the validation losses {shown(losses)}: the "
        f"epoch (from 1) with the lowest validation loss, the first if tied.{hint}"
    )


# --------------------------------------------------------------------------------------------
# The trained networks
# --------------------------------------------------------------------------------------------


def low_accuracy(what: str, acc: float, n: int, settings: Any, kernel_quick: Any) -> str:
    """The message for a trained network below the grade's minimum validation accuracy."""
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


def judge_training(inputs: dict, outputs: dict) -> str:
    """The validation run: val_params's accuracy (the grader's forward pass on its validation
    split), val_curve ending at it, best_epochs its lowest loss; nets: two or more, different
    (their fingerprints; the test-error check receives and measures them whole)."""
    settings, val = current(), validation()
    minimum = settings.min_accuracy("capstone")
    nets = outputs["nets"]
    ensemble_size(nets)
    distinct([p.get("W1") if isinstance(p, dict) else None for p in nets])
    loss, acc = ref_evaluate(trained(outputs["val_params"], "val_params"), val)
    if not acc >= minimum:
        raise CheckFailed(low_accuracy("val_params", acc, len(val), settings, outputs["quick"]))
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


def judge_test_error(inputs: dict, outputs: dict) -> str:
    """The ensemble, from the weights the probe returned: each network's validation accuracy,
    the ensemble's test error on the grader's test split, and the errors the notebook reported
    against the grader's (:func:`.capstone_reference.misreported`)."""
    settings, val, test = current(), validation(), grade_test_split()
    nets = networks(outputs["nets"])
    for i, params in enumerate(nets):
        _, acc = ref_evaluate(params, val)
        if not acc >= settings.min_accuracy("capstone"):
            raise CheckFailed(low_accuracy(f"nets[{i}]", acc, len(val), settings, outputs["quick"]))
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
