"""Exercise 6's dropout network as the checks see it: the probe and the judge of its forward
and backward passes in both modes (``check_dropout_network``), the helpers the other probes share
(the learner's network made with the grader's weights, its forward pass as plain data), and the
judge of the switch check's training steps.

The probe runs in the learner's kernel and only collects; the judge, in the grader, compares with
:mod:`nnscratch.grade.dropout_reference`. A network's masks are read from what its forward pass
returns: a hidden unit's sigmoid is never exactly 0, so a 0 in a hidden activation is a dropped
unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.activations import sigmoid, softmax
from nnscratch.data import Split
from nnscratch.gradcheck import rel_error
from nnscratch.grade import dropout_reference as ref
from nnscratch.grade.contracts import unchanged
from nnscratch.grade.dropout_reference import (
    EVALUATION_DELTAS,
    arrays,
    kept_fraction,
    plain,
    scaling,
    thinned_loss,
    true_deltas,
)
from nnscratch.grade.harness import CheckFailed, array, call, pair, shape
from nnscratch.network import Network

#: A network with two hidden layers, and one with three (a loop over the layers, as exercise 3).
SIZES, DEEP = (6, 20, 15, 3), (6, 12, 10, 8, 3)
#: The switch check's training: 40 toy images, 2 epochs of 5 batches of 8, then 2 measurements
#: per epoch (train, val); at most MAX_CALLS forward passes are recorded.
EPOCHS, LR, BATCH, MAX_CALLS = 2, 0.5, 8, 40


def drawn_weights(rng: np.random.Generator, sizes: tuple, dtype: type = np.float64) -> dict:
    """Weights drawn from ``rng`` at the fan-in scale, ``W1 .. WL``."""
    return {
        f"W{l}": (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(dtype)
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
    }


def toy_data(rng: np.random.Generator, n: int, n_in: int, n_out: int) -> dict:
    """``n`` toy inputs in [0, 1) and their one-hot targets."""
    return {"x": rng.random((n, n_in)), "y": np.eye(n_out)[rng.integers(0, n_out, n)]}


def seed_of(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31))


def mode_of(net: Any) -> Any:
    """``net.training`` as plain data: the bool itself, else its repr."""
    mode = getattr(net, "training", None)
    return bool(mode) if isinstance(mode, (bool, np.bool_)) else repr(mode)[:60]


def forward_of(net: Network, X: np.ndarray, what: str) -> list:
    """``net.forward(X)``, the learner's (activations, zs) as two lists of arrays."""
    activations, zs = pair(call(net.forward, what, X), what, "(activations, zs)")
    return [copied(activations, what), copied(zs, what)]


def copied(values: Any, what: str) -> list[np.ndarray]:
    """The learner's list of arrays, copied (the learner's arrays may change later)."""
    if not isinstance(values, (list, tuple)):
        raise CheckFailed(f"{what} should return lists of arrays, got {type(values).__name__}.")
    return [np.array(array(v, what)) for v in values]


def make(DropoutNetwork: type, case: dict, dtype: type = np.float64) -> Network:
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


def network_inputs(rng: np.random.Generator) -> dict:
    """For each shape: weights, a batch of 60 toy images with targets, the network's seed, and
    the whole network's activations, weighted sums (what deltas gets in evaluation mode)."""
    cases = []
    for sizes, p in ((SIZES, 0.5), (DEEP, 0.8)):
        params, toy = drawn_weights(rng, sizes), toy_data(rng, 60, sizes[0], sizes[-1])
        acts, zs = plain(params).forward(toy["x"])
        case = {"sizes": list(sizes), "p": p, "seed": seed_of(rng), "params": params}
        cases.append({**case, "X": toy["x"], "Y": toy["y"], "acts": acts, "zs": zs})
    return {"cases": cases}


