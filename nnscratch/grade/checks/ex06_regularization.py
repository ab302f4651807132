"""Checks of exercise 6, regularization (``exercises/06_regularization.ipynb``).

Inverted dropout written by the learner: the function (its mask, its scaling by ``1/p_keep``, its
generator), a network that applies it to every hidden layer in training and not in evaluation,
the backward pass through the masks (against the course's errors recomputed with the same masks,
and central differences), the switch between the two modes inside ``Network.train``, and the
training. Weight decay is the package's (``nnscratch.optim.sgd(weight_decay=...)``, chapter 8).

Each check is a probe and a judge (:func:`~nnscratch.grade.harness.probe`): the probe runs the
learner's code on the grader's inputs (arrays, weights, the seeds of the generators and of the
data order) and returns the masks and values it observed; the judge decides from those, with
:mod:`nnscratch.grade.dropout_reference`. Masks are random, so the judges check the rules, not one
draw: zeros where dropped, the rest scaled by ``1/p_keep``, about a share p_keep kept, a new mask
at every call, none in evaluation mode, errors and training steps through the masks of their own
forward pass. A network's masks are read from what its forward pass returns: a hidden unit's
sigmoid is never exactly 0, so a 0 in a hidden activation is a dropped unit; the checks do not
need to know where the learner keeps the masks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.data import Split
from nnscratch.grade import dropout_reference as ref
from nnscratch.grade.dropout_reference import EVALUATION_DELTAS, arrays, plain
from nnscratch.grade.fixtures import at_least
from nnscratch.grade.harness import (
    CheckFailed,
    array,
    call,
    forbidden,
    own,
    pair,
    probe,
    shape,
    shares_memory,
    unchanged,
)
from nnscratch.history import History
from nnscratch.network import Network

#: A network with two hidden layers, and one with three (a loop over the layers, as exercise 3).
SIZES, DEEP = (6, 20, 15, 3), (6, 12, 10, 8, 3)


def _weights(rng: np.random.Generator, sizes: tuple, dtype: type = np.float64) -> dict:
    """Weights drawn from ``rng`` at the fan-in scale, ``W1 .. WL``."""
    return {
        f"W{l}": (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(dtype)
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
    }


def _toy(rng: np.random.Generator, n: int, n_in: int, n_out: int) -> dict:
    """``n`` toy inputs in [0, 1) and their one-hot targets."""
    return {"x": rng.random((n, n_in)), "y": np.eye(n_out)[rng.integers(0, n_out, n)]}


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31))


def _mode(net: Any) -> Any:
    """``net.training`` as plain data: the bool itself, else its repr."""
    mode = getattr(net, "training", None)
    return bool(mode) if isinstance(mode, (bool, np.bool_)) else repr(mode)[:60]


def _forward(net: Network, X: np.ndarray, what: str) -> list:
    """``net.forward(X)``, the learner's (activations, zs) as two lists of arrays."""
    activations, zs = pair(call(net.forward, what, X), what, "(activations, zs)")
    return [_arrays(activations, what), _arrays(zs, what)]


def _arrays(values: Any, what: str) -> list[np.ndarray]:
    if not isinstance(values, (list, tuple)):
        raise CheckFailed(f"{what} should return lists of arrays, got {type(values).__name__}.")
    return [np.array(array(v, what)) for v in values]  # copies: the learner's may change later


# --------------------------------------------------------------------------------------------
# dropout
# --------------------------------------------------------------------------------------------


def _dropout_inputs(rng: np.random.Generator) -> dict:
    """Activations in (0, 1) of three kinds (a float64 batch, a float32 batch, one image's vector),
    their p_keep (the float32 one's far from 1/2) and the seeds of the generators."""
    size = lambda lo, hi: int(rng.integers(lo, hi))  # noqa: E731
    shapes = [(size(150, 250), size(40, 60)), (size(300, 450), size(25, 40)), (size(400, 600),)]
    As = [rng.random(shapes[0]), rng.random(shapes[1]).astype(np.float32), rng.random(shapes[2])]
    ps = [0.5, float(rng.choice([0.7, 0.75, 0.8, 0.85, 0.9])), 0.5]
    seeds = [_seed(rng) for _ in range(4)]
    seeds[3] = seeds[2] + 1 + int(rng.integers(1000))  # another seed than seeds[2]
    return {"A": As, "p": ps, "seeds": seeds}


