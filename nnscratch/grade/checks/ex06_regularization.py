"""Checks of exercise 6, regularization (``exercises/06_regularization.ipynb``).

Inverted dropout written by the learner: the function (its mask, its scaling by ``1/p_keep``, its
generator), a network that applies it to every hidden layer in training and not in evaluation,
the backward pass through the masks (against the course's errors recomputed with the same masks,
and central differences), the switch between the two modes inside ``Network.train``, and the
training. Weight decay is the package's (``nnscratch.optim.sgd(weight_decay=...)``, chapter 8).

A network's masks are read from what its forward pass returns: a hidden unit's sigmoid is never
exactly 0, so a 0 in a hidden activation is a dropped unit; the checks do not need to know where
the learner keeps the masks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnscratch.activations import sigmoid, softmax
from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.grade.dropout_reference import (
    evaluation,
    evaluation_deltas,
    failed_train_leaves_evaluation,
    kept_fraction,
    library_dropouts,
    plain,
    scaling,
    thinned_loss,
    true_deltas,
)
from nnscratch.grade.fixtures import at_least, toy_batch, toy_split, trained_accuracy, weight_keys
from nnscratch.grade.harness import (
    CheckFailed,
    array,
    call,
    check,
    forbidden,
    own,
    pair,
    shape,
    shares_memory,
    unchanged,
)
from nnscratch.grade.settings import GRAD_TOL
from nnscratch.history import History
from nnscratch.network import Network

#: A network with two hidden layers, and one with three (a loop over the layers, as exercise 3).
SIZES, DEEP = (6, 20, 15, 3), (6, 12, 10, 8, 3)


def _numpy_only(what: str):
    return forbidden(
        what, library_dropouts(), "write it yourself with NumPy, as the exercise asks."
    )


def _dropout_once(dropout: Callable, A: np.ndarray, p: float, rng, what: str):
    """The learner's ``dropout(A, p, rng)``: checked shapes, 0/1 mask; returns (out, keep)."""
    with _numpy_only("dropout"), unchanged(what, "Backpropagation needs the activations.", A=A):
        result = call(dropout, what, A, p, rng)
    out, mask = pair(result, what, "(A_dropped, mask)")
    out, mask = array(out, f"the first result of {what}"), array(mask, f"the mask of {what}")
    shape(out, A.shape, what, "Dropout works elementwise: the result has the shape of A.")
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
    if out.dtype != A.dtype:
        raise CheckFailed(f"{what} returned dtype {out.dtype}: keep the dtype of A ({A.dtype}).")
    shares_memory(out, A, what)
    return out, mask.astype(bool)


@check
def check_dropout(dropout: Callable) -> None:
    """``dropout(A, p_keep, rng)`` returns ``(A * mask / p_keep, mask)``: each entry kept with
    probability p_keep, independently, drawn from ``rng``; A unchanged."""
    own(dropout, "dropout", "write inverted dropout yourself with NumPy.")
    data = np.random.default_rng(61)
    cases = [
        (data.random((200, 50)), 0.5),  # a batch of activations in (0, 1), float64
        (data.random((400, 30)).astype(np.float32), 0.8),  # float32
        (data.random(500), 0.5),  # one image's activations, a vector
    ]
    for A, p in cases:
        what = f"dropout(A, p_keep={p}, rng) for A of shape {A.shape} and dtype {A.dtype}"
        out, keep = _dropout_once(dropout, A, p, np.random.default_rng(62), what)
        scaling(out, A, keep, p, what)
        kept_fraction(keep, p, what)
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
    A, p = cases[0]
    what = f"dropout(A, p_keep={p}, rng)"
    same = [_dropout_once(dropout, A, p, np.random.default_rng(7), what)[1] for _ in range(2)]
    if not np.array_equal(*same):
        raise CheckFailed(
            "dropout with two generators seeded alike gave two different masks: draw the mask "
            "from the rng argument (e.g. rng.random(A.shape) < p_keep), not from np.random's "
            "global state or a generator of your own."
        )
    rng = np.random.default_rng(7)
    first, second = (_dropout_once(dropout, A, p, rng, what)[1] for _ in range(2))
    other = _dropout_once(dropout, A, p, np.random.default_rng(8), what)[1]
    if np.array_equal(first, second) or np.array_equal(first, other):
        raise CheckFailed(
            "dropout gave the same mask twice (from one generator called twice, or from two "
            "generators seeded differently): draw a new mask from rng at every call, so that "
            "every training step drops other units."
        )
    out, keep = _dropout_once(dropout, A, 1.0, rng, "dropout(A, p_keep=1.0, rng)")
    if not (keep.all() and np.allclose(out, A)):
        raise CheckFailed("dropout(A, p_keep=1.0, rng) should keep every unit and return A.")
    return (
        "A * mask / p_keep, each entry kept with probability p_keep, independently, a new mask "
        "from rng at every call; A unchanged"
    )


