"""Checks of exercise 4, mini-batch gradient descent (``exercises/04_minibatch.ipynb``).

The gradients of a batch, shuffled batches, one epoch of steps, and the training.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.gradcheck import rel_error
from nnscratch.grade.fixtures import (
    CountingNetwork,
    NoBackward,
    gradient_hint,
    gradient_ratio,
    network,
    toy_batch,
    toy_split,
    trained_accuracy,
    weight_keys,
)
from nnscratch.grade.harness import CheckFailed, array, call, check, finite, keyed, shape
from nnscratch.grade.settings import MIN_ACCURACY


@check
def check_batch_gradients(batch_gradients: Callable) -> None:
    """``batch_gradients(net, X, Y)`` is the mean over the batch of the per-sample gradients."""
    sizes, batch = (6, 5, 4, 3), 8
    net = network(sizes, seed=21, cls=NoBackward)
    ref = network(sizes, seed=21)
    X, Y = toy_batch(6, 3, batch, seed=22)
    what = f"batch_gradients(net, X, Y) for a batch of {batch}, sizes {sizes}"
    keys = weight_keys(sizes)
    grads = keyed(call(batch_gradients, what, net, X.copy(), Y.copy()), what, keys)
    per_sample = [ref.backward(*ref.forward(X[i]), Y[i]) for i in range(batch)]
    for key in keys:
        g = array(grads[key], f"{what}: d{key}")
        shape(
            g,
            ref.params[key].shape,
            f"{what}: d{key}",
            "Each gradient has the shape of its weight matrix: combine the samples with one matrix "
            "product.",
        )
        finite(g, f"{what}: d{key}")
        mean = np.mean([p[key] for p in per_sample], axis=0)
        err = rel_error(g, mean)
        if err > 1e-9:
            raise CheckFailed(
                f"{what}: d{key} is not the mean of the {batch} per-sample gradients (relative "
                f"error {err:.2e}).{gradient_hint(key, np.asarray(g, float), mean, batch)}"
            )
    if any(not np.array_equal(net.params[k], ref.params[k]) for k in keys):
        raise CheckFailed(
            f"{what} changed net.params: computing the gradients must not update the weights."
        )
    return "equal to the mean of the per-sample gradients, for the whole batch at once"


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
            "minibatches should take a parameter batch_size with a default value (below 64, e.g. "
            "32)."
        )
    if not isinstance(default.default, int) or not 1 < default.default < 64:
        raise CheckFailed(
            f"the default batch_size of minibatches is {default.default!r}: choose a size between "
            "2 and 63 (small batches: many updates per epoch, yet vectorised)."
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
    again = np.concatenate(list(minibatches(100, batch_size=32, rng=np.random.default_rng(0))))
    if not np.array_equal(again, first):
        raise CheckFailed(
            "minibatches with a generator seeded 0 gave a different order on two runs: shuffle "
            "with the rng argument, not with np.random's global state."
        )
    return (
        f"shuffled batches of batch_size (default {default.default}) covering every index once, "
        "last batch smaller"
    )


@check
def check_train_epoch(train_epoch: Callable) -> None:
    """``train_epoch(net, train, lr, batch_size, rng)``: a step per batch, by its mean gradient."""
    sizes = (6, 5, 4, 3)
    # One batch holding the whole training set: exactly one gradient step, whatever the order.
    n, lr = 20, 0.5
    split = toy_split(n, seed=31)
    net, ref = network(sizes, seed=32), network(sizes, seed=32)
    grads = ref.backward(*ref.forward(split.x), split.y)
    what = f"train_epoch(net, train, lr={lr}, batch_size={n}, rng) on {n} samples (one batch)"
    call(train_epoch, what, net, split, lr=lr, batch_size=n, rng=np.random.default_rng(0))
    keys = weight_keys(sizes)
    if set(net.params) != set(keys):
        raise CheckFailed(
            f"after {what}, net.params has keys {sorted(net.params)}; expected {keys}."
        )
    if all(np.array_equal(net.params[k], ref.params[k]) for k in keys):
        raise CheckFailed(
            f"{what} did not change net.params: update the weights in place (net.params[key] -= lr "
            "* grad) or store the new arrays back in net.params."
        )
    for key in keys:
        step = np.asarray(net.params[key], dtype=np.float64) - ref.params[key]
        want = -lr * grads[key]
        err = rel_error(step, want)
        if err > 1e-9:
            c = gradient_ratio(step, want)
            hint = ""
            if c is not None and abs(c - n) < 1e-6 * n:
                hint = (
                    f" The step is {n} times too large: average the gradients over the batch "
                    "instead of summing them."
                )
            elif c is not None and abs(c + 1) < 1e-6:
                hint = " The step goes up the gradient: subtract lr * gradient."
            elif c is not None:
                hint = f" The step is {c:.4g} times lr * (mean gradient)."
            raise CheckFailed(
                f"{what}: the change of {key} should be -lr * (mean gradient over the batch) "
                f"(relative error {err:.2e}).{hint}"
            )
    # Five steps of batch 4; with a tiny learning rate they add up to five mean-gradient steps.
    n, size, lr = 20, 4, 1e-4
    net, ref = network(sizes, seed=33, cls=CountingNetwork), network(sizes, seed=33)
    split = toy_split(n, seed=34)
    grads = ref.backward(*ref.forward(split.x), split.y)
    what = f"train_epoch(net, train, lr={lr}, batch_size={size}, rng) on {n} samples"
    call(train_epoch, what, net, split, lr=lr, batch_size=size, rng=np.random.default_rng(1))
    for key in keys:
        step = np.asarray(net.params[key], dtype=np.float64) - ref.params[key]
        want = -lr * (n // size) * grads[key]
        err = rel_error(step, want)
        if err > 1e-3:
            c = gradient_ratio(step, want)
            hint = ""
            if len(net.batches) == 1:
                hint = " Only one batch was used: loop over all the batches of the epoch."
            elif net.batches and sum(net.batches) != n:
                hint = (
                    f" The forward passes saw {sum(net.batches)} samples in {len(net.batches)} "
                    f"batches: each of the {n} samples should be used once per epoch."
                )
            elif c is not None and abs(c - size) < 1e-2 * size:
                hint = (
                    f" The steps are {size} times too large: average each batch's gradients "
                    "instead of summing them."
                )
            raise CheckFailed(
                f"{what}: over one epoch the weights should move by about {n // size} steps of -lr "
                f"* (mean gradient), one per batch (relative error {err:.2e}).{hint}"
            )
    return "one step of -lr * (batch-mean gradient) per batch, every batch of the epoch"


@check
def check_minibatch_training(net: Any, val: Any) -> None:
    """The network trained with mini-batches reaches the expected validation accuracy."""
    acc = trained_accuracy(net, val, MIN_ACCURACY["minibatch"], "net")
    return f"validation accuracy {acc:.4f} (at least {MIN_ACCURACY['minibatch']:.2f})"