def _dropout_what(A: np.ndarray, p: float) -> str:
    return f"dropout(A, p_keep={p:g}, rng) for A of shape {A.shape} and dtype {A.dtype}"


def _dropout_once(dropout: Callable, A: np.ndarray, p: float, rng, what: str) -> list:
    """The learner's ``dropout(A, p, rng)`` with NumPy only, A unchanged, a new array returned."""
    numpy_only = forbidden(
        "dropout", ref.library_dropouts(), "write it yourself with NumPy, as the exercise asks."
    )
    with numpy_only, unchanged(what, "Backpropagation needs the activations.", A=A):
        result = call(dropout, what, A, p, rng)
    out, mask = pair(result, what, "(A_dropped, mask)")
    out, mask = array(out, f"the first result of {what}"), array(mask, f"the mask of {what}")
    shares_memory(out, A, what)
    return [out, mask]


def _judged_mask(A: np.ndarray, mask: Any, what: str) -> np.ndarray:
    """A mask from the probe, checked (A's shape, 0 and 1 only), as booleans."""
    mask = array(mask, f"the mask of {what}")
    if mask.shape != A.shape:
        hint = (
            " One mask for the whole batch: draw one number per entry of A, so that every image "
            "gets its own mask."
            if A.ndim == 2 and mask.shape in ((A.shape[1],), (1, A.shape[1]))
            else ""
        )
        raise CheckFailed(f"the mask of {what} has shape {mask.shape}, not A's.{hint}")
    other = mask[(mask != 0) & (mask != 1)]
    if other.size:
        raise CheckFailed(
            f"the mask of {what} holds values other than 0 and 1 (e.g. {float(other[0]):g}): "
            "return the 0/1 (or boolean) mask of the kept units, before any scaling."
        )
    return mask.astype(bool)


