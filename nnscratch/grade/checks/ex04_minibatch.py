"""Checks of exercise 4, mini-batch training (``exercises/04_minibatch.ipynb``).

Shuffled batches, one epoch of steps, and the training. The learner's functions may run
``net.forward`` and ``net.backward`` (chapter 4's batch gradient, which exercise 3 wrote for any
number of layers); while they run, the course's own training and update steps (``Network.step``,
``.train``, ``nnscratch.fast``'s steps, ``nnscratch.optim.sgd``) raise: the batches, the last and
smaller batch, the loop and the update are the learner's.

Notation of the messages, as in the statement: a batch is a matrix with one row per image,
``dL/dW_l`` the gradient of the batch's mean loss.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.data import Split
from nnscratch.gradcheck import rel_error
from nnscratch.grade.fixtures import (
    Recorder,
    at_least,
    fast_steps,
    gradient_ratio,
    network,
    network_methods,
    toy_split,
    trained_accuracy,
    weight_keys,
)
from nnscratch.grade.harness import (
    CheckFailed,
    array,
    call,
    check,
    forbidden,
    unchanged,
)

SIZES = (6, 5, 4, 3)


def _yours(what: str):
    return forbidden(
        what,
        network_methods("step", "train") + fast_steps(),
        "write the loop and the update yourself, from net.forward and net.backward (that is the "
        "point of the exercise).",
    )


@check
def check_minibatches(minibatches: Callable) -> None:
    """``minibatches(n, batch_size, rng)`` yields shuffled index batches covering 0..n-1 once."""
    default = (
        inspect.signature(minibatches).parameters.get("batch_size")
        if callable(minibatches)
        else None
    )
    if default is None or default.default is inspect.Parameter.empty:
        raise CheckFailed(
            "minibatches should keep its parameter batch_size with the statement's default, 32."
        )
    if default.default != 32:
        raise CheckFailed(
            f"the default batch_size of minibatches is {default.default!r}: keep the statement's "
            "default, 32, the batch size this exercise trains with."
        )
    for n, size in ((100, 32), (64, 16), (5, 32)):
        what = f"minibatches({n}, batch_size={size}, rng=np.random.default_rng(0))"
        batches = call(
            lambda: list(minibatches(n, batch_size=size, rng=np.random.default_rng(0))), what
        )
        arrays = [array(b, f"a batch from {what}") for b in batches]
        if any(a.ndim != 1 or not np.issubdtype(a.dtype, np.integer) for a in arrays):
            raise CheckFailed(
                f"{what} should yield 1-D arrays of integer row indices, e.g. array([17, 3, 42, "
                "...])."
            )
        lengths = [len(a) for a in arrays]
        want = [size] * (n // size) + ([n % size] if n % size else [])
        if lengths != want:
            extra = ""
            if sum(lengths) < n:
                extra = (
                    f" Together they hold {sum(lengths)} indices, not {n}: keep the last, smaller "
                    "batch so that every sample is used once per epoch."
                )
            raise CheckFailed(f"{what} gave batches of sizes {lengths}, expected {want}.{extra}")
        every = np.concatenate(arrays)
        if not np.array_equal(np.sort(every), np.arange(n)):
            raise CheckFailed(
                f"{what} does not use every index 0..{n - 1} exactly once (repeated: "
                f"{len(every) - len(np.unique(every))})."
            )
        if n > 10 and np.array_equal(every, np.arange(n)):
            raise CheckFailed(
                f"{what} gives the indices in order 0, 1, 2, ...: shuffle them (with the rng "
                "passed in) so that each epoch visits the samples in a new random order."
            )
    rng = np.random.default_rng(0)
    first = np.concatenate(
        call(lambda: list(minibatches(100, batch_size=32, rng=rng)), "minibatches(100, 32, rng)")
    )
    second = np.concatenate(
        call(lambda: list(minibatches(100, batch_size=32, rng=rng)), "minibatches(100, 32, rng)")
    )
    if np.array_equal(first, second):
        raise CheckFailed(
            "two calls of minibatches with the same generator rng gave the same order: draw a new "
            "permutation from rng on every call (one per epoch)."
        )
    again = np.concatenate(
        call(
            lambda: list(minibatches(100, batch_size=32, rng=np.random.default_rng(0))),
            "minibatches(100, 32, rng)",
        )
    )
    if not np.array_equal(again, first):
        raise CheckFailed(
            "minibatches with a generator seeded 0 gave a different order on two runs: shuffle "
            "with the rng argument, not with np.random's global state."
        )
    unseeded = [
        np.concatenate(call(lambda: list(minibatches(100, 32)), "minibatches(100, 32)"))
        for _ in range(2)
    ]
    if np.array_equal(*unseeded):
        raise CheckFailed(
            "two calls of minibatches(100, 32) without rng gave the same order: without a "
            "generator, the docstring says, each call makes a new unseeded one "
            "(np.random.default_rng()), so that every call draws a new order."
        )
    return (
        "shuffled batches of batch_size (default 32) covering every index once, last batch "
        "smaller; a new order per call"
    )


def _rows_of(X: np.ndarray, index: dict[bytes, int], n_in: int) -> list[int] | None:
    X = np.atleast_2d(np.asarray(X, dtype=np.float64))
    if X.ndim != 2 or X.shape[1] != n_in:
        return None
    rows = [index.get(row.tobytes()) for row in X]
    return None if any(r is None for r in rows) else rows


def _epoch(train_epoch: Callable, split: Split, lr: float, size: int, rng, seed: int):
    """Run one epoch on a Recorder; return the network and the batches (rows, params before)."""
    net = network(SIZES, seed=seed, cls=Recorder)
    what = f"train_epoch(net, train, lr={lr}, batch_size={size}, rng) on {len(split)} images"
    with _yours(what), unchanged(what, train=[split.x, split.y, split.labels]):
        call(train_epoch, what, net, split, lr=lr, batch_size=size, rng=rng)
    keys = weight_keys(SIZES)
    if set(net.params) != set(keys):
        raise CheckFailed(
            f"after {what}, net.params has keys {sorted(net.params)}; expected {keys}."
        )
    index = {row.tobytes(): i for i, row in enumerate(split.x.astype(np.float64))}
    batches = []
    for X, params in net.calls:
        rows = _rows_of(X, index, SIZES[0])
        if rows is None:
            raise CheckFailed(
                f"{what} ran net.forward on inputs that are not rows of train.x: run each batch "
                "train.x[rows] through the network."
            )
        same = batches and batches[-1][0] == rows
        if same and all(np.array_equal(batches[-1][1][k], params[k]) for k in keys):
            continue  # the same batch run forward twice, no step between: count it once
        batches.append((rows, params))
    return net, batches, what


def _step_problem(net, batches, k, split, lr, size) -> str | None:
    """What is wrong with the step after batch ``k``, or None."""
    rows, before = batches[k]
    after = batches[k + 1][1] if k + 1 < len(batches) else net.params
    ref = network(SIZES, seed=0)
    ref.params = {key: v.copy() for key, v in before.items()}
    grads = ref.backward(*ref.forward(split.x[rows].astype(np.float64)), split.y[rows])
    m = len(rows)
    for key in weight_keys(SIZES):
        step = np.asarray(after[key], dtype=np.float64) - before[key]
        want = -lr * grads[key]
        if rel_error(step, want) <= 1e-9:
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


@check
def check_train_epoch(train_epoch: Callable) -> None:
    """``train_epoch(net, train, lr, batch_size, rng)``: every image once, in batches drawn from
    ``rng`` (a new order each epoch), one step of -lr * (the batch's mean gradient) per batch, the
    last and smaller batch included."""
    n, size, lr, seed = 22, 4, 0.3, 31
    split = toy_split(n, seed=seed)
    net, batches, what = _epoch(train_epoch, split, lr, size, np.random.default_rng(7), seed)
    seen = [i for rows, _ in batches for i in rows]
    want = f"{n // size} of {size} and one of {n % size}"
    if sorted(seen) != list(range(n)):
        missing, repeated = n - len(set(seen)), len(seen) - len(set(seen))
        hint = (
            f" The last, smaller batch ({n % size} images) must make a step too."
            if missing == n % size
            else ""
        )
        raise CheckFailed(
            f"{what}: the batches run forward held {len(seen)} images in {len(batches)} batches "
            f"({missing} never used, {repeated} used twice); each of the {n} images belongs to "
            f"exactly one batch per epoch ({want}).{hint}"
        )
    sizes = sorted((len(rows) for rows, _ in batches), reverse=True)
    if sizes != [size] * (n // size) + [n % size]:
        raise CheckFailed(f"{what} made batches of {sizes} images; expected {want}.")
    if all(np.array_equal(net.params[k], batches[0][1][k]) for k in weight_keys(SIZES)):
        raise CheckFailed(
            f"{what} did not change net.params: after each batch, update every weight matrix in "
            "net.params (in place, or by storing the new array in net.params)."
        )
    for k in range(len(batches)):
        problem = _step_problem(net, batches, k, split, lr, size)
        if problem:
            raise CheckFailed(
                f"{what}: each batch makes one step W_l <- W_l - lr dL/dW_l with the mean gradient "
                f"of its own images; {problem}"
            )
    order = [i for rows, _ in batches for i in rows]
    rng = np.random.default_rng(7)
    first = [i for rows, _ in _epoch(train_epoch, split, lr, size, rng, seed)[1] for i in rows]
    second = [i for rows, _ in _epoch(train_epoch, split, lr, size, rng, seed)[1] for i in rows]
    if first == second:
        raise CheckFailed(
            "two epochs of train_epoch with the same generator rng visited the images in the same "
            "order: the order of each epoch must be drawn from rng (pass it on to minibatches), a "
            "new one every epoch."
        )
    if first != order:
        raise CheckFailed(
            "train_epoch with two generators seeded alike visited the images in different orders: "
            "draw the order from the rng argument (pass it on to minibatches, which makes an "
            "unseeded generator without it), not from np.random's global state or a generator of "
            "your own."
        )
    return (
        f"every image once per epoch in batches ({want}), one step of -lr * (batch mean "
        "gradient) per batch; a new order from rng every epoch; train unchanged"
    )


@check
def check_minibatch_training(net: Any) -> None:
    """The network trained with mini-batches reaches the expected accuracy on the grade's
    validation images."""
    acc = trained_accuracy(net, "minibatch", "net")
    return f"validation accuracy {acc:.4f} ({at_least('minibatch')})"
