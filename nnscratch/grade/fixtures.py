"""What the checks share: seeded toy problems, reference networks, test doubles, and the hints that
name a common mistake from the numbers it produces.

Everything is generated here with fixed seeds at grading time; no expected value is stored.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from nnscratch.activations import softmax
from nnscratch.data import Split
from nnscratch.gradcheck import rel_error
from nnscratch.grade.harness import CheckFailed, array, call, keyed, shape
from nnscratch.grade.settings import current
from nnscratch.network import Network

# --------------------------------------------------------------------------------------------
# Toy problems and reference networks
# --------------------------------------------------------------------------------------------


def toy_batch(n_in: int, n_out: int, batch: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random float64 inputs ``(batch, n_in)`` in [0, 1) and one-hot targets ``(batch, n_out)``."""
    rng = np.random.default_rng(seed)
    return rng.random((batch, n_in)), np.eye(n_out)[rng.integers(0, n_out, batch)]


def toy_split(n: int, seed: int, n_in: int = 6, n_out: int = 3) -> Split:
    """A :class:`~nnscratch.data.Split` of ``n`` toy samples."""
    X, Y = toy_batch(n_in, n_out, n, seed)
    return Split(X, Y, Y.argmax(axis=1))


def network(sizes: tuple[int, ...], seed: int, biases: bool = False, cls: type = Network):
    """A float64 reference network; with ``biases``, drawn at random so that they matter."""
    net = cls(sizes, seed=seed, biases=biases, dtype=np.float64)
    if biases:
        rng = np.random.default_rng(seed + 100)
        for l in range(1, len(sizes)):
            net.params[f"b{l}"] = rng.normal(0.0, 0.5, sizes[l])
    return net


def weight_keys(sizes: tuple[int, ...]) -> list[str]:
    return [f"W{l}" for l in range(1, len(sizes))]


def toy_images(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """``n`` random float32 images (784 pixels), their one-hot targets and labels."""
    labels = rng.integers(0, 10, n)
    return rng.random((n, 784), dtype=np.float32), np.eye(10, dtype=np.float32)[labels], labels


# --------------------------------------------------------------------------------------------
# Test doubles, and what a learner's function may not call
# --------------------------------------------------------------------------------------------


class Recorder(Network):
    """A float64 network that records, for every batch it runs forward, the rows of ``X`` and a
    copy of its parameters at that moment (so a check can replay the steps between batches)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []

    def forward(self, X):  # noqa: D102
        self.calls.append((np.array(X, copy=True), {k: v.copy() for k, v in self.params.items()}))
        return super().forward(X)


def network_methods(*names: str) -> list[tuple[Any, str, str]]:
    """The course network's methods ``names``, as :func:`~.contracts.forbidden` takes them."""
    return [(Network, name, f"Network.{name}") for name in names]


def fast_steps() -> list[tuple[Any, str, str]]:
    """The package's ready-made SGD steps and update rule."""
    from nnscratch import fast, optim

    names = [(fast, n, f"nnscratch.fast.{n}") for n in ("sgd_step", "sgd_batch_step", "sgd_epoch")]
    return [*names, (optim, "sgd", "nnscratch.optim.sgd")]


def library_relus() -> list[tuple[Any, str, str]]:
    """The ReLU of the learning libraries that are loaded (PyTorch, TensorFlow, Keras)."""
    import sys

    out = []
    torch = sys.modules.get("torch")
    if torch is not None:
        functional = torch.nn.functional
        out += [(torch, n, f"torch.{n}") for n in ("relu", "clamp", "clamp_min", "heaviside")]
        out += [(functional, "relu", "torch.nn.functional.relu")]
        out += [(torch.Tensor, n, f"torch.Tensor.{n}") for n in ("relu", "clamp", "clamp_min")]
    for name in ("keras", "tensorflow"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "nn" if name == "tensorflow" else "activations"):
            owner = module.nn if name == "tensorflow" else module.activations
            out.append((owner, "relu", f"{name}'s relu"))
    return out


def library_optimizers() -> list[tuple[Any, str, str]]:
    """Creating or stepping any ``torch.optim`` optimizer (and Keras's, if Keras is loaded)."""
    import sys

    import torch

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    out = [(torch.optim.Optimizer, "__init__", "torch.optim (it created an optimizer)")]
    for cls in subclasses(torch.optim.Optimizer):
        if "step" in vars(cls):
            out.append((cls, "step", f"{cls.__module__}.{cls.__qualname__}.step"))
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "optimizers"):
        base = keras.optimizers.Optimizer
        out += [(base, n, f"keras.optimizers.Optimizer.{n}") for n in ("__init__", "apply")]
    return out


# --------------------------------------------------------------------------------------------
# Hints from the numbers
# --------------------------------------------------------------------------------------------


def gradient_ratio(mine: np.ndarray, true: np.ndarray) -> float | None:
    """The factor c when ``mine`` is about c * ``true`` (least squares), else None."""
    denom = float(np.sum(true * true))
    if denom == 0:
        return None
    c = float(np.sum(mine * true) / denom)
    return c if rel_error(mine, c * true) < 1e-6 else None


