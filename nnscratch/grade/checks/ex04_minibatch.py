"""Checks of exercise 4, mini-batch training (``exercises/04_minibatch.ipynb``).

Shuffled batches, one epoch of steps, and the training. The learner's functions may run
``net.forward`` and ``net.backward`` (chapter 4's batch gradient, which exercise 3 wrote for any
number of layers); while they run, the course's own training and update steps (``Network.step``,
``.train``, ``nnscratch.fast``'s steps, ``nnscratch.optim.sgd``) raise: the batches, the last and
smaller batch, the loop and the update are the learner's.

Each check is a probe and a judge (:func:`~nnscratch.grade.harness.probe`): the probe, in the
learner's kernel, calls the learner's code on the grader's inputs (generator seeds, a toy data set,
initial weights, the learning rate and batch size) and returns what it saw, as plain data (the
batches; every batch ``train_epoch`` ran forward with the weights at that moment; the trained
weights); the judge, in the grader, decides: it rebuilds the batches from those rows, replays every
step with the course network from the recorded weights, and measures the trained network's
accuracy with its own forward pass.

Notation of the messages, as in the statement: a batch is a matrix with one row per image,
``dL/dW_l`` the gradient of the batch's mean loss.
"""

from __future__ import annotations

import inspect
import itertools
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.data import Split
from nnscratch.grade import epoch_replay as replay
from nnscratch.grade.contracts import forbidden, unchanged
from nnscratch.grade.epoch_replay import SIZES
from nnscratch.grade.fixtures import (
    Recorder,
    at_least,
    fast_steps,
    network,
    network_methods,
    weight_keys,
)
from nnscratch.grade.harness import CheckFailed, array, call, probe
from nnscratch.network import Network


def _yours(what: str):
    return forbidden(
        what,
        network_methods("step", "train") + fast_steps(),
        "write the loop and the update yourself, from net.forward and net.backward (that is the "
        "point of the exercise).",
    )


# --------------------------------------------------------------------------------------------
# minibatches
# --------------------------------------------------------------------------------------------

#: The calls ``minibatches(n, batch_size, rng)`` is judged on (the messages name the first); the
#: inputs add one of a size drawn from the grade's seed, and the generators' seeds.
CASES = ((100, 32), (64, 16), (5, 32))
#: The call of the checks of the order (two calls with one generator, two generators seeded alike,
#: two calls without a generator).
ORDER_N, ORDER_SIZE = 100, 32


def _minibatches_inputs(rng: np.random.Generator) -> dict:
    """The fixed calls and one drawn, each with a generator seed; the seed of the order checks."""
    size = int(rng.integers(3, 12))
    drawn = (size * int(rng.integers(4, 9)) + int(rng.integers(1, size)), size)
    seeds = [int(s) for s in rng.integers(2**31, size=len(CASES) + 2)]
    return {
        "cases": [
            {"n": n, "size": size, "seed": seed}
            for (n, size), seed in zip((*CASES, drawn), seeds, strict=False)
        ],
        "seed": seeds[-1],
    }


def _collect(minibatches: Callable, what: str, n: int, **kwargs: Any) -> list[np.ndarray]:
    """The batches of one call, as arrays (at most n + 1 of them: the probe never runs forever on
    a generator that does not stop)."""
    batches = call(lambda: list(itertools.islice(minibatches(n, **kwargs), n + 1)), what)
    return [array(b, f"a batch from {what}") for b in batches]


def _default(minibatches: Callable) -> dict:
    """The default of ``batch_size`` in the signature: a number, or its repr, or None (none)."""
    try:
        parameter = inspect.signature(minibatches).parameters.get("batch_size")
    except (TypeError, ValueError):
        parameter = None
    if parameter is None or parameter.default is inspect.Parameter.empty:
        return {"default": None, "default_repr": None}
    value = parameter.default
    number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    return {"default": float(value) if number else None, "default_repr": repr(value)[:60]}


def _call_what(n: int, size: int, seed: int) -> str:
    return f"minibatches({n}, batch_size={size}, rng=np.random.default_rng({seed}))"