# --------------------------------------------------------------------------------------------
# The network: training and evaluation mode, forward and backward through the masks
# --------------------------------------------------------------------------------------------


def _make(DropoutNetwork: type, sizes: tuple, p: float, seed: int) -> Network:
    what = f"DropoutNetwork({sizes}, p_keep={p}, seed={seed}, dtype=np.float64)"
    net = call(DropoutNetwork, what, sizes, p_keep=p, seed=seed, dtype=np.float64)
    if not isinstance(net, Network):
        raise CheckFailed(f"{what} is not a Network: keep `class DropoutNetwork(Network)`.")
    return net


def _training_forward(net: Network, X: np.ndarray, what: str) -> tuple[list, list, list]:
    """The learner's forward in training mode, checked layer by layer; returns the activations,
    the weighted sums and the masks read from the hidden activations."""
    L, p = net.num_layers, float(net.p_keep)
    with unchanged(what, X=X, params=net.params):
        result = call(net.forward, what, X)
    activations, zs = pair(result, what, "(activations, zs)")
    if len(activations) != L + 1 or len(zs) != L:
        raise CheckFailed(
            f"{what} should return {L + 1} activations and {L} weighted sums, got "
            f"{len(activations)} and {len(zs)}: loop over the network's {L} layers."
        )
    acts = [
        np.asarray(array(a, f"{what}: A{i}"), dtype=np.float64) for i, a in enumerate(activations)
    ]
    Zs = [np.asarray(array(z, f"{what}: Z{i + 1}"), dtype=np.float64) for i, z in enumerate(zs)]
    if not np.allclose(acts[0], X):
        raise CheckFailed(
            f"{what}: activations[0] should be X itself: dropout is for hidden units."
        )
    keeps = []
    for l in range(1, L + 1):
        W = np.asarray(net.params[f"W{l}"], dtype=np.float64)
        shape(Zs[l - 1], (len(X), W.shape[0]), f"{what}: Z{l}")
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
            W_next = np.asarray(net.params[f"W{l + 1}"], dtype=np.float64)
            if not np.allclose(Zs[l], acts[l] @ W_next.T, rtol=1e-9, atol=1e-12):
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