def _judged_once(A: np.ndarray, got: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """One call's (out, mask) from the probe, checked: shapes, a 0/1 mask, A's dtype."""
    out, mask = pair(got, what, "(A_dropped, mask)")
    out = array(out, f"the first result of {what}")
    shape(out, A.shape, what, "Dropout works elementwise: the result has the shape of A.")
    keep = _judged_mask(A, mask, what)
    if out.dtype != A.dtype:
        raise CheckFailed(f"{what} returned dtype {out.dtype}: keep the dtype of A ({A.dtype}).")
    return out, keep


def _judge_dropout(inputs: dict, outputs: dict) -> str:
    for A, p, got in zip(inputs["A"], inputs["p"], outputs["cases"], strict=True):
        what = _dropout_what(A, p)
        out, keep = _judged_once(A, got, what)
        ref.scaling(out, A, keep, p, what)
        ref.kept_fraction(keep, p, what)
        if A.ndim == 2 and np.all(keep == keep[:1]):
            raise CheckFailed(
                f"{what}: every row (image) got the same mask: draw one number per entry of A, so "
                "that each image drops its own units."
            )
        if A.ndim == 2 and np.all(keep == keep[:, :1]):
            raise CheckFailed(
                f"{what}: each image was kept or dropped whole: draw one number per unit, each "
                "kept or dropped on its own."
            )
    A, p = inputs["A"][0], inputs["p"][0]
    what = f"dropout(A, p_keep={p:g}, rng)"
    mask = {k: _judged_mask(A, outputs[k], what) for k in ("same", "again", "first", "second")}
    if not np.array_equal(mask["same"], mask["again"]):
        raise CheckFailed(
            "dropout with two generators seeded alike gave two different masks: draw the mask "
            "from the rng argument (e.g. rng.random(A.shape) < p_keep), not from np.random's "
            "global state or a generator of your own."
        )
    other = _judged_mask(A, outputs["other"], what)
    if np.array_equal(mask["first"], mask["second"]) or np.array_equal(mask["first"], other):
        raise CheckFailed(
            "dropout gave the same mask twice (from one generator called twice, or from two "
            "generators seeded differently): draw a new mask from rng at every call, so that "
            "every training step drops other units."
        )
    out, keep = _judged_once(A, outputs["whole"], "dropout(A, p_keep=1.0, rng)")
    if not (keep.all() and np.allclose(out, A)):
        raise CheckFailed("dropout(A, p_keep=1.0, rng) should keep every unit and return A.")
    return (
        "A * mask / p_keep, each entry kept with probability p_keep, independently, a new mask "
        "from rng at every call; A unchanged"
    )


@probe(_dropout_inputs, _judge_dropout)
def check_dropout(dropout: Callable, inputs: dict) -> dict:
    """``dropout(A, p_keep, rng)`` returns ``(A * mask / p_keep, mask)``: each entry kept with
    probability p_keep, independently, drawn from ``rng``; A unchanged."""
    own(dropout, "dropout", "write inverted dropout yourself with NumPy.")
    rng = np.random.default_rng
    cases = [
        _dropout_once(dropout, A, p, rng(seed), _dropout_what(A, p))
        for A, p, seed in zip(inputs["A"], inputs["p"], inputs["seeds"])
    ]
    A, p = inputs["A"][0], inputs["p"][0]
    same, other = inputs["seeds"][2:]
    what = f"dropout(A, p_keep={p:g}, rng)"
    seeded_alike = [_dropout_once(dropout, A, p, rng(same), what)[1] for _ in range(2)]
    one = rng(same)
    first, second = (_dropout_once(dropout, A, p, one, what)[1] for _ in range(2))
    return {
        "cases": cases,
        "same": seeded_alike[0],  # masks only, from here on
        "again": seeded_alike[1],
        "first": first,
        "second": second,
        "other": _dropout_once(dropout, A, p, rng(other), what)[1],
        "whole": _dropout_once(dropout, A, 1.0, one, "dropout(A, p_keep=1.0, rng)"),
    }


# --------------------------------------------------------------------------------------------
# The network: training and evaluation mode, forward and backward through the masks
# --------------------------------------------------------------------------------------------


def _network_inputs(rng: np.random.Generator) -> dict:
    """For each shape: weights, a batch of 60 toy images with targets, the network's seed, and
    the whole network's activations, weighted sums (what deltas gets in evaluation mode)."""
    cases = []
    for sizes, p in ((SIZES, 0.5), (DEEP, 0.8)):
        params, toy = _weights(rng, sizes), _toy(rng, 60, sizes[0], sizes[-1])
        acts, zs = plain(params).forward(toy["x"])
        case = {"sizes": list(sizes), "p": p, "seed": _seed(rng), "params": params}
        cases.append({**case, "X": toy["x"], "Y": toy["y"], "acts": acts, "zs": zs})
    return {"cases": cases}


def _make(DropoutNetwork: type, case: dict, dtype: type = np.float64) -> Network:
    """The learner's network of the case's sizes, p_keep and seed, with the grader's weights."""
    sizes, p, seed = tuple(int(n) for n in case["sizes"]), float(case["p"]), int(case["seed"])
    what = f"DropoutNetwork({sizes}, p_keep={p:g}, seed={seed}, dtype=np.{np.dtype(dtype).name})"
    net = call(DropoutNetwork, what, sizes, p_keep=p, seed=seed, dtype=dtype)
    if not isinstance(net, Network):
        raise CheckFailed(f"{what} is not a Network: keep `class DropoutNetwork(Network)`.")
    net.params = {k: np.array(v, dtype=dtype) for k, v in case["params"].items()}
    return net


def _attempt(measure: Callable[[], Any]) -> dict:
    """``{"value": measure()}``, or ``{"failed": message}`` for a CheckFailed: the judge raises it
    where the check meets it, after the values measured before it are judged."""
    try:
        return {"value": measure()}
    except CheckFailed as failed:
        return {"failed": str(failed)}


def _measured(record: Any) -> Any:
    """The value of an :func:`_attempt`; its failure raised (a message of the kernel's own)."""
    if isinstance(record, dict) and isinstance(record.get("failed"), str):
        raise CheckFailed(record["failed"])
    return record["value"]


def _probe_network(DropoutNetwork: type, case: dict) -> dict:
    net, X, Y = _make(DropoutNetwork, case), case["X"], case["Y"]
    sizes, L = tuple(int(n) for n in case["sizes"]), len(case["sizes"]) - 1

    def evaluation(what: str) -> list:
        return [_forward(net, X, what)[0] for _ in range(2)]

    def deltas(what: str) -> list:
        acts, zs = [a.copy() for a in case["acts"]], [z.copy() for z in case["zs"]]
        try:
            return _arrays(call(net.deltas, what, acts, zs, Y.copy()), what)
        except CheckFailed as err:
            raise CheckFailed(f"{err} {EVALUATION_DELTAS}") from None

    def training(on: Network) -> list:
        with unchanged(what, X=X, params=on.params):
            return _forward(on, X, what)

    def backward() -> dict:
        copies = lambda: [[a.copy() for a in v] for v in _measured(out["second"])]  # noqa: E731
        (acts, zs), Y_ = copies(), Y.copy()
        what = f"net.deltas(activations, zs, Y) in training mode, sizes {sizes}"
        with unchanged(what, activations=acts, zs=zs, Y=Y_, params=net.params):
            found = call(net.deltas, what, acts, zs, Y_)
        if not isinstance(found, (list, tuple)) or len(found) != L:
            raise CheckFailed(f"{what} should return a list of {L} errors.")
        grads = call(net.backward, "net.backward(activations, zs, Y)", *copies(), Y.copy())
        if not isinstance(grads, dict):
            raise CheckFailed("net.backward(activations, zs, Y) should return a dict of arrays.")
        as_array = lambda v, w: array(v, w) if v is not None else None  # noqa: E731
        grads = {str(k): as_array(v, f"d{k}") for k, v in grads.items() if str(k).startswith("W")}
        return {"deltas": _arrays(found, what), "grads": grads}

    out = {
        "eval": _attempt(lambda: evaluation(f"net.forward(X) of a new DropoutNetwork{sizes}")),
        "eval_deltas": _attempt(lambda: deltas(f"net.deltas(...) of a new DropoutNetwork{sizes}")),
    }
    net.training = True
    what = f"net.forward(X) with net.training = True, sizes {sizes}, p_keep {case['p']:g}"
    out["first"] = _attempt(lambda: training(net))
    out["second"] = _attempt(lambda: training(net))  # deltas get this last pass
    out["backward"] = _attempt(backward)
    twin = _make(DropoutNetwork, case)
    twin.training = True
    out["twin"] = _attempt(lambda: training(twin))
    net.training = False  # the last training pass's masks stay behind for what follows
    out["eval_after"] = _attempt(
        lambda: evaluation(f"net.forward(X) after net.training = False, sizes {sizes}")
    )
    out["eval_deltas_after"] = _attempt(
        lambda: deltas("net.deltas(...) with net.training = False after a training pass")
    )
    return out


def _judge_network_case(case: dict, got: dict) -> float:
    sizes, p, X, Y = tuple(int(n) for n in case["sizes"]), float(case["p"]), case["X"], case["Y"]
    whole = plain(case["params"])
    acts, zs = whole.forward(X)
    true_eval, true_deltas = acts, whole.deltas(acts, zs, Y)
    what = f"net.forward(X) of a new DropoutNetwork{sizes}"
    ref.evaluation(_measured(got["eval"]), true_eval, what)
    what = f"net.deltas(...) of a new DropoutNetwork{sizes}"
    ref.evaluation_deltas(_measured(got["eval_deltas"]), true_deltas, what)
    what = f"net.forward(X) with net.training = True, sizes {sizes}, p_keep {p:g}"
    first = ref.training_forward(_measured(got["first"]), case["params"], p, X, what)[2]
    acts, Zs, keeps = ref.training_forward(_measured(got["second"]), case["params"], p, X, what)
    if all(np.array_equal(a, b) for a, b in zip(first, keeps)):
        raise CheckFailed(
            f"{what}: two forward passes dropped the same units: draw a fresh mask at every "
            "forward pass in training (every step), from self.rng."
        )
    twin = ref.training_forward(_measured(got["twin"]), case["params"], p, X, what)[2]
    if not all(np.array_equal(a, b) for a, b in zip(first, twin)):
        raise CheckFailed(
            f"{what}: two networks made with the same seed dropped different units: draw the "
            "masks from the network's own generator, self.rng, so that a run can be repeated."
        )
    worst = ref.training_backward(_measured(got["backward"]), case, acts, Zs, keeps)
    what = f"net.forward(X) after net.training = False, sizes {sizes}"
    ref.evaluation(_measured(got["eval_after"]), true_eval, what)
    what = "net.deltas(...) with net.training = False after a training pass"
    ref.evaluation_deltas(_measured(got["eval_deltas_after"]), true_deltas, what)
    return worst


def _judge_network(inputs: dict, outputs: dict) -> str:
    worst = max(
        _judge_network_case(case, got)
        for case, got in zip(inputs["cases"], outputs["cases"], strict=True)
    )
    return (
        "evaluation: the whole network; training: every hidden layer dropped and scaled by "
        "1/p_keep, a fresh mask from self.rng, 2 and 3 hidden layers; gradients through the masks "
        f"match central differences (max relative error {worst:.1e})"
    )


@probe(_network_inputs, _judge_network)
def check_dropout_network(DropoutNetwork: type, inputs: dict) -> dict:
    """``DropoutNetwork``: in evaluation mode the whole network; in training mode every hidden
    layer dropped and scaled with a fresh mask from ``self.rng`` at ``self.p_keep``, and errors
    backpropagated through the masks (central differences)."""
    if not (isinstance(DropoutNetwork, type) and issubclass(DropoutNetwork, Network)):
        raise CheckFailed("DropoutNetwork should be a class derived from nnscratch's Network.")
    return {"cases": [_probe_network(DropoutNetwork, case) for case in inputs["cases"]]}


# --------------------------------------------------------------------------------------------
# The switch between the modes, inside Network.train
# --------------------------------------------------------------------------------------------

#: The switch check's training: 40 toy images, 2 epochs of 5 batches of 8, then 2 measurements
#: per epoch (train, val); at most MAX_CALLS forward passes are recorded.
EPOCHS, LR, BATCH, MAX_CALLS = 2, 0.5, 8, 40


def _switch_inputs(rng: np.random.Generator) -> dict:
    """Weights, the network's seed, the seed of the data order, train (40), val (30) and a split
    one input too wide (16), all drawn from ``rng``."""
    case = {"sizes": list(SIZES), "p": 0.5, "seed": _seed(rng), "params": _weights(rng, SIZES)}
    toys = {"train": _toy(rng, 40, 6, 3), "val": _toy(rng, 30, 6, 3), "wide": _toy(rng, 16, 7, 3)}
    return {**case, **toys, "order": _seed(rng)}


def _split(toy: dict) -> Split:
    return Split(toy["x"], toy["y"], toy["y"].argmax(axis=1))


def _train_what(inputs: dict) -> str:
    return (
        f"net.train(train, val, epochs={EPOCHS}, lr={LR}, batch_size={BATCH}, "
        f"seed={inputs['order']}) on 40 toy images"
    )


def _expected_calls(inputs: dict) -> list[tuple[str, np.ndarray]]:
    """The split and its rows that Network.train's forward passes get, in order: a step's batch
    of train, or a whole split measured ("train" or "val" whole, the rows None)."""
    rng, calls, n = np.random.default_rng(int(inputs["order"])), [], len(inputs["train"]["x"])
    for _ in range(EPOCHS):
        order = rng.permutation(n)
        calls += [("step", order[i : i + BATCH]) for i in range(0, n, BATCH)]
        calls += [("train", None), ("val", None)]
    return calls


def _record(got: Any, params: dict) -> tuple[np.ndarray, list, dict]:
    """One recorded forward pass (its X, activations and the weights it ran with), checked."""
    X, acts = array(got["X"], "X"), arrays(got["acts"], "activations")
    found = got["params"] if isinstance(got["params"], dict) else {}
    weights = {k: array(found.get(k), f"params[{k!r}]") for k in params}
    for k, W in weights.items():
        shape(W, params[k].shape, f"params[{k!r}]")
    if X.ndim != 2 or X.shape[1] != SIZES[0] or len(acts) != len(SIZES):
        raise CheckFailed("net.forward in train should return one activation per layer.")
    return X, acts, weights


def _judge_steps(inputs: dict, steps: list, measured: list) -> dict[str, np.ndarray]:
    """The steps' weights against SGD on the thinned networks their forward passes ran (their
    masks), from the grader's weights and the data order of the grader's seed; returns the weights
    after training."""
    what, p = _train_what(inputs), float(inputs["p"])
    train, val, weights = inputs["train"], inputs["val"], dict(inputs["params"])
    for k, (kind, rows) in enumerate(_expected_calls(inputs)):
        is_step = kind == "step"
        X, acts, found = (steps if is_step else measured).pop(0)
        data = val if kind == "val" else train
        rows = slice(None) if rows is None else rows
        if X.shape != data["x"][rows].shape or not np.allclose(X, data["x"][rows]):
            raise CheckFailed(
                f"{what}: forward pass {k + 1} got other images than Network.train's batch (or "
                "split): pass train's arguments on to Network.train, its seed included."
            )
        if not all(np.allclose(found[key], W, rtol=1e-7, atol=1e-10) for key, W in weights.items()):
            raise CheckFailed(
                f"{what}: forward pass {k + 1} ran with other weights than SGD on the thinned "
                "networks of the steps before it, from the weights the network started with: a "
                "step's errors and gradients go through the masks of its own forward pass."
            )
        if is_step:
            keeps = ref.step_masks(acts[1:-1], X, weights, what)
            weights = ref.thinned_step(weights, p, X, data["y"][rows], keeps, LR)
    return weights


def _judge_switch(inputs: dict, outputs: dict) -> str:
    what = _train_what(inputs)
    calls = outputs["calls"]
    if not isinstance(calls, list) or len(calls) > MAX_CALLS:
        calls = []
    sizes = [np.shape(c.get("X")) if isinstance(c, dict) else () for c in calls]
    steps = [c for c, s in zip(calls, sizes) if s[:1] == (BATCH,)]
    measured = [c for c, s in zip(calls, sizes) if s[:1] in ((40,), (30,))]
    if len(steps) != 10 or len(measured) != 4 or int(outputs["count"]) > MAX_CALLS:
        raise CheckFailed(
            f"{what} ran forward on {len(steps)} batches and {len(measured)} whole splits; "
            "expected 10 batches (5 per epoch) and 4 splits (train and val after each epoch): "
            "let Network.train do the training, switching the mode around it."
        )
    steps = [_record(c, inputs["params"]) for c in steps]
    measured = [_record(c, inputs["params"]) for c in measured]
    for k, (_, activations, _) in enumerate(steps):
        if np.all(np.concatenate([np.ravel(a) for a in activations[1:-1]]) != 0):
            raise CheckFailed(
                f"{what}: step {k + 1} of 10 ran without dropout: every training step runs in "
                "training mode. Set it in train before Network.train runs, and make evaluate put "
                "back the mode it found (Network.train evaluates after every epoch)."
            )
    for X, activations, params in measured:
        true = plain(params).forward(X)[0][-1]
        out = activations[-1]
        if out.shape != true.shape or not np.allclose(out, true, rtol=1e-9):
            raise CheckFailed(
                f"{what}: the losses and accuracies it recorded after an epoch were measured with "
                "dropout on (a random thinned network): evaluate runs in evaluation mode."
            )
    weights = _judge_steps(inputs, steps, measured)
    val = inputs["val"]
    ref.evaluation(
        outputs["after"],
        plain(weights).forward(val["x"])[0],
        "net.forward(X) after net.train returned",
    )
    ref.failed_train_leaves_evaluation(outputs["failed_mode"])
    true = plain(weights).evaluate(_split(val))
    for mode, (measured_, left) in zip((False, True), outputs["evaluate"], strict=True):
        what = f"net.evaluate(val) with net.training = {mode}"
        measured_ = array(measured_, what)
        if measured_.shape != (2,) or not np.allclose(measured_, true, rtol=1e-9):
            raise CheckFailed(f"{what} measured a thinned network: it runs in evaluation mode.")
        if left is not mode:
            raise CheckFailed(
                f"{what} left net.training = {left if isinstance(left, str) else repr(left)}: "
                "put back the mode evaluate found (Network.train calls it between two epochs of "
                "steps; called on its own, it must leave the network as it was)."
            )
    return (
        "steps in training mode, through their own masks, measurements in evaluation mode, the "
        "mode put back; after train, evaluation mode"
    )


@probe(_switch_inputs, _judge_switch)
def check_dropout_switch(DropoutNetwork: type, inputs: dict) -> dict:
    """``train`` runs its steps in training mode and measures the network in evaluation mode;
    afterwards the network is in evaluation mode."""
    calls: list[tuple[Any, Any, dict]] = []
    count = [0]

    def forward(self, X):
        result = DropoutNetwork.forward(self, X)
        count[0] += 1
        if len(calls) < MAX_CALLS:
            calls.append((np.array(X), result, {k: np.array(v) for k, v in self.params.items()}))
        return result

    spy = type("DropoutNetwork", (DropoutNetwork,), {"forward": forward})
    net = _make(spy, inputs)
    train, val = _split(inputs["train"]), _split(inputs["val"])
    what = _train_what(inputs)
    kwargs = {"epochs": EPOCHS, "lr": LR, "batch_size": BATCH, "verbose": False}
    history = call(net.train, what, train, val, seed=int(inputs["order"]), **kwargs)
    trained = count[0]  # the forward passes of train
    if not isinstance(history, History):
        raise CheckFailed(
            f"{what} returned {type(history).__name__}: return the History of Network.train."
        )
    recorded = [
        {"X": X, "acts": _arrays(pair(result, what, "(activations, zs)")[0], what), "params": p}
        for X, result, p in calls
    ]
    after = [_forward(net, val.x, "net.forward(X) after net.train returned")[0] for _ in range(2)]
    try:
        net.train(_split(inputs["wide"]), val, epochs=1, lr=LR, batch_size=BATCH, verbose=False)
    except Exception:  # noqa: BLE001 (the failure is the point; which one does not matter)
        pass
    failed_mode, evaluate = _mode(net), []
    for mode in (False, True):
        net.training = mode
        what = f"net.evaluate(val) with net.training = {mode}"
        measured = pair(call(net.evaluate, what, val), what, "(loss, accuracy)")
        evaluate.append([array(list(measured), what), _mode(net)])
    net.training = False
    return {
        "calls": recorded,
        "count": trained,
        "after": after,
        "failed_mode": failed_mode,
        "evaluate": evaluate,
    }


# --------------------------------------------------------------------------------------------
# The trained network
# --------------------------------------------------------------------------------------------

#: The training check's steps: SGD with the learner's class from the grader's weights on the
#: grade's images (float32, as the notebook), compared with SGD on the thinned networks.
STEPS, STEP_BATCH, STEP_LR, TRAINED = 12, 4, 0.05, (784, 128, 64, 10)


def _training_inputs(rng: np.random.Generator) -> dict:
    from nnscratch.grade.fixtures import validation_rows

    x = validation_rows(rng, 200)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, STEPS * STEP_BATCH)]
    p, params = float(rng.choice([0.6, 0.7, 0.8, 0.9])), _weights(rng, TRAINED, np.float32)
    case = {"sizes": list(TRAINED), "p": p, "seed": _seed(rng), "params": params}
    return {"x": x, "X": x[: len(Y)], "Y": Y, "order": _seed(rng), **case}