def gradient_hint(key: str, mine: np.ndarray, true: np.ndarray, batch: int) -> str:
    """A sentence naming the mistake when ``mine`` is a multiple of the true gradient, else ''."""
    c = gradient_ratio(mine, true)
    if c is None:
        return ""
    if abs(c - batch) < 1e-6 * batch:
        return (
            f" It is exactly {batch} (the batch size) times the true gradient: the loss is the "
            "*mean* over the batch, so average the per-sample gradients instead of summing them."
        )
    if abs(c + 1) < 1e-6:
        return f" It is the true gradient with the opposite sign: check the sign of d{key}."
    if abs(c - 1) < 1e-3:
        return (
            " It is the true gradient up to rounding: compute in float64, the dtype of the arrays "
            "the check passes (a cast to float32 loses the digits the check compares)."
        )
    if abs(c) > 1e-12:
        return f" It is {c:.4g} times the true gradient: look for a missing or extra factor."
    return ""


def stable_softmax(a_last: Any, z_last: Any, what: str, L: int) -> None:
    """CheckFailed unless ``a_last`` is the softmax of the large logits ``z_last``, finite: the
    learner's own softmax must not overflow (``np.exp`` gives inf above about 709 in float64)."""
    z = np.asarray(z_last, dtype=np.float64)
    a = np.asarray(a_last, dtype=np.float64)
    big = float(np.max(np.abs(z)))
    if a.shape == z.shape and np.all(np.isfinite(a)) and np.allclose(a, softmax(z), atol=1e-9):
        return
    found = "holds NaN or inf" if not np.all(np.isfinite(a)) else "is not softmax(Z) row by row"
    raise CheckFailed(
        f"{what}: with logits Z{L} as large as {big:.0f}, A{L} {found}. np.exp overflows to inf "
        "above about 709 (88 in float32), and inf / inf is NaN. Since softmax(z) = softmax(z - c) "
        "for any number c, subtract each row's largest logit before exponentiating (as the "
        "course's softmax does): the largest exponent is then 0."
    )


def validation() -> Split:
    """The validation split the grade evaluates trained networks on: the grader's choice (the
    full 9,000 images, or the quick slice of 1,000), whatever the notebook loaded or changed."""
    from nnscratch.data import mnist_splits

    return mnist_splits(quick=current().quick).val


def at_least(key: str) -> str:
    """'at least 0.95, full grade': the training check ``key``'s minimum, for a PASS line."""
    settings = current()
    return f"at least {settings.min_accuracy(key):.2f}, {settings.mode} grade"


#: What a failed training check says in a quick grade, for networks that learn slowly.
SLOW_IN_QUICK = {
    "loops_deep": " Make the earlier checks pass first. A five-layer sigmoid network learns slowly "
    "(its errors pass through four sigmoid derivatives, each at most 1/4, on the way back), and a "
    "quick grade trains on a slice for a few epochs: run a full grade (without --quick) before "
    "looking for a mistake.",
}


def validation_rows(rng: np.random.Generator, n: int = 100) -> np.ndarray:
    """``n`` images of the grade's validation split, chosen by ``rng``: a probe's inputs."""
    val = validation()
    return val.x[np.sort(rng.choice(len(val), size=min(n, len(val)), replace=False))]


def kernel_state(net: Any) -> dict:
    """What a training check's probe reports of a trained network: its parameters (arrays) and
    whether its kernel ran in quick mode (for the message of a too low accuracy)."""
    from nnscratch.config import is_quick

    params = getattr(net, "params", None)
    if not isinstance(params, dict):
        raise CheckFailed(
            f"the trained network has no dict of parameters `params`, got {params!r:.60}."
        )
    return {"params": {str(k): np.asarray(v) for k, v in params.items()}, "quick": is_quick()}


#: The most weights and layers a returned network may have (the course's: 109,184 weights, 3
#: layers): the grader runs it on its validation images, and a huge or deep one would only make
#: that slow and large.
MAX_PARAMS, MAX_LAYERS = 4_000_000, 20


def too_big(params: dict, what: str) -> None:
    """CheckFailed for a returned network of more than :data:`MAX_PARAMS` weights or
    :data:`MAX_LAYERS` layers."""
    total = sum(np.size(v) for v in params.values() if isinstance(v, np.ndarray))
    layers = sum(1 for k in params if str(k).startswith("W"))
    if total > MAX_PARAMS or layers > MAX_LAYERS or len(params) > 2 * MAX_LAYERS:
        raise CheckFailed(
            f"{what} has {total:,} parameters in {layers} layers: a grade evaluates networks of "
            f"at most {MAX_PARAMS:,} parameters and {MAX_LAYERS} layers."
        )