def _judge_batches(batches: Any, n: int, size: int, what: str) -> np.ndarray:
    """The indices of one call's batches, in order, if they are batches of ``size`` covering
    0..n-1 once, shuffled; CheckFailed otherwise."""
    if not isinstance(batches, list) or len(batches) > n + 1:
        raise CheckFailed(f"{what} should yield at most {n} batches of row indices.")
    arrays = [array(b, f"a batch from {what}") for b in batches]
    if any(a.ndim != 1 or not np.issubdtype(a.dtype, np.integer) for a in arrays):
        raise CheckFailed(
            f"{what} should yield 1-D arrays of integer row indices, e.g. array([17, 3, 42, ...])."
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
    return every


def _judge_minibatches(inputs: dict, outputs: dict) -> str:
    if outputs["default_repr"] is None:
        raise CheckFailed(
            "minibatches should keep its parameter batch_size with the statement's default, 32."
        )
    if outputs["default"] != 32:
        raise CheckFailed(
            f"the default batch_size of minibatches is {outputs['default_repr']}: keep the "
            "statement's default, 32, the batch size this exercise trains with."
        )
    for case, batches in zip(inputs["cases"], outputs["cases"], strict=True):
        what = _call_what(case["n"], case["size"], case["seed"])
        _judge_batches(batches, case["n"], case["size"], what)
    seed = inputs["seed"]
    what = f"minibatches({ORDER_N}, rng=np.random.default_rng({seed})) (the default batch_size)"
    _judge_batches(outputs["default_size"], ORDER_N, 32, what)
    what = f"minibatches({ORDER_N}, {ORDER_SIZE}, rng)"
    first, second, again = (
        _judge_batches(outputs[key], ORDER_N, ORDER_SIZE, what)
        for key in ("first", "second", "again")
    )
    if np.array_equal(first, second):
        raise CheckFailed(
            "two calls of minibatches with the same generator rng gave the same order: draw a new "
            "permutation from rng on every call (one per epoch)."
        )
    if not np.array_equal(again, first):
        raise CheckFailed(
            f"minibatches with a generator seeded {seed} gave a different order on two runs: "
            "shuffle with the rng argument, not with np.random's global state."
        )
    what = f"minibatches({ORDER_N}, {ORDER_SIZE})"
    unseeded = [_judge_batches(outputs[key], ORDER_N, ORDER_SIZE, what) for key in ("u1", "u2")]
    if np.array_equal(*unseeded):
        raise CheckFailed(
            f"two calls of minibatches({ORDER_N}, {ORDER_SIZE}) without rng gave the same order: "
            "without a generator, the docstring says, each call makes a new unseeded one "
            "(np.random.default_rng()), so that every call draws a new order."
        )
    return (
        "shuffled batches of batch_size (default 32) covering every index once, last batch "
        "smaller; a new order per call"
    )


@probe(_minibatches_inputs, _judge_minibatches)
def check_minibatches(minibatches: Callable, inputs: dict) -> dict:
    """``minibatches(n, batch_size, rng)`` yields shuffled index batches covering 0..n-1 once."""
    out = _default(minibatches)
    if out["default_repr"] is None:
        return out  # the judge stops at the signature
    out["cases"] = [
        _collect(
            minibatches,
            _call_what(c["n"], c["size"], c["seed"]),
            c["n"],
            batch_size=c["size"],
            rng=np.random.default_rng(c["seed"]),
        )
        for c in inputs["cases"]
    ]
    seed, n, size = inputs["seed"], ORDER_N, ORDER_SIZE
    what = f"minibatches({n}, rng=np.random.default_rng({seed}))"
    out["default_size"] = _collect(minibatches, what, n, rng=np.random.default_rng(seed))
    rng, what = np.random.default_rng(seed), f"minibatches({n}, {size}, rng)"
    out["first"] = _collect(minibatches, what, n, batch_size=size, rng=rng)
    out["second"] = _collect(minibatches, what, n, batch_size=size, rng=rng)
    rng = np.random.default_rng(seed)
    out["again"] = _collect(minibatches, what, n, batch_size=size, rng=rng)
    what = f"minibatches({n}, {size})"
    for key in ("u1", "u2"):
        out[key] = call(lambda: list(itertools.islice(minibatches(n, size), n + 1)), what)
        out[key] = [array(b, f"a batch from {what}") for b in out[key]]
    return out


# --------------------------------------------------------------------------------------------
# train_epoch
# --------------------------------------------------------------------------------------------


def _epoch_inputs(rng: np.random.Generator) -> dict:
    """A toy split of ``n`` images (a last, smaller batch: 11 to 15 steps), initial weights, the
    learning rate and the batch size, and the seed of the epochs' generator."""
    size = int(rng.integers(3, 6))
    n = size * int(rng.integers(10, 15)) + int(rng.integers(1, size))
    labels = rng.integers(0, SIZES[-1], n)
    params = {
        f"W{l}": rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        for l, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1)
    }
    return {
        "x": rng.random((n, SIZES[0])),
        "labels": labels,
        "params": params,
        "lr": round(float(rng.uniform(0.2, 0.5)), 2),
        "size": size,
        "seed": int(rng.integers(2**31)),
    }


def _split(inputs: dict) -> Split:
    labels = np.asarray(inputs["labels"])
    return Split(np.asarray(inputs["x"]), np.eye(SIZES[-1])[labels], labels)


def _epoch_what(inputs: dict) -> str:
    return (
        f"train_epoch(net, train, lr={inputs['lr']}, batch_size={inputs['size']}, rng) on "
        f"{len(inputs['labels'])} images"
    )