def probe_network(DropoutNetwork: type, case: dict) -> dict:
    net, X, Y = make(DropoutNetwork, case), case["X"], case["Y"]
    sizes = tuple(int(n) for n in case["sizes"])

    def evaluation(what: str) -> list:
        return [forward_of(net, X, what)[0] for _ in range(2)]

    def deltas(what: str) -> list:
        acts, zs = [a.copy() for a in case["acts"]], [z.copy() for z in case["zs"]]
        try:
            return copied(call(net.deltas, what, acts, zs, Y.copy()), what)
        except CheckFailed as err:
            raise CheckFailed(f"{err} {EVALUATION_DELTAS}") from None

    def training(on: Network) -> list:
        with unchanged(what, X=X, params=on.params):
            return forward_of(on, X, what)

    def backward() -> dict:
        copies = lambda: [[a.copy() for a in v] for v in _measured(out["second"])]  # noqa: E731
        (acts, zs), Y_ = copies(), Y.copy()
        what = f"net.deltas(activations, zs, Y) in training mode, sizes {sizes}"
        with unchanged(what, activations=acts, zs=zs, Y=Y_, params=net.params):
            found = call(net.deltas, what, acts, zs, Y_)
        grads = call(net.backward, "net.backward(activations, zs, Y)", *copies(), Y.copy())
        if not isinstance(grads, dict):
            raise CheckFailed("net.backward(activations, zs, Y) should return a dict of arrays.")
        as_array = lambda v, w: array(v, w) if v is not None else None  # noqa: E731
        grads = {str(k): as_array(v, f"d{k}") for k, v in grads.items() if str(k).startswith("W")}
        return {"deltas": copied(found, what), "grads": grads}

    out = {
        "eval": _attempt(lambda: evaluation(f"net.forward(X) of a new DropoutNetwork{sizes}")),
        "eval_deltas": _attempt(lambda: deltas(f"net.deltas(...) of a new DropoutNetwork{sizes}")),
    }
    net.training = True
    what = f"net.forward(X) with net.training = True, sizes {sizes}, p_keep {case['p']:g}"
    out["first"] = _attempt(lambda: training(net))
    out["second"] = _attempt(lambda: training(net))  # deltas get this last pass
    out["backward"] = _attempt(backward)
    twin = make(DropoutNetwork, case)
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


def training_forward(got: Any, params: dict, p: float, X: np.ndarray, what: str):
    """Judge a forward pass in training mode (``got``: the probe's ``[activations, zs]``) of the
    network with ``params`` and ``p_keep = p`` on ``X``, layer by layer; returns the activations,
    the weighted sums (float64) and the masks read from the hidden activations."""
    L = len(params)
    activations, zs = (arrays(v, what) for v in got)
    if len(activations) != L + 1 or len(zs) != L:
        raise CheckFailed(
            f"{what} should return {L + 1} activations and {L} weighted sums, got "
            f"{len(activations)} and {len(zs)}: loop over the network's {L} layers."
        )
    acts = [np.asarray(a, dtype=np.float64) for a in activations]
    Zs = [np.asarray(z, dtype=np.float64) for z in zs]
    shape(acts[0], X.shape, f"{what}: activations[0]")
    if not np.allclose(acts[0], X):
        raise CheckFailed(
            f"{what}: activations[0] should be X itself: dropout is for hidden units."
        )
    keeps = []
    for l in range(1, L + 1):
        W = params[f"W{l}"]
        shape(Zs[l - 1], (len(X), W.shape[0]), f"{what}: Z{l}")
        shape(acts[l], (len(X), W.shape[0]), f"{what}: A{l}")
        true_Z = acts[l - 1] @ W.T
        if not np.allclose(Zs[l - 1], true_Z, rtol=1e-9, atol=1e-12):
            hint = (
                f" The next layer must receive the dropped and scaled activations of layer "
                f"{l - 1}, the ones in activations[{l - 1}]."
                if l > 1 and np.allclose(Zs[l - 1], sigmoid(Zs[l - 2]) @ W.T, rtol=1e-9)
                else f" Z{l} holds zeros where the weighted sums do not: dropout applies to a "
                "hidden layer's activations, sigmoid(Z), not to its weighted sums Z (a dropped "
                "unit outputs 0, and sigmoid(0) is 1/2)."
                if np.any(Zs[l - 1] == 0) and not np.any(true_Z == 0)
                else ""
            )
            raise CheckFailed(f"{what}: Z{l} is not activations[{l - 1}] W{l}^T.{hint}")
        A = sigmoid(Zs[l - 1])
        if l == L:
            if not np.allclose(acts[L], softmax(Zs[L - 1]), rtol=1e-9, atol=1e-12):
                raise CheckFailed(
                    f"{what}: the output layer should be softmax(Z{L}), no unit dropped: dropout "
                    "is for the hidden layers only."
                )
            continue
        keep = acts[l] != 0
        if keep.all() and np.allclose(acts[l], A, rtol=1e-9):
            shape(Zs[l], (len(X), params[f"W{l + 1}"].shape[0]), f"{what}: Z{l + 1}")
            if not np.allclose(Zs[l], acts[l] @ params[f"W{l + 1}"].T, rtol=1e-9, atol=1e-12):
                raise CheckFailed(
                    f"{what}: activations[{l}] holds the activations before dropout, but layer "
                    f"{l + 1} received others: return the dropped and scaled ones, what the next "
                    "layer received (backpropagation multiplies the errors by them)."
                )
            raise CheckFailed(
                f"{what}: with net.training True, hidden layer {l} drops no unit: in training "
                "mode, forward applies dropout to every hidden layer's activations."
            )
        kept_fraction(keep, p, f"{what}: hidden layer {l}")
        scaling(acts[l], A, keep, p, f"{what}: hidden layer {l}")
        keeps.append(keep)
    return acts, Zs, keeps


