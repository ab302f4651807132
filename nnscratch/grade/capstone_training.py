"""The capstone's training, replayed: what its ``train`` did, read from the ``train_step``
calls that ``choose_epochs`` made (:func:`~.fixtures.calls_of`), and judged against the
statement: every training image once per epoch in a new order drawn from the seed, batches of
``BATCH_SIZE`` (the last smaller), every step of epoch ``e`` at the rate ``lr_at(e)`` whatever
the number of epochs, and the validation curve that chooses the number of epochs.

Two sides (issue 23): the probe (:func:`probe_choose_epochs`, in the learner's kernel) runs
``choose_epochs`` on the grader's toy data and records each step (the rows of ``data.train`` it
trained on, its rate, its ``states``); the judge (:func:`.capstone_judges.judge_choose_epochs`, in
the grader) replays and decides. The probes' helpers that turn what the learner returned into plain
data (:func:`plain_value`, :func:`plain_leaf`, :func:`plain_params`, :func:`fingerprint`) are here
too: this module is the capstone's kernel side.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from nnscratch.data import MNIST, Split
from nnscratch.grade.contracts import unchanged
from nnscratch.grade.fixtures import Forbidden, calls_of, toy_images
from nnscratch.grade.harness import CheckFailed, array, call
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


def split_of(data: dict) -> Split:
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
# Probe side: what the learner returned, as plain data (no verdict)
# --------------------------------------------------------------------------------------------


def _is_plain_leaf(value: Any) -> bool:
    if value is None or isinstance(value, (bool, numbers.Real, np.bool_)):
        return True
    if isinstance(value, str):
        return len(value) <= 200
    return isinstance(value, np.ndarray) and (
        np.issubdtype(value.dtype, np.number) or value.dtype == bool
    )


def plain_value(value: Any) -> Any:
    """A number, string or small structure the learner returned, as it is when it is plain data;
    else its repr (for the judge's message)."""
    from nnscratch.grade import plain

    try:
        plain.encode(value)
    except (plain.NotPlain, TypeError, ValueError):
        return repr(value)[:80]
    return value


def plain_leaf(value: Any, what: str) -> Any:
    """A value where an array belongs: numbers and numeric arrays as they are (None and short
    strings too, for the judge's message), anything else through :func:`~.harness.array`
    (CheckFailed naming ``what``)."""
    if _is_plain_leaf(value) and not np.iscomplexobj(value):
        return value
    return array(value, what)


def plain_params(value: Any, what: str) -> dict | None:
    """A network's params (or gradients) as plain data: a dict of :func:`plain_leaf` (copies),
    or None if it is no dict (the judge names the mistake)."""
    if not isinstance(value, dict):
        return None
    out = {}
    for k, v in value.items():
        leaf = plain_leaf(v, f"{what}['{k}']")
        out[str(k)] = np.array(leaf) if isinstance(leaf, np.ndarray) else leaf
    return out


def fingerprint(params: Any, sample: np.ndarray) -> dict | None:
    """A small stand-in for a dict of arrays, for comparing networks without sending them: per
    key, the shape and the values at the (grader-drawn) flat indices ``sample``."""
    if not isinstance(params, dict):
        return None
    out = {}
    for k, v in params.items():
        try:
            a = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        flat = a.reshape(-1)
        picked = flat[np.asarray(sample) % flat.size] if flat.size else flat
        out[str(k)] = np.concatenate([np.asarray(a.shape, dtype=np.float64), picked])
    return out


# --------------------------------------------------------------------------------------------
# The probe (in the learner's kernel)
# --------------------------------------------------------------------------------------------


def probe_choose_epochs(choose_epochs: Callable, inputs: dict, yours: Callable) -> dict:
    """Run ``choose_epochs`` on the grader's toy data, three times (epochs up to the first change
    of rate, one more, then two with another seed), with ``SIZES`` set to the inputs' small
    network while they run, and once with a scripted ``train``; record what each did."""
    names = getattr(choose_epochs, "__globals__", {})
    train, val = split_of(inputs["train"]), split_of(inputs["val"])
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


def schedule(names: dict):
    """The notebook's ``lr_at(epoch)`` (epochs from 1), or the statement's if it has none."""
    if callable(names.get("lr_at")):
        return names["lr_at"]
    peak, drop = float(names.get("LR", 2e-3)), int(names.get("DROP", 3))
    return step_schedule([peak, peak / 10], [drop])


def shown(values) -> str:
    return "[" + ", ".join(f"{v:.4g}" for v in np.ravel(values)) + "]"