def _run_epoch(train_epoch: Callable, inputs: dict, rng: np.random.Generator) -> dict:
    """The probe of one epoch: run it on a Recorder with the grader's weights and data; return
    every batch it ran forward (with the weights at that moment) and the weights at its end."""
    split, what = _split(inputs), _epoch_what(inputs)
    net = network(SIZES, seed=0, cls=Recorder)
    net.params = {k: np.array(v, dtype=np.float64) for k, v in inputs["params"].items()}
    with _yours(what), unchanged(what, train=[split.x, split.y, split.labels]):
        call(train_epoch, what, net, split, lr=inputs["lr"], batch_size=inputs["size"], rng=rng)
    if not isinstance(net.params, dict):
        raise CheckFailed(f"after {what}, net.params is a {type(net.params).__name__}, not a dict.")
    return {
        "calls": [
            [
                array(X, "a batch run forward"),
                {str(k): array(v, "net.params") for k, v in W.items()},
            ]
            for X, W in net.calls
        ],
        "params": {str(k): array(v, f"net.params[{k!r}]") for k, v in net.params.items()},
    }


def _judge_train_epoch(inputs: dict, outputs: dict) -> str:
    n, size, lr = len(inputs["labels"]), int(inputs["size"]), float(inputs["lr"])
    split, what = _split(inputs), _epoch_what(inputs)
    epochs = outputs["epochs"]
    if not isinstance(epochs, list) or len(epochs) != 3:
        raise CheckFailed("the check's three epochs did not all come back.")
    batches, final = replay.batches(inputs, epochs[0], what)
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
    if all(np.array_equal(final[k], batches[0][1][k]) for k in weight_keys(SIZES)):
        raise CheckFailed(
            f"{what} did not change net.params: after each batch, update every weight matrix in "
            "net.params (in place, or by storing the new array in net.params)."
        )
    for k in range(len(batches)):
        problem = replay.step_problem(final, batches, k, split, lr, size)
        if problem:
            raise CheckFailed(
                f"{what}: each batch makes one step W_l <- W_l - lr dL/dW_l with the mean gradient "
                f"of its own images; {problem}"
            )
    order = [i for rows, _ in batches for i in rows]
    first, second = (
        [i for rows, _ in replay.batches(inputs, e, what)[0] for i in rows] for e in epochs[1:]
    )
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


@probe(_epoch_inputs, _judge_train_epoch)
def check_train_epoch(train_epoch: Callable, inputs: dict) -> dict:
    """``train_epoch(net, train, lr, batch_size, rng)``: every image once, in batches drawn from
    ``rng`` (a new order each epoch), one step of -lr * (the batch's mean gradient) per batch, the
    last and smaller batch included."""
    seed = inputs["seed"]
    epochs = [_run_epoch(train_epoch, inputs, np.random.default_rng(seed))]
    rng = np.random.default_rng(seed)  # two epochs from one generator
    epochs += [_run_epoch(train_epoch, inputs, rng) for _ in range(2)]
    return {"epochs": epochs}


# --------------------------------------------------------------------------------------------
# The trained network
# --------------------------------------------------------------------------------------------


#: The most parameters the grader runs forward on its validation images (the statement's network
#: has 109,184): a bound on the judge's work.
MAX_WEIGHTS = 2_000_000


def _judge_training(inputs: dict, outputs: dict) -> str:
    from nnscratch.grade.fixtures import judged_accuracy, returned_params, validation

    found = outputs["params"]
    biases = isinstance(found, dict) and any(str(k).startswith("b") for k in found)
    params = returned_params(found, "net", biases=biases)
    L = sum(1 for k in params if k.startswith("W"))
    weights = sum(W.size for W in params.values())
    if weights > MAX_WEIGHTS:
        raise CheckFailed(
            f"net has {weights:,} parameters: train the network of the statement, "
            "Network(seed=0) (784-128-64-10, about 110,000 weights)."
        )
    sizes = [784] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]
    net = Network(sizes, biases=biases, dtype=np.float64)  # the grader's forward pass
    net.params = params
    val = validation()
    acc = float(np.mean(net.predict(val.x) == val.labels))
    acc = judged_accuracy(acc, "minibatch", "net", outputs.get("quick"))
    return f"validation accuracy {acc:.4f} ({at_least('minibatch')})"


def _no_inputs(rng: np.random.Generator) -> dict:
    """The training check sends nothing: the judge measures the returned weights itself."""
    return {}


@probe(_no_inputs, _judge_training)
def check_minibatch_training(net: Any, inputs: dict) -> dict:
    """The network trained with mini-batches reaches the expected accuracy on the grade's
    validation images (measured by the grader, on its weights)."""
    from nnscratch.grade.fixtures import kernel_state

    if not isinstance(net, Network):
        raise CheckFailed(
            f"net should be a trained network (a nnscratch Network), got {type(net).__name__}."
        )
    return kernel_state(net)