def _training_backward(net: Network, X, Y, acts, Zs, keeps, what: str) -> float:
    """The learner's deltas through the masks, and the gradients they give against central
    differences of the thinned network's loss; returns the largest relative error."""
    true = true_deltas(net, acts, Zs, keeps, Y)
    what = f"net.deltas(activations, zs, Y) in training mode, sizes {net.sizes}"
    activations, zs = [a.copy() for a in acts], [z.copy() for z in Zs]
    with unchanged(what, activations=activations, zs=zs, Y=Y, params=net.params):
        deltas = call(net.deltas, what, activations, zs, Y)
    if not isinstance(deltas, (list, tuple)) or len(deltas) != net.num_layers:
        raise CheckFailed(f"{what} should return a list of {net.num_layers} errors.")
    no_mask = plain(net).deltas(acts, Zs, Y)
    for l in range(net.num_layers, 0, -1):
        mine = np.asarray(array(deltas[l - 1], f"{what}: Delta{l}"), dtype=np.float64)
        shape(mine, true[l - 1].shape, f"{what}: Delta{l}")
        if np.allclose(mine, true[l - 1], rtol=1e-9, atol=1e-12):
            continue
        p = float(net.p_keep)
        unscaled = true[l - 1] * p if l < net.num_layers else true[l - 1]
        hint = (
            " They ignore the mask: a dropped unit passed nothing forward, so it passes no error "
            "back; multiply by the layer's mask and 1/p_keep, as the forward pass did "
            "(delta_l = (W_(l+1)^T delta_(l+1)) * m_l / p_keep * sigma'(z_l))."
            if np.allclose(mine, no_mask[l - 1], rtol=1e-9, atol=1e-12)
            else " They miss the factor 1/p_keep of the forward pass."
            if np.allclose(mine, unscaled, rtol=1e-9, atol=1e-12) and l < net.num_layers
            else ""
        )
        raise CheckFailed(
            f"{what}: Delta{l} is not the error of the thinned network that forward ran "
            f"(relative error {rel_error(mine, true[l - 1]):.2e}), with the masks of that forward "
            f"pass (a 0 in activations[l] is a dropped unit).{hint}"
        )
    grads = call(net.backward, "net.backward(activations, zs, Y)", acts, Zs, Y)
    worst = 0.0
    for key in weight_keys(net.sizes):
        param = net.params[key]
        numeric = numerical_gradient(lambda _: thinned_loss(net, X, Y, keeps), param)
        err = rel_error(np.asarray(grads[key], dtype=np.float64), numeric)
        worst = max(worst, err)
        if err > GRAD_TOL:
            raise CheckFailed(
                f"net.backward in training mode, sizes {net.sizes}: d{key} disagrees with central "
                f"differences of the thinned network's loss (relative error {err:.2e})."
            )
    return worst


@check
def check_dropout_network(DropoutNetwork: type) -> None:
    """``DropoutNetwork``: in evaluation mode the whole network; in training mode every hidden
    layer dropped and scaled with a fresh mask from ``self.rng`` at ``self.p_keep``, and errors
    backpropagated through the masks (central differences)."""
    if not (isinstance(DropoutNetwork, type) and issubclass(DropoutNetwork, Network)):
        raise CheckFailed("DropoutNetwork should be a class derived from nnscratch's Network.")
    worst = 0.0
    for sizes, p in ((SIZES, 0.5), (DEEP, 0.8)):
        net = _make(DropoutNetwork, sizes, p, seed=3)
        X, Y = toy_batch(sizes[0], sizes[-1], 60, seed=4)
        evaluation(net, X, f"net.forward(X) of a new DropoutNetwork{sizes}")
        evaluation_deltas(net, X, Y, f"net.deltas(...) of a new DropoutNetwork{sizes}")
        net.training = True
        what = f"net.forward(X) with net.training = True, sizes {sizes}, p_keep {p:g}"
        first = _training_forward(net, X, what)[2]
        acts, Zs, keeps = _training_forward(net, X, what)  # deltas get this last pass
        if all(np.array_equal(a, b) for a, b in zip(first, keeps)):
            raise CheckFailed(
                f"{what}: two forward passes dropped the same units: draw a fresh mask at every "
                "forward pass in training (every step), from self.rng."
            )
        twin = _make(DropoutNetwork, sizes, p, seed=3)
        twin.training = True
        if not all(
            np.array_equal(a, b) for a, b in zip(first, _training_forward(twin, X, what)[2])
        ):
            raise CheckFailed(
                f"{what}: two networks made with the same seed dropped different units: draw the "
                "masks from the network's own generator, self.rng, so that a run can be repeated."
            )
        worst = max(worst, _training_backward(net, X, Y, acts, Zs, keeps, what))
        net.training = False  # the last training pass's masks stay behind for what follows
        evaluation(net, X, f"net.forward(X) after net.training = False, sizes {sizes}")
        evaluation_deltas(
            net, X, Y, "net.deltas(...) with net.training = False after a training pass"
        )
    return (
        "evaluation: the whole network; training: every hidden layer dropped and scaled by "
        "1/p_keep, a fresh mask from self.rng, 2 and 3 hidden layers; gradients through the masks "
        f"match central differences (max relative error {worst:.1e})"
    )