def training_backward(got: dict, case: dict, acts: list, Zs: list, keeps: list) -> float:
    """Judge the learner's deltas through the masks of the forward pass they follow (``acts``,
    ``Zs``, ``keeps``), and the gradients its backward gives against central differences of the
    thinned network's loss; returns the largest relative error."""
    from nnscratch.gradcheck import numerical_gradient
    from nnscratch.grade.settings import GRAD_TOL

    params, p, X, Y = case["params"], float(case["p"]), case["X"], case["Y"]
    sizes, L = tuple(int(n) for n in case["sizes"]), len(params)
    true = true_deltas(params, p, acts, Zs, keeps, Y)
    what = f"net.deltas(activations, zs, Y) in training mode, sizes {sizes}"
    deltas = arrays(got["deltas"], what)
    if len(deltas) != L:
        raise CheckFailed(f"{what} should return a list of {L} errors.")
    no_mask = plain(params).deltas(acts, Zs, Y)
    for l in range(L, 0, -1):
        mine = np.asarray(deltas[l - 1], dtype=np.float64)
        shape(mine, true[l - 1].shape, f"{what}: Delta{l}")
        if np.allclose(mine, true[l - 1], rtol=1e-9, atol=1e-12):
            continue
        unscaled = true[l - 1] * p if l < L else true[l - 1]
        hint = (
            " They ignore the mask: a dropped unit passed nothing forward, so it passes no error "
            "back; multiply by the layer's mask and 1/p_keep, as the forward pass did "
            "(delta_l = (W_(l+1)^T delta_(l+1)) * m_l / p_keep * sigma'(z_l))."
            if np.allclose(mine, no_mask[l - 1], rtol=1e-9, atol=1e-12)
            else " They miss the factor 1/p_keep of the forward pass."
            if np.allclose(mine, unscaled, rtol=1e-9, atol=1e-12) and l < L
            else ""
        )
        raise CheckFailed(
            f"{what}: Delta{l} is not the error of the thinned network that forward ran "
            f"(relative error {rel_error(mine, true[l - 1]):.2e}), with the masks of that forward "
            f"pass (a 0 in activations[l] is a dropped unit).{hint}"
        )
    grads = got["grads"]
    worst, weights = 0.0, {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    for key, param in weights.items():
        mine = array(grads.get(key) if isinstance(grads, dict) else None, f"d{key}")
        shape(mine, param.shape, f"net.backward(activations, zs, Y): d{key}")
        numeric = numerical_gradient(lambda _: thinned_loss(weights, p, X, Y, keeps), param)
        err = rel_error(np.asarray(mine, dtype=np.float64), numeric)
        worst = max(worst, err)
        if not err <= GRAD_TOL:
            raise CheckFailed(
                f"net.backward in training mode, sizes {sizes}: d{key} disagrees with central "
                f"differences of the thinned network's loss (relative error {err:.2e})."
            )
    return worst


def _judge_network_case(case: dict, got: dict) -> float:
    sizes, p, X, Y = tuple(int(n) for n in case["sizes"]), float(case["p"]), case["X"], case["Y"]
    whole = plain(case["params"])
    acts, zs = whole.forward(X)
    true_eval, whole_deltas = acts, whole.deltas(acts, zs, Y)
    what = f"net.forward(X) of a new DropoutNetwork{sizes}"
    ref.evaluation(_measured(got["eval"]), true_eval, what)
    what = f"net.deltas(...) of a new DropoutNetwork{sizes}"
    ref.evaluation_deltas(_measured(got["eval_deltas"]), whole_deltas, what)
    what = f"net.forward(X) with net.training = True, sizes {sizes}, p_keep {p:g}"
    first = training_forward(_measured(got["first"]), case["params"], p, X, what)[2]
    acts, Zs, keeps = training_forward(_measured(got["second"]), case["params"], p, X, what)
    if all(np.array_equal(a, b) for a, b in zip(first, keeps)):
        raise CheckFailed(
            f"{what}: two forward passes dropped the same units: draw a fresh mask at every "
            "forward pass in training (every step), from self.rng."
        )
    for l, (k1, k2) in enumerate(zip(keeps, keeps[1:]), start=1):
        m = min(k1.shape[1], k2.shape[1])  # independent masks agree on all these by chance: never
        if np.array_equal(k1[:, :m], k2[:, :m]):
            raise CheckFailed(
                f"{what}: hidden layers {l} and {l + 1} dropped the same units (layer {l + 1}'s "
                f"mask repeats layer {l}'s): draw each layer's own mask, from self.rng."
            )
    twin = training_forward(_measured(got["twin"]), case["params"], p, X, what)[2]
    if not all(np.array_equal(a, b) for a, b in zip(first, twin)):
        raise CheckFailed(
            f"{what}: two networks made with the same seed dropped different units: draw the "
            "masks from the network's own generator, self.rng, so that a run can be repeated."
        )
    worst = training_backward(_measured(got["backward"]), case, acts, Zs, keeps)
    what = f"net.forward(X) after net.training = False, sizes {sizes}"
    ref.evaluation(_measured(got["eval_after"]), true_eval, what)
    what = "net.deltas(...) with net.training = False after a training pass"
    ref.evaluation_deltas(_measured(got["eval_deltas_after"]), whole_deltas, what)
    return worst


def judge_network(inputs: dict, outputs: dict) -> str:
    worst = max(
        _judge_network_case(case, got)
        for case, got in zip(inputs["cases"], outputs["cases"], strict=True)
    )
    return (
        "evaluation: the whole network; training: every hidden layer dropped and scaled by "
        "1/p_keep, a fresh mask from self.rng, 2 and 3 hidden layers; gradients through the masks "
        f"match central differences (max relative error {worst:.1e})"
    )


def expected_calls(inputs: dict) -> list[tuple[str, np.ndarray]]:
    """The split and its rows that Network.train's forward passes get, in order: a step's batch
    of train, or a whole split measured ("train" or "val" whole, the rows None)."""
    rng, calls, n = np.random.default_rng(int(inputs["order"])), [], len(inputs["train"]["x"])
    for _ in range(EPOCHS):
        order = rng.permutation(n)
        calls += [("step", order[i : i + BATCH]) for i in range(0, n, BATCH)]
        calls += [("train", None), ("val", None)]
    return calls


def record(got: Any, params: dict) -> tuple[np.ndarray, list, dict]:
    """One recorded forward pass (its X, activations and the weights it ran with), checked."""
    X, acts = array(got["X"], "X"), arrays(got["acts"], "activations")
    found = got["params"] if isinstance(got["params"], dict) else {}
    weights = {k: array(found.get(k), f"params[{k!r}]") for k in params}
    for k, W in weights.items():
        shape(W, params[k].shape, f"params[{k!r}]")
    if X.ndim != 2 or X.shape[1] != SIZES[0] or len(acts) != len(SIZES):
        raise CheckFailed("net.forward in train should return one activation per layer.")
    return X, acts, weights


def judge_steps(inputs: dict, steps: list, measured: list) -> dict[str, np.ndarray]:
    """The steps' weights against SGD on the thinned networks their forward passes ran (their
    masks), from the grader's weights and the data order of the grader's seed; returns the weights
    after training."""
    what, p = train_what(inputs), float(inputs["p"])
    train, val, weights = inputs["train"], inputs["val"], dict(inputs["params"])
    for k, (kind, rows) in enumerate(expected_calls(inputs)):
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


def split_of(toy: dict) -> Split:
    return Split(toy["x"], toy["y"], toy["y"].argmax(axis=1))


def train_what(inputs: dict) -> str:
    return (
        f"net.train(train, val, epochs={EPOCHS}, lr={LR}, batch_size={BATCH}, "
        f"seed={inputs['order']}) on 40 toy images"
    )
