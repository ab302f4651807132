"""The judge's replay of an epoch of mini-batch steps (exercise 4's ``train_epoch`` check).

The check's probe runs the learner's epoch on a :class:`~.fixtures.Recorder` of the toy network
``SIZES``, which keeps every batch run forward with the weights at that moment. Here, on the
grader's side, those records become batches of row indices of the training images
(:func:`batches`), and each step between two batches is replayed with the course network from the
recorded weights (:func:`step_problem`), which names the mistake a wrong step shows. Nothing here
runs in the learner's kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnscratch.data import Split
from nnscratch.gradcheck import rel_error
from nnscratch.grade.fixtures import gradient_ratio, network, weight_keys
from nnscratch.grade.harness import CheckFailed, array, keyed, shape

#: The toy network of the check: 6 inputs, two hidden layers, 3 outputs.
SIZES = (6, 5, 4, 3)

#: The most forward passes one epoch may run per image (a batch run forward for its loss and for
#: its gradient is two); the judge reads no more.
CALLS_PER_IMAGE = 4


def weights(value: Any, what: str) -> dict[str, np.ndarray]:
    """Weights the probe returned, as float64 arrays of SIZES' shapes; CheckFailed otherwise."""
    keys = weight_keys(SIZES)
    if isinstance(value, dict) and set(value) != set(keys):
        raise CheckFailed(f"{what} has keys {sorted(value)}; expected {keys}.")
    value = keyed(value, what, keys)
    out = {}
    for l, key in enumerate(keys, start=1):
        W = array(value[key], f"{what}[{key!r}]")
        shape(W, (SIZES[l], SIZES[l - 1]), f"{what}[{key!r}]")
        out[key] = W.astype(np.float64)
    return out


def rows_of(X: np.ndarray, index: dict[bytes, int], n_in: int) -> list[int] | None:
    """The row numbers of ``X``'s rows in the training images (``index``: a row's bytes -> its
    number), or None if one of them is not a training image."""
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    if X.ndim != 2 or X.shape[1] != n_in or len(X) > len(index):
        return None
    rows = [index.get(row.tobytes()) for row in X]
    return None if any(r is None for r in rows) else rows


def batches(inputs: dict, epoch: Any, what: str) -> tuple[list, dict]:
    """The batches of an epoch's recorded forward passes, as (rows, weights before), and its final
    weights; CheckFailed for forward passes on anything but rows of train.x, or a first batch run
    with weights other than the grader's. ``inputs``: the check's (``x``, ``labels``, ``params``);
    ``epoch``: the probe's record (``calls``, ``params``), untrusted."""
    final = weights(epoch["params"], f"after {what}, net.params")
    calls = epoch["calls"]
    n = len(inputs["labels"])
    if not isinstance(calls, list) or len(calls) > CALLS_PER_IMAGE * n:
        raise CheckFailed(
            f"{what} ran net.forward more than {CALLS_PER_IMAGE * n} times: run each batch "
            "train.x[rows] through the network once for its gradient."
        )
    keys = weight_keys(SIZES)
    index = {row.tobytes(): i for i, row in enumerate(np.asarray(inputs["x"], dtype=np.float64))}
    found: list[tuple[list[int], dict]] = []
    for X, params in calls:
        rows = rows_of(array(X, "a batch run forward"), index, SIZES[0])
        if rows is None:
            raise CheckFailed(
                f"{what} ran net.forward on inputs that are not rows of train.x: run each batch "
                "train.x[rows] through the network."
            )
        params = weights(params, "net.params")
        same = found and found[-1][0] == rows
        if same and all(np.array_equal(found[-1][1][k], params[k]) for k in keys):
            continue  # the same batch run forward twice, no step between: count it once
        found.append((rows, params))
    start = weights(inputs["params"], "the initial weights")
    if found and not all(np.array_equal(found[0][1][k], start[k]) for k in keys):
        raise CheckFailed(
            f"{what} ran its first batch forward with weights other than the network's: change "
            "net.params only by the steps, each after its batch's forward pass."
        )
    return found, final


#: How far a step may be from -lr * (the batch's mean gradient), in units of the largest weight
#: (at least 1): the rounding of weights stored in float32 (about 6e-8 of them) passes, every
#: mistake the messages name (a step off by 20% or more, of size about 1e-3) does not.
STEP_TOL = 1e-6


def step_problem(final: dict, batches: list, k: int, split: Split, lr: float, size: int):
    """What is wrong with the step after batch ``k``, or None (judge side)."""
    rows, before = batches[k]
    after = batches[k + 1][1] if k + 1 < len(batches) else final
    ref = network(SIZES, seed=0)
    ref.params = {key: v.copy() for key, v in before.items()}
    grads = ref.backward(*ref.forward(split.x[rows]), split.y[rows])
    m = len(rows)
    for key in weight_keys(SIZES):
        step = after[key] - before[key]
        want = -lr * grads[key]
        if np.max(np.abs(step - want)) <= STEP_TOL * max(1.0, float(np.max(np.abs(before[key])))):
            continue
        c = gradient_ratio(step, want)
        where = f"batch {k + 1} of {len(batches)} ({m} images)"
        moved = [other for other in weight_keys(SIZES) if np.any(after[other] != before[other])]
        if np.all(step == 0) and moved:
            why = f"did not update {key}: a step updates every weight matrix in net.params"
        elif np.all(step == 0):
            why = (
                "did not change the weights before the next batch ran forward: make the step of "
                "each batch before computing the gradient of the next"
            )
        elif c is not None and abs(c - m) < 1e-6 * m:
            why = (
                f"moved {key} by {m} (its number of images) times -lr * (the batch's mean "
                "gradient): the gradients were summed instead of averaged, or lr was multiplied "
                "by the batch size. Use the mean gradient of the batch, with lr as it is given"
            )
        elif c is not None and m != size and abs(c - m / size) < 1e-6:
            why = (
                f"moved {key} by {m}/{size} times -lr * (its mean gradient): its gradient was "
                f"weighted by the batch size {size}, but this batch holds {m} images. A batch's "
                "step uses the mean over its own images"
            )
        elif c is not None and abs(c + 1) < 1e-6:
            why = f"moved {key} up the gradient: subtract lr times the gradient"
        elif c is not None:
            why = f"moved {key} by {c:.4g} times -lr * (the batch's mean gradient)"
        else:
            why = (
                f"moved {key} by something other than -lr * (the mean gradient of that batch, at "
                f"the weights before its step) (relative error {rel_error(step, want):.2e})"
            )
        return f"{where} {why}."
    return None