@check
def check_dropout_switch(DropoutNetwork: type) -> None:
    """``train`` runs its steps in training mode and measures the network in evaluation mode;
    afterwards the network is in evaluation mode."""
    calls: list[tuple[int, Any, dict]] = []

    def forward(self, X):
        result = DropoutNetwork.forward(self, X)
        params = {k: np.array(v) for k, v in self.params.items()}
        calls.append((len(np.atleast_2d(X)), result, params))
        return result

    spy = type("DropoutNetwork", (DropoutNetwork,), {"forward": forward})
    net = _make(spy, SIZES, 0.5, seed=9)
    train, val = toy_split(40, seed=10, n_in=6, n_out=3), toy_split(30, seed=11, n_in=6, n_out=3)
    what = "net.train(train, val, epochs=2, lr=0.5, batch_size=8) on 40 toy images"
    history = call(net.train, what, train, val, epochs=2, lr=0.5, batch_size=8, verbose=False)
    if not isinstance(history, History):
        raise CheckFailed(
            f"{what} returned {type(history).__name__}: return the History of Network.train."
        )
    steps = [c for c in calls if c[0] == 8]
    measured = [c for c in calls if c[0] in (len(train), len(val))]
    if len(steps) != 10 or len(measured) != 4:
        raise CheckFailed(
            f"{what} ran forward on {len(steps)} batches and {len(measured)} whole splits; "
            "expected 10 batches (5 per epoch) and 4 splits (train and val after each epoch): "
            "let Network.train do the training, switching the mode around it."
        )
    for k, (_, (activations, _), _) in enumerate(steps):
        hidden = np.concatenate([np.ravel(a) for a in activations[1:-1]])
        if np.all(hidden != 0):
            raise CheckFailed(
                f"{what}: step {k + 1} of 10 ran without dropout: every training step runs in "
                "training mode. Set it in train before Network.train runs, and make evaluate put "
                "back the mode it found (Network.train evaluates after every epoch)."
            )
    for _, (activations, _), params in measured:
        ref = Network(SIZES, dtype=np.float64)
        ref.params = params
        X = activations[0]
        if not np.allclose(np.asarray(activations[-1]), ref.forward(X)[0][-1], rtol=1e-9):
            raise CheckFailed(
                f"{what}: the losses and accuracies it recorded after an epoch were measured with "
                "dropout on (a random thinned network): evaluate runs in evaluation mode."
            )
    evaluation(net, val.x, "net.forward(X) after net.train returned")
    wide = toy_split(16, seed=12, n_in=7, n_out=3)  # one input too many: train fails
    failed_train_leaves_evaluation(net, wide, val)
    true = plain(net).evaluate(val)
    for mode in (False, True):
        net.training = mode
        what = f"net.evaluate(val) with net.training = {mode}"
        measured = pair(call(net.evaluate, what, val), what, "(loss, accuracy)")
        if not np.allclose(np.asarray(measured, dtype=np.float64), true, rtol=1e-9):
            raise CheckFailed(f"{what} measured a thinned network: it runs in evaluation mode.")
        if net.training is not mode:
            raise CheckFailed(
                f"{what} left net.training = {net.training!r}: put back the mode evaluate found "
                "(Network.train calls it between two epochs of steps; called on its own, it must "
                "leave the network as it was)."
            )
    net.training = False
    return (
        "steps in training mode, measurements in evaluation mode, the mode put back; after "
        "train, evaluation mode"
    )


@check
def check_dropout_training(nets: Any) -> None:
    """The dropout network trained in the notebook is in evaluation mode and reaches the expected
    accuracy on the grade's validation images."""
    if not isinstance(nets, dict) or "dropout" not in nets:
        raise CheckFailed(
            "nets should be a dict of trained networks with an entry 'dropout' (your "
            f"DropoutNetwork), got {type(nets).__name__}."
        )
    net = nets["dropout"]
    if not isinstance(net, Network) or type(net).forward is Network.forward:
        raise CheckFailed("nets['dropout'] should be your trained DropoutNetwork.")
    from nnscratch.grade.fixtures import validation

    sample = validation().x[:200]
    evaluation(net, sample, "nets['dropout'].forward on 200 validation images")
    acc = trained_accuracy(net, "regularization", "nets['dropout']")
    return f"validation accuracy {acc:.4f} ({at_least('regularization')})"
