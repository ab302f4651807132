"""Checks of exercise 6, regularization (``exercises/06_regularization.ipynb``).

Inverted dropout written by the learner: the function (its mask, its scaling by ``1/p_keep``, its
generator), a network that applies it to every hidden layer in training and not in evaluation,
the backward pass through the masks (against the course's errors recomputed with the same masks,
and central differences), the switch between the two modes inside ``Network.train``, and the
training. Weight decay is the package's (``nnscratch.optim.sgd(weight_decay=...)``, chapter 8).

Each check is a probe and a judge (:func:`~nnscratch.grade.harness.probe`): the probe runs the
learner's code on the grader's inputs (arrays, weights, the seeds of the generators and of the
data order) and returns the masks and values it observed; the judge decides from those, with
:mod:`~nnscratch.grade.dropout_reference` (the maths and the messages) and
:mod:`~nnscratch.grade.dropout_network` (the network check's probe and judge). Masks are random,
so the judges check the rules, not one draw: zeros where dropped, the rest scaled by ``1/p_keep``,
about a share p_keep kept, a new mask at every call, none in evaluation mode, errors and training
steps through the masks of their own forward pass. A network's masks are read from what its
forward pass returns: a hidden unit's sigmoid is never exactly 0, so a 0 in a hidden activation is
a dropped unit; the checks do not need to know where the learner keeps the masks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.data import Split
from nnscratch.grade import dropout_network as dn
from nnscratch.grade import dropout_reference as ref
from nnscratch.grade.contracts import forbidden, own, shares_memory, unchanged
from nnscratch.grade.dropout_reference import judged_mask, judged_once, plain
from nnscratch.grade.fixtures import at_least
from nnscratch.grade.harness import CheckFailed, array, call, pair, probe
from nnscratch.history import History
from nnscratch.network import Network

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
    seeds = [dn.seed_of(rng) for _ in range(4)]
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


def _judge_dropout(inputs: dict, outputs: dict) -> str:
    for A, p, got in zip(inputs["A"], inputs["p"], outputs["cases"], strict=True):
        what = _dropout_what(A, p)
        out, keep = judged_once(A, got, what)
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
    mask = {k: judged_mask(A, outputs[k], what) for k in ("same", "again", "first", "second")}
    if not np.array_equal(mask["same"], mask["again"]):
        raise CheckFailed(
            "dropout with two generators seeded alike gave two different masks: draw the mask "
            "from the rng argument (e.g. rng.random(A.shape) < p_keep), not from np.random's "
            "global state or a generator of your own."
        )
    other = judged_mask(A, outputs["other"], what)
    if np.array_equal(mask["first"], mask["second"]) or np.array_equal(mask["first"], other):
        raise CheckFailed(
            "dropout gave the same mask twice (from one generator called twice, or from two "
            "generators seeded differently): draw a new mask from rng at every call, so that "
            "every training step drops other units."
        )
    out, keep = judged_once(A, outputs["whole"], "dropout(A, p_keep=1.0, rng)")
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


@probe(dn.network_inputs, dn.judge_network)
def check_dropout_network(DropoutNetwork: type, inputs: dict) -> dict:
    """``DropoutNetwork``: in evaluation mode the whole network; in training mode every hidden
    layer dropped and scaled with a fresh mask from ``self.rng`` at ``self.p_keep``, and errors
    backpropagated through the masks (central differences)."""
    if not (isinstance(DropoutNetwork, type) and issubclass(DropoutNetwork, Network)):
        raise CheckFailed("DropoutNetwork should be a class derived from nnscratch's Network.")
    return {"cases": [dn.probe_network(DropoutNetwork, case) for case in inputs["cases"]]}


# --------------------------------------------------------------------------------------------
# The switch between the modes, inside Network.train
# --------------------------------------------------------------------------------------------


def _switch_inputs(rng: np.random.Generator) -> dict:
    """Weights, the network's seed, the seed of the data order, train (40), val (30) and a split
    one input too wide (16), all drawn from ``rng``."""
    case = {
        "sizes": list(dn.SIZES),
        "p": 0.5,
        "seed": dn.seed_of(rng),
        "params": dn.drawn_weights(rng, dn.SIZES),
    }
    toys = {
        "train": dn.toy_data(rng, 40, 6, 3),
        "val": dn.toy_data(rng, 30, 6, 3),
        "wide": dn.toy_data(rng, 16, 7, 3),
    }
    return {**case, **toys, "order": dn.seed_of(rng)}


def _judge_switch(inputs: dict, outputs: dict) -> str:
    what = dn.train_what(inputs)
    calls = outputs["calls"]
    if not isinstance(calls, list) or len(calls) > dn.MAX_CALLS:
        calls = []
    sizes = [np.shape(c.get("X")) if isinstance(c, dict) else () for c in calls]
    steps = [c for c, s in zip(calls, sizes) if s[:1] == (dn.BATCH,)]
    measured = [c for c, s in zip(calls, sizes) if s[:1] in ((40,), (30,))]
    if len(steps) != 10 or len(measured) != 4 or int(outputs["count"]) > dn.MAX_CALLS:
        raise CheckFailed(
            f"{what} ran forward on {len(steps)} batches and {len(measured)} whole splits; "
            "expected 10 batches (5 per epoch) and 4 splits (train and val after each epoch): "
            "let Network.train do the training, switching the mode around it."
        )
    steps = [dn.record(c, inputs["params"]) for c in steps]
    measured = [dn.record(c, inputs["params"]) for c in measured]
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
    weights = dn.judge_steps(inputs, steps, measured)
    val = inputs["val"]
    ref.evaluation(
        outputs["after"],
        plain(weights).forward(val["x"])[0],
        "net.forward(X) after net.train returned",
    )
    ref.failed_train_leaves_evaluation(outputs["failed_mode"])
    true = plain(weights).evaluate(dn.split_of(val))
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
        if len(calls) < dn.MAX_CALLS:
            calls.append((np.array(X), result, {k: np.array(v) for k, v in self.params.items()}))
        return result

    spy = type("DropoutNetwork", (DropoutNetwork,), {"forward": forward})
    net = dn.make(spy, inputs)
    train, val = dn.split_of(inputs["train"]), dn.split_of(inputs["val"])
    what = dn.train_what(inputs)
    kwargs = {"epochs": dn.EPOCHS, "lr": dn.LR, "batch_size": dn.BATCH, "verbose": False}
    history = call(net.train, what, train, val, seed=int(inputs["order"]), **kwargs)
    trained = count[0]  # the forward passes of train
    if not isinstance(history, History):
        raise CheckFailed(
            f"{what} returned {type(history).__name__}: return the History of Network.train."
        )
    recorded = [
        {"X": X, "acts": dn.copied(pair(result, what, "(activations, zs)")[0], what), "params": p}
        for X, result, p in calls
    ]
    after = [
        dn.forward_of(net, val.x, "net.forward(X) after net.train returned")[0] for _ in range(2)
    ]
    try:
        net.train(
            dn.split_of(inputs["wide"]), val, epochs=1, lr=dn.LR, batch_size=dn.BATCH, verbose=False
        )
    except Exception:  # noqa: BLE001 (the failure is the point; which one does not matter)
        pass
    failed_mode, evaluate = dn.mode_of(net), []
    for mode in (False, True):
        net.training = mode
        what = f"net.evaluate(val) with net.training = {mode}"
        measured = pair(call(net.evaluate, what, val), what, "(loss, accuracy)")
        evaluate.append([array(list(measured), what), dn.mode_of(net)])
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
    p, params = float(rng.choice([0.6, 0.7, 0.8, 0.9])), dn.drawn_weights(rng, TRAINED, np.float32)
    case = {"sizes": list(TRAINED), "p": p, "seed": dn.seed_of(rng), "params": params}
    return {"x": x, "X": x[: len(Y)], "Y": Y, "order": dn.seed_of(rng), **case}


def _judge_training(inputs: dict, outputs: dict) -> str:
    from nnscratch.grade.fixtures import judged_accuracy, returned_params, same_steps, validation

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
    thinned = ", SGD on the thinned networks of their forward passes (their masks)"
    same_steps(stepped, weights, what, thinned)
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
    evals = [dn.forward_of(net, inputs["x"], what)[0] for _ in range(2)]
    # a new network of the learner's class, with the grader's weights, trained a few steps
    twin, steps = dn.make(type(net), inputs, np.float32), []
    forward = twin.forward

    def recording(X):
        result = forward(X)
        if len(np.atleast_2d(X)) == STEP_BATCH and len(steps) <= STEPS:
            steps.append(
                dn.copied(pair(result, "forward", "(activations, zs)")[0], "forward")[1:-1]
            )
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