def _judge_training(inputs: dict, outputs: dict) -> str:
    from nnscratch.grade.fixtures import judged_accuracy, returned_params, validation

    params = returned_params(outputs["params"], "nets['dropout']")
    what = "nets['dropout'].forward on 200 validation images"
    ref.evaluation(outputs["eval"], plain(params).forward(inputs["x"])[0], what)
    steps = outputs["steps"]
    p, X, Y = float(inputs["p"]), inputs["X"], inputs["Y"]
    what = (
        f"{STEPS} steps of SGD (Network.train) with your DropoutNetwork, p_keep {p:g}, from the "
        "grader's weights"
    )
    if not isinstance(steps, list) or len(steps) != STEPS:
        raise CheckFailed(f"{what} ran forward on other batches than {STEPS} of {STEP_BATCH}.")
    weights = {k: np.asarray(v, dtype=np.float64) for k, v in inputs["params"].items()}
    order = np.random.default_rng(int(inputs["order"])).permutation(len(X))
    for k, hidden in enumerate(steps):
        rows = order[k * STEP_BATCH : (k + 1) * STEP_BATCH]
        keeps = ref.step_masks(hidden, X[rows], weights, what)
        weights = ref.thinned_step(weights, p, X[rows], Y[rows], keeps, STEP_LR)
    stepped = returned_params(outputs["stepped"], "the network after the steps")
    for key, W in weights.items():
        if key not in stepped or not np.allclose(stepped[key], W, rtol=1e-3, atol=1e-5):
            raise CheckFailed(
                f"{what} do not give the grader's {key}, SGD on the thinned networks of their "
                "forward passes (their masks): make the earlier checks pass first."
            )
    val = validation()
    acc = float(np.mean(plain(params).predict(val.x) == val.labels))
    acc = judged_accuracy(acc, "regularization", "nets['dropout']", outputs.get("quick"))
    return f"validation accuracy {acc:.4f} ({at_least('regularization')})"


