"""The capstone's training, replayed: what its ``train`` did, read from the ``train_step``
calls that ``choose_epochs`` made (:func:`~.fixtures.calls_of`), and judged against the
statement: every training image once per epoch in a new order drawn from the seed, batches of
``BATCH_SIZE`` (the last smaller), every step of epoch ``e`` at the rate ``lr_at(e)`` whatever
the number of epochs, and the validation curve that chooses the number of epochs.

Two sides (issue 23): the probe (:func:`probe_choose_epochs`, in the learner's kernel) runs
``choose_epochs`` on the grader's toy data and records each step (the rows of ``data.train`` it
trained on, its rate, its ``states``); the judge (:func:`judge_choose_epochs`, in the grader)
replays and decides.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from nnscratch.data import MNIST, Split
from nnscratch.grade.capstone_reference import (
    fingerprint,
    plain_leaf,
    plain_params,
    plain_value,
    ref_evaluate,
    trained,
)
from nnscratch.grade.fixtures import Forbidden, calls_of, toy_images
from nnscratch.grade.harness import CheckFailed, array, call, shape, unchanged
from nnscratch.optim import step_schedule

#: The toy problem of the check: training and validation images (random pixels, random labels).
TOY_TRAIN, TOY_VAL = 320, 97
#: The check's ``choose_epochs`` runs: (epochs beyond the first change of rate, seed). The seed of
#: the third run is the grader's (``None`` here).
RUNS = ((0, 0), (1, 0), (None, None))


def choose_inputs(rng: np.random.Generator) -> dict:
    """The toy splits, a small network's ``SIZES`` for the runs, the seed of the other run, the
    scripted curve of :func:`probe_choice` and the indices of :func:`.fingerprint`."""
    x, y, labels = toy_images(rng, TOY_TRAIN)
    vx, vy, vlabels = toy_images(rng, TOY_VAL)
    return {
        "train": {"x": x, "y": y, "labels": labels},
        "val": {"x": vx, "y": vy, "labels": vlabels},
        "sizes": [784, int(rng.integers(16, 33)), int(rng.integers(16, 33)), 10],
        "seed": int(rng.integers(1, 1000)),
        "script": scripted_curve(rng),
        "sample": rng.integers(0, 2**31, 32),
    }


def scripted_curve(rng: np.random.Generator, epochs: int = 5) -> list[list[float]]:
    """A validation curve of the check's own, (loss, accuracy) per epoch: the lowest loss after
    epoch 2, tied after epoch 4, and the highest accuracy after epoch 3 (its values drawn)."""
    scale, offset = float(rng.uniform(0.5, 2.0)), float(rng.uniform(0.0, 1.0))
    losses = [offset + scale * v for v in [0.5, 0.3, 0.4, 0.3, 0.35] + [0.45] * (epochs - 5)]
    lift = float(rng.uniform(-0.3, 0.25))
    accs = [lift + v for v in [0.5, 0.6, 0.7, 0.65, 0.6] + [0.55] * (epochs - 5)]
    return [[loss, acc] for loss, acc in zip(losses[:epochs], accs[:epochs])]


def _split(data: dict) -> Split:
    return Split(np.asarray(data["x"]), np.asarray(data["y"]), np.asarray(data["labels"]))


@contextlib.contextmanager
def _global(names: dict, name: str, value: Any) -> Iterator[None]:
    """The notebook's global ``name`` set to ``value`` while the block runs (if it has one)."""
    if name not in names:
        yield
        return
    original = names[name]
    names[name] = value
    try:
        yield
    finally:
        names[name] = original


def _rate(lr_at: Callable, epoch: int) -> float:
    value = call(lr_at, f"lr_at({epoch})", epoch)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CheckFailed(f"lr_at({epoch}) returned {value!r:.40}, not a learning rate.") from None


# --------------------------------------------------------------------------------------------
# The probe (in the learner's kernel)
# --------------------------------------------------------------------------------------------


def probe_choose_epochs(choose_epochs: Callable, inputs: dict, yours: Callable) -> dict:
    """Run ``choose_epochs`` on the grader's toy data, three times (epochs up to the first change
    of rate, one more, then two with another seed), with ``SIZES`` set to the inputs' small
    network while they run, and once with a scripted ``train``; record what each did."""
    names = getattr(choose_epochs, "__globals__", {})
    train, val = _split(inputs["train"]), _split(inputs["val"])
    test = Forbidden(
        "choose_epochs read data.test.{name}: the test set is for the one measurement at the end. "
        "Choose the number of epochs (and any setting) on data.val only."
    )
    lr_at = schedule(names)
    # Long enough to pass the first change of rate (chapter 5's step), if it comes by epoch 20.
    epochs = next((e for e in range(2, 21) if _rate(lr_at, e) != _rate(lr_at, 1)), 2)
    runs = []
    with _global(names, "SIZES", tuple(int(n) for n in inputs["sizes"])):
        for more, seed in RUNS:
            n = 2 if more is None else epochs + more
            seed = int(inputs["seed"]) if seed is None else seed
            what = f"choose_epochs(data, epochs={n}, seed={seed}) on toy data"
            data = MNIST(train, val, test)
            run = run_choose_epochs(
                choose_epochs, data, n, seed, what, yours, inputs["sample"], bool(runs)
            )
            runs.append(run)
    choice = probe_choice(choose_epochs, MNIST(train, val, test), inputs["script"], yours)
    steps = min(max(len(run["steps"]["lr"]) for run in runs) + 2, 10_000)
    return {
        "epochs": epochs,
        "batch": plain_value(names.get("BATCH_SIZE", 128)),
        "runs": runs,
        "choice": choice,
        "rates": np.array([_rate(lr_at, e) for e in range(steps)]),
    }