def returned_params(value: Any, what: str, biases: bool = False) -> dict[str, np.ndarray]:
    """The parameters a probe returned (``W1 .. WL``, ``b1 .. bL`` with ``biases``), as float64
    arrays of chained shapes from 784 inputs to 10 outputs, :data:`MAX_PARAMS` at most;
    CheckFailed for anything else."""
    if not isinstance(value, dict) or not value:
        raise CheckFailed(
            f"{what}: its parameters should be a dict of arrays, got {type(value).__name__}."
        )
    too_big(value, what)
    L = sum(1 for k in value if k.startswith("W"))
    keys = [f"W{l}" for l in range(1, L + 1)] + (
        [f"b{l}" for l in range(1, L + 1)] if biases else []
    )
    params = keyed(value, f"{what}.params", keys)
    out, n_in = {}, 784
    for l in range(1, L + 1):
        W = array(params[f"W{l}"], f"{what}.params['W{l}']")
        if W.ndim != 2 or W.shape[1] != n_in or W.size > 10**7:
            raise CheckFailed(
                f"{what}.params['W{l}'] has shape {W.shape}, expected (n_{l}, {n_in})."
            )
        out[f"W{l}"], n_in = W.astype(np.float64), W.shape[0]
        if biases:
            b = array(params[f"b{l}"], f"{what}.params['b{l}']")
            shape(b, (n_in,), f"{what}.params['b{l}']")
            out[f"b{l}"] = b.astype(np.float64)
    if n_in != 10:
        raise CheckFailed(
            f"{what}: its last layer has {n_in} outputs, expected 10 (one per digit)."
        )
    return out


def judged_accuracy(acc: float, key: str, what: str, kernel_quick: bool = False) -> float:
    """``acc``, the validation accuracy the grader measured; CheckFailed below the grade's minimum
    for ``key`` (:data:`~.settings.MIN_ACCURACY`), with a hint: the notebook's quick mode in a
    full grade, a slow network in a quick one, else the earlier checks, the rate, the epochs."""
    settings, val = current(), validation()
    minimum = settings.min_accuracy(key)
    if not np.isfinite(acc):
        raise CheckFailed(
            f"{what}: the network's outputs are not finite numbers. Look for NaN in the "
            "parameters (a learning rate that is too large?)."
        )
    if acc >= minimum:
        return acc
    hint = (
        " This notebook ran in quick mode (NNSCRATCH_QUICK is set in its kernel, e.g. by "
        "%env), so it trained on a slice of MNIST; this is a full grade: remove that setting."
        if settings.graded and not settings.quick and kernel_quick is True
        else SLOW_IN_QUICK[key]
        if settings.quick and key in SLOW_IN_QUICK
        else " Make the earlier checks pass first; then check the learning rate and the "
        "number of epochs."
    )
    raise CheckFailed(
        f"{what} reaches a validation accuracy of {acc:.4f} on the {len(val):,} validation "
        f"images, below the {minimum:.2f} this exercise expects ({settings.mode} grade).{hint}"
    )


def same_steps(stepped: dict, expected: dict, what: str, reference: str = "") -> None:
    """The parameters after the learner's training steps are the grader's (``expected``), to
    float32's precision. ``what`` names the steps: "12 steps of SGD with your ReLUNetwork, from
    the grader's weights"; ``reference``, if given, what the grader's steps are."""
    for key, W in expected.items():
        mine = stepped.get(key)
        if mine is None or mine.shape != W.shape or not np.allclose(mine, W, rtol=1e-3, atol=1e-5):
            raise CheckFailed(
                f"{what}, do not give the grader's {key}{reference}: make the earlier checks pass "
                "first."
            )


def train_steps(net: Any, inputs: dict, what: str, **how: Any) -> None:
    """One epoch of ``net.train`` on the probe's images ``inputs["X"]``, ``["Y"]``, in the order
    of ``inputs["seed"]``: the few steps a training check compares with the grader's. ``how``:
    the rest of ``train``'s options (``lr=`` or ``optimizer=``, ``batch_size=``)."""
    train = Split(inputs["X"], inputs["Y"], inputs["Y"].argmax(1))
    call(net.train, what, train, train.head(1), epochs=1, seed=inputs["seed"], verbose=False, **how)


# --------------------------------------------------------------------------------------------
# Test doubles
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def calls_of(fn: Any, name: str) -> Iterator[list[tuple[tuple, dict]]]:
    """Record the calls that ``fn``'s code makes to the function it names ``name`` (a global of
    the learner's notebook, e.g. ``train_step``), then run it: a list of ``(args, kwargs)``. Arrays,
    and dicts of arrays (``params``), are copied as they arrive. Nothing is recorded if the
    notebook has no such function."""
    namespace = getattr(fn, "__globals__", {})
    original, calls = namespace.get(name), []
    if not callable(original):
        yield calls
        return

    def copied(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            return np.array(value)
        if isinstance(value, dict) and all(isinstance(v, np.ndarray) for v in value.values()):
            return {k: np.array(v) for k, v in value.items()}  # e.g. params before the step
        return value

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(
            (tuple(map(copied, args)), {k: copied(v) for k, v in kwargs.items()}),
        )
        return original(*args, **kwargs)

    namespace[name] = spy
    try:
        yield calls
    finally:
        namespace[name] = original


class Forbidden:
    """A split the learner's function may not read (the test set, while settings are chosen)."""

    def __init__(self, message: str):
        self._message = message

    def __getattr__(self, name: str) -> Any:
        raise CheckFailed(self._message.format(name=name))

    def __len__(self) -> int:
        return self.__getattr__("__len__")