@probe(_training_inputs, _judge_training)
def check_dropout_training(nets: Any, inputs: dict) -> dict:
    """The dropout network trained in the notebook is in evaluation mode, takes the grader's SGD
    steps through its masks, and reaches the expected accuracy on the grade's validation images
    (measured by the grader on its weights)."""
    from nnscratch.grade.fixtures import kernel_state

    if not isinstance(nets, dict) or "dropout" not in nets:
        raise CheckFailed(
            "nets should be a dict of trained networks with an entry 'dropout' (your "
            f"DropoutNetwork), got {type(nets).__name__}."
        )
    net = nets["dropout"]
    if not isinstance(net, Network) or type(net).forward is Network.forward:
        raise CheckFailed("nets['dropout'] should be your trained DropoutNetwork.")
    what = "nets['dropout'].forward on 200 validation images"
    evals = [_forward(net, inputs["x"], what)[0] for _ in range(2)]
    # a new network of the learner's class, with the grader's weights, trained a few steps
    twin, steps = _make(type(net), inputs, np.float32), []
    forward = twin.forward

    def recording(X):
        result = forward(X)
        if len(np.atleast_2d(X)) == STEP_BATCH and len(steps) <= STEPS:
            steps.append(_arrays(pair(result, "forward", "(activations, zs)")[0], "forward")[1:-1])
        return result

    twin.forward = recording
    train = Split(inputs["X"], inputs["Y"], inputs["Y"].argmax(axis=1))
    what = (
        f"{STEPS} steps of SGD (Network.train) with your DropoutNetwork from the grader's weights"
    )
    kwargs = {"epochs": 1, "lr": STEP_LR, "batch_size": STEP_BATCH, "verbose": False}
    call(twin.train, what, train, train.head(1), seed=int(inputs["order"]), **kwargs)
    return {
        "eval": evals,
        "steps": steps,
        "stepped": kernel_state(twin)["params"],
        **kernel_state(net),
    }