def run_choose_epochs(
    choose_epochs: Callable,
    data: MNIST,
    epochs: int,
    seed: int,
    what: str,
    yours: Callable,
    sample: np.ndarray,
    runs_before: bool = False,
) -> dict:
    """``choose_epochs(data, epochs=epochs, seed=seed)`` inside ``yours(what)`` (what it may not
    call), its inputs unchanged and its train_step calls recorded: its output as plain data (None
    if it is not a triple; only its shape after ``runs_before``), its steps
    (:func:`record_steps`) and a fingerprint of the params of its first step."""
    train, val = data.train, data.val
    with (
        yours(what),
        unchanged(what, train=[train.x, train.y], val=[val.x, val.y]),
        calls_of(choose_epochs, "train_step") as steps,
    ):
        out = call(choose_epochs, what, data, epochs=epochs, seed=seed)
    if isinstance(out, (tuple, list)) and len(out) == 3 and runs_before:
        out = [None, None, None]  # only the first run's curve and network are judged
    elif isinstance(out, (tuple, list)) and len(out) == 3:
        best, curve, params = out
        out = [
            plain_value(best),
            plain_leaf(curve, f"{what}: val_curve"),
            plain_params(params, "the returned params"),
        ]
    else:
        out = None
    start = None
    if steps:
        args, kwargs = steps[0]
        start = fingerprint(args[0] if args else kwargs.get("params"), sample)
    return {"out": out, "steps": record_steps(steps, train), "start": start}


def record_steps(steps: list, train: Any) -> dict:
    """Per ``train_step`` call (``fixtures.calls_of``): the rows of ``train`` its batch holds (-1
    for an image that is not one of them), its rate, whether its ``states`` was an empty dict,
    and which ``states`` object it was (0 for the first seen, 1 for the next, ...)."""
    row = {x.tobytes(): i for i, x in enumerate(np.asarray(train.x, dtype=np.float32))}
    rows, rates, empty, groups, seen = [], [], [], [], {}
    for args, kwargs in steps:
        states = args[1] if len(args) > 1 else kwargs.get("states")
        empty.append(isinstance(states, dict) and not states)
        groups.append(seen.setdefault(id(states), len(seen)))
        try:
            X = np.atleast_2d(
                np.asarray(args[2] if len(args) > 2 else kwargs.get("X"), dtype=np.float32)
            )
            found = [row.get(np.ascontiguousarray(x).tobytes(), -1) for x in X]
        except (TypeError, ValueError):
            found = [-1]
        rows.append(np.array(found, dtype=np.int64))
        try:
            rates.append(float(args[4] if len(args) > 4 else kwargs.get("lr", np.nan)))
        except (TypeError, ValueError):
            rates.append(float("nan"))
    return {"rows": rows, "lr": rates, "empty": empty, "group": groups}


def probe_choice(choose_epochs: Callable, data: MNIST, script: list, yours: Callable) -> dict:
    """``choose_epochs`` on a curve of the check's own: while it runs, the notebook's ``train`` (a
    global of ``choose_epochs``) returns ``script`` without training. Returns the numbers of
    epochs it was called with and the best_epochs returned (None if no triple came back)."""
    namespace, calls = getattr(choose_epochs, "__globals__", {}), []
    what = f"choose_epochs(data, epochs=5, seed=0), with train returning the curve {shown(script)},"
    curve = [(float(loss), float(acc)) for loss, acc in script]

    def train(split: Any, epochs: int, seed: int, val: Any = None, **kwargs: Any) -> tuple:
        calls.append(plain_value(epochs))
        return {"W1": np.zeros((10, 784), np.float32)}, list(curve)

    original = namespace.get("train")
    namespace["train"] = train
    try:
        with yours(what):
            out = call(choose_epochs, what, data, epochs=5, seed=0)
    finally:
        if original is None:
            namespace.pop("train", None)
        else:
            namespace["train"] = original
    triple = isinstance(out, (tuple, list)) and len(out) == 3
    best = plain_value(out[0]) if triple else None
    return {"calls": calls[:20], "n_calls": len(calls), "best": best, "triple": triple}


# --------------------------------------------------------------------------------------------
# The judge (in the grader)
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

    val = _split(inputs["val"])
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
