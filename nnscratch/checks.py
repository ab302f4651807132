"""Checks for the exercise notebooks: each ``check_*`` function tests one piece of a learner's code.

A check cell of an exercise calls one of these functions on the learner's function or trained
network, e.g. ``check_relu_prime(relu_prime)``. A check either prints one line starting with
``PASS`` or raises :class:`CheckFailed` with a message a learner can act on: which function, which
input, what was expected (a shape, a property, agreement with finite differences or with
``torch.optim``) and what was measured.

The checks store and print no expected arrays. They test properties, compare gradients with central
differences, and compute their references at grading time (the course network of
:mod:`nnscratch.network`, PyTorch's optimizers), on small inputs generated here with fixed seeds.
"""

from __future__ import annotations

import contextlib
import inspect
import traceback
import warnings
from typing import Any, Callable

import numpy as np

from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.config import pick
from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.losses import cross_entropy
from nnscratch.network import Network

GRAD_TOL = 1e-7  # relative error of a correct float64 gradient vs central differences is ~1e-9

#: Lowest validation accuracy each training check accepts (quick mode: 5,000 images, 1-2 epochs).
MIN_ACCURACY = {
    "relu": pick(full=0.95, quick=0.80),
    "biases": pick(full=0.94, quick=0.80),
    "loops": pick(full=0.93, quick=0.75),
    "loops_softmax": pick(full=0.87, quick=0.75),  # sizes (784, 10): a linear classifier
    "loops_deep": pick(full=0.85, quick=0.50),  # five sigmoid layers learn slowly
    "minibatch": pick(full=0.95, quick=0.80),
    "optimizers": pick(full=0.94, quick=0.80),
}


class CheckFailed(AssertionError):
    """A check found a mistake; the message says what was wrong, on which input, and how to fix it."""


def _passed(check: str, detail: str) -> None:
    print(f"PASS {check}: {detail}")


# --------------------------------------------------------------------------------------------
# Calling the learner's code and inspecting what it returns
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet():
    """Silence NumPy and Python warnings: checks judge the values (NaN, inf), not the warnings."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _learner_line(exc: BaseException) -> str:
    """' (in relu, line 3: `return ...`)' for the innermost frame of the learner's notebook code, if any."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "ipykernel" in f.filename or f.filename.startswith("<ipython-input")]
    if not frames:
        return ""
    f = frames[-1]
    code = f" `{f.line.strip()}`" if f.line else ""
    return f" (in {f.name}, line {f.lineno}:{code})"


def _call(fn: Callable, call: str, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``; any exception becomes a CheckFailed that names the call and the line."""
    if not callable(fn):
        raise CheckFailed(f"{call}: expected a function, but got {type(fn).__name__} {fn!r:.60}.")
    try:
        with _quiet():
            return fn(*args, **kwargs)
    except CheckFailed:
        raise
    except NotImplementedError as exc:
        raise CheckFailed(f"{call} raised NotImplementedError ({exc or 'a stub'}): write that code first.") from None
    except Exception as exc:  # noqa: BLE001 (the learner's code may raise anything)
        raise CheckFailed(f"{call} raised {type(exc).__name__}: {exc}{_learner_line(exc)}") from None


def _array(value: Any, what: str) -> np.ndarray:
    """``value`` as a float array, or CheckFailed if it is None, a wrong type or not finite."""
    if value is None:
        raise CheckFailed(f"{what} is None: did the function forget to `return` its result?")
    if not isinstance(value, np.ndarray):
        if isinstance(value, (list, tuple, float, int, np.number)):
            value = np.asarray(value)
        else:
            raise CheckFailed(f"{what} should be a NumPy array, got {type(value).__name__}.")
    if value.dtype == object or not (np.issubdtype(value.dtype, np.number) or value.dtype == bool):
        raise CheckFailed(f"{what} should hold numbers, got an array of dtype {value.dtype}.")
    return value


def _finite(value: np.ndarray, what: str, hint: str = "") -> None:
    bad = ~np.isfinite(value)
    if bad.any():
        kind = "NaN" if np.isnan(value).any() else "inf"
        raise CheckFailed(f"{what} contains {kind} ({int(bad.sum())} of {value.size} entries), first at index "
                          f"{tuple(int(i) for i in np.argwhere(bad)[0])}.{(' ' + hint) if hint else ''}")


def _shape(value: np.ndarray, shape: tuple, what: str, hint: str = "") -> None:
    if value.shape != tuple(shape):
        raise CheckFailed(f"{what} has shape {value.shape}, expected {tuple(shape)}.{(' ' + hint) if hint else ''}")


def _pair(value: Any, what: str, names: str) -> tuple:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise CheckFailed(f"{what} should return a pair {names}, got {type(value).__name__}"
                          f"{' of length ' + str(len(value)) if isinstance(value, (tuple, list)) else ''}.")
    return tuple(value)


def _dict(value: Any, what: str, keys: list[str], hint: str = "") -> dict:
    if value is None:
        raise CheckFailed(f"{what} is None: did the function forget to `return` the dictionary?")
    if not isinstance(value, dict):
        raise CheckFailed(f"{what} should be a dict with keys {keys}, got {type(value).__name__}.")
    missing = [k for k in keys if k not in value]
    extra = [k for k in value if k not in keys]
    if missing or extra:
        parts = [f"missing {missing}" if missing else "", f"unexpected {extra}" if extra else ""]
        raise CheckFailed(f"{what} has keys {sorted(value)}, expected exactly {keys} "
                          f"({', '.join(p for p in parts if p)}).{(' ' + hint) if hint else ''}")
    return value


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


def _toy_batch(n_in: int, n_out: int, batch: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random float64 inputs ``(batch, n_in)`` in [0, 1) and one-hot targets ``(batch, n_out)``."""
    rng = np.random.default_rng(seed)
    return rng.random((batch, n_in)), _one_hot(rng.integers(0, n_out, batch), n_out)


def _network(sizes: tuple[int, ...], seed: int, biases: bool = False, cls: type = Network) -> Network:
    """A float64 reference network; with ``biases``, they are drawn at random so that they matter."""
    net = cls(sizes, seed=seed, biases=biases, dtype=np.float64)
    if biases:
        rng = np.random.default_rng(seed + 100)
        for l in range(1, len(sizes)):
            net.params[f"b{l}"] = rng.normal(0.0, 0.5, sizes[l])
    return net


def _gradient_ratio(mine: np.ndarray, true: np.ndarray) -> float | None:
    """The factor c when ``mine`` is about c * ``true`` (least squares), else None."""
    denom = float(np.sum(true * true))
    if denom == 0:
        return None
    c = float(np.sum(mine * true) / denom)
    return c if rel_error(mine, c * true) < 1e-6 else None


def _gradient_hint(key: str, mine: np.ndarray, true: np.ndarray, batch: int) -> str:
    c = _gradient_ratio(mine, true)
    if c is None:
        return ""
    if abs(c - batch) < 1e-6 * batch:
        return (f" It is exactly {batch} (the batch size) times the true gradient: the loss is the *mean* over the "
                "batch, so average the per-sample gradients instead of summing them.")
    if abs(c + 1) < 1e-6:
        return f" It is the true gradient with the opposite sign: check the sign of d{key}."
    if abs(c) > 1e-12:
        return f" It is {c:.4g} times the true gradient: look for a missing or extra factor."
    return ""


def _check_accuracy(net: Any, val: Any, minimum: float, what: str) -> float:
    if not isinstance(net, Network):
        raise CheckFailed(f"{what} should be a trained network (a nnscratch Network), got {type(net).__name__}.")
    acc = _call(net.accuracy, f"{what}.accuracy(val.x, val.labels)", val.x, val.labels)
    if not isinstance(acc, float) or not np.isfinite(acc):
        raise CheckFailed(f"{what}.accuracy returned {acc!r}: the network's outputs are not finite numbers. "
                          "Look for NaN in the parameters (a learning rate that is too large?).")
    if acc < minimum:
        raise CheckFailed(f"{what} reaches a validation accuracy of {acc:.4f}, below the {minimum:.2f} this exercise "
                          "expects after the training in this notebook. Make the earlier checks pass first; then "
                          "check the learning rate and the number of epochs.")
    return acc


# --------------------------------------------------------------------------------------------
# Exercise 1: ReLU
# --------------------------------------------------------------------------------------------


def _relu_inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [
        np.array([-1000.0, -3.5, -1e-9, 0.0, 1e-9, 0.25, 3.5, 1000.0]),  # float64, 1-D, with an exact zero
        rng.standard_normal((4, 7)).astype(np.float32),  # a small batch of pre-activations, float32
        rng.standard_normal((2, 3, 5)),
    ]


def check_relu(relu: Callable) -> None:
    """``relu(z)`` is max(0, z) elementwise, keeps shape and dtype and leaves ``z`` unchanged."""
    for z in _relu_inputs():
        before = z.copy()
        what = f"relu(z) for z of shape {z.shape} and dtype {z.dtype}"
        out = _array(_call(relu, what, z), what)
        if not np.array_equal(z, before):
            raise CheckFailed(f"{what} changed z in place: return a new array and leave the input as it was "
                              "(the network keeps z for the backward pass).")
        _shape(out, z.shape, what, "ReLU works elementwise: the output has the shape of z.")
        true = np.where(z > 0, z, 0)
        wrong = ~np.isclose(out, true, rtol=1e-6, atol=0)
        if wrong.any():
            i = tuple(np.argwhere(wrong)[0])
            rule = "z itself where z > 0" if z[i] > 0 else "0 where z <= 0"
            raise CheckFailed(f"{what} is wrong at z = {z[i]:.4g}: it returned {out[i]:.4g}, but ReLU gives {rule}. "
                              f"{int(wrong.sum())} of {z.size} entries are wrong.")
        if out.dtype != z.dtype:
            raise CheckFailed(f"{what} returned dtype {out.dtype}: keep the dtype of z ({z.dtype}), or the network "
                              "silently switches to another precision.")
    _passed("relu", "max(0, z) elementwise on 1-D, 2-D and 3-D inputs, shape and dtype kept, input unchanged")


def check_relu_prime(relu_prime: Callable) -> None:
    """``relu_prime(z)`` is 0 for z < 0 and 1 for z > 0 (and in [0, 1] at 0), like central differences."""
    worst = 0.0
    for z in _relu_inputs():
        what = f"relu_prime(z) for z of shape {z.shape} and dtype {z.dtype}"
        out = _array(_call(relu_prime, what, z.copy()), what)
        _shape(out, z.shape, what, "The derivative is taken elementwise: one value per entry of z.")
        _finite(out, what)
        neg, pos = z < 0, z > 0
        if neg.any() and np.any(out[neg] != 0):
            i = tuple(np.argwhere(neg & (out != 0))[0])
            raise CheckFailed(f"relu_prime should be 0 where z < 0 (ReLU is flat there), but at z = {z[i]:.4g} it "
                              f"returned {out[i]:.4g} ({int(np.sum(out[neg] != 0))} of {int(neg.sum())} negative "
                              "inputs are wrong).")
        if pos.any() and np.any(out[pos] != 1):
            i = tuple(np.argwhere(pos & (out != 1))[0])
            raise CheckFailed(f"relu_prime should be 1 where z > 0 (ReLU is the identity there), but at z = {z[i]:.4g} "
                              f"it returned {out[i]:.4g}.")
        zero = z == 0
        if zero.any() and not np.all((out[zero] >= 0) & (out[zero] <= 1)):
            raise CheckFailed(f"relu_prime(0) returned {out[zero][0]:.4g}: at z = 0 use a value between 0 and 1 "
                              "(0 is the usual choice).")
        if out.dtype != z.dtype:
            raise CheckFailed(f"{what} returned dtype {out.dtype}: return numbers in the dtype of z ({z.dtype}).")
        # Central differences of max(0, z), away from the kink at 0.
        far = np.abs(z) > 1e-3
        zf = z.astype(np.float64)
        numeric = (np.maximum(zf + 1e-6, 0) - np.maximum(zf - 1e-6, 0)) / 2e-6
        worst = max(worst, float(np.max(np.abs(out[far] - numeric[far]), initial=0.0)))
    _passed("relu_prime", f"0 for z < 0, 1 for z > 0; agrees with central differences (max error {worst:.1e})")


def _hidden_layer_problem(net: Network, activations: list, zs: list) -> str | None:
    """Describe the first layer that does not apply ReLU (hidden) or softmax (output), else None."""
    L = net.num_layers
    float32 = any(np.asarray(a).dtype == np.float32 for a in activations[1:])
    tol = {"rtol": 1e-4, "atol": 1e-6} if float32 else {"rtol": 1e-9, "atol": 1e-12}
    for l in range(1, L + 1):
        a, z = np.asarray(activations[l], dtype=np.float64), np.asarray(zs[l - 1], dtype=np.float64)
        if l == L:
            if not np.allclose(a, softmax(z), **tol):
                return "the output layer should still apply softmax to z_L (probabilities that sum to 1 per row)."
            continue
        if not np.allclose(a, np.maximum(z, 0), **tol):
            if np.allclose(a, sigmoid(z), **tol):
                return f"hidden layer {l} still applies sigmoid: use relu(z) for every hidden layer."
            return f"hidden layer {l} does not compute relu(z_{l}) (largest difference {np.max(np.abs(a - np.maximum(z, 0))):.3g})."
    return None


def check_relu_network(ReLUNetwork: type) -> None:
    """``ReLUNetwork`` is a Network whose hidden layers use ReLU in forward and relu' in backpropagation."""
    if not (isinstance(ReLUNetwork, type) and issubclass(ReLUNetwork, Network)):
        raise CheckFailed(f"ReLUNetwork should be a class derived from nnscratch's Network "
                          f"(`class ReLUNetwork(Network): ...`), got {ReLUNetwork!r:.60}.")
    sizes = (6, 5, 4, 3)
    call = f"ReLUNetwork({sizes}, seed=3, init='he', dtype=np.float64)"
    net = _call(ReLUNetwork, call, sizes, seed=3, init="he", dtype=np.float64)
    X, Y = _toy_batch(6, 3, 5, seed=4)
    X = X * 2 - 1  # inputs of both signs, so that some pre-activations are negative
    result = _pair(_call(net.forward, "net.forward(X) with X of shape (5, 6)", X), "net.forward(X)", "(activations, zs)")
    activations, zs = result
    if len(activations) != 4 or len(zs) != 3:
        raise CheckFailed(f"net.forward(X) should return 4 activations [X, a1, a2, a3] and 3 pre-activations "
                          f"[z1, z2, z3] for sizes {sizes}; got {len(activations)} and {len(zs)}.")
    for l, n in enumerate(sizes[1:], start=1):
        _shape(_array(zs[l - 1], f"zs[{l - 1}]"), (5, n), f"net.forward(X): z{l} (zs[{l - 1}])")
        _shape(_array(activations[l], f"activations[{l}]"), (5, n), f"net.forward(X): a{l} (activations[{l}])")
        expected_z = np.asarray(activations[l - 1]) @ net.params[f"W{l}"].T
        if not np.allclose(zs[l - 1], expected_z, rtol=1e-9, atol=1e-12):
            raise CheckFailed(f"net.forward(X): z{l} should be a{l - 1} @ W{l}.T, as in the course network; "
                              "only the activation of the hidden layers changes.")
    problem = _hidden_layer_problem(net, activations, zs)
    if problem:
        raise CheckFailed(f"net.forward(X): {problem}")
    one = _pair(_call(net.forward, "net.forward(x) for one sample x of shape (6,)", X[0]), "net.forward(x)",
                "(activations, zs)")
    if np.asarray(one[0][-1]).shape != (3,):
        raise CheckFailed("net.forward(x) for one sample x of shape (6,) should give an output of shape (3,): "
                          "per-sample training (Network.train with batch_size=1) passes single vectors.")
    from nnscratch.gradcheck import check_network_gradients

    errors = _call(check_network_gradients, "check_network_gradients(net, X, Y)", net, X, Y)
    worst_key = max(errors, key=errors.get)
    if errors[worst_key] > GRAD_TOL:
        hint = ""
        deltas = _call(net.deltas, "net.deltas(activations, zs, Y)", activations, zs, Y)
        d1 = np.asarray(deltas[0])
        with_sigmoid = (np.asarray(deltas[1]) @ net.params["W2"]) * sigmoid_prime(zs[0])
        if d1.shape == with_sigmoid.shape and np.allclose(d1, with_sigmoid, rtol=1e-9, atol=1e-12):
            hint = (" Your deltas still multiply by sigmoid_prime(z): in backpropagation, a hidden layer's error is "
                    "multiplied by the derivative of *its* activation, relu_prime(z).")
        raise CheckFailed(f"backpropagation through ReLUNetwork disagrees with central differences: relative error "
                          f"of d{worst_key} is {errors[worst_key]:.2e} (a correct gradient gives below {GRAD_TOL:.0e}).{hint}")
    _passed("relu_network", f"hidden layers apply ReLU, output softmax; gradients match central differences "
                            f"(max relative error {max(errors.values()):.1e})")


def check_relu_training(net: Any, val: Any) -> None:
    """The trained ReLU network uses ReLU and reaches the expected validation accuracy."""
    if not isinstance(net, Network):
        raise CheckFailed(f"net should be the trained ReLUNetwork, got {type(net).__name__}.")
    activations, zs = _pair(_call(net.forward, "net.forward(val.x[:100])", val.x[:100]), "net.forward", "(activations, zs)")
    problem = _hidden_layer_problem(net, activations, zs)
    if problem:
        raise CheckFailed(f"the trained network is not a ReLU network: {problem}")
    acc = _check_accuracy(net, val, MIN_ACCURACY["relu"], "net")
    _passed("relu_training", f"the ReLU network reaches validation accuracy {acc:.4f} (at least {MIN_ACCURACY['relu']:.2f})")


# --------------------------------------------------------------------------------------------
# Exercise 2: biases
# --------------------------------------------------------------------------------------------

BIAS_SIZES = (12, 7, 5, 4)


def check_init_biases(init_biases: Callable) -> None:
    """``init_biases(sizes)`` returns b1..b3 of shapes ``(n_l,)``, finite."""
    for sizes in ((784, 128, 64, 10), BIAS_SIZES):
        what = f"init_biases({sizes})"
        keys = [f"b{l}" for l in range(1, len(sizes))]
        biases = _dict(_call(init_biases, what, sizes), what, keys)
        for l, key in enumerate(keys, start=1):
            b = _array(biases[key], f"{what}['{key}']")
            if b.shape != (sizes[l],):
                hint = (f" A column ({sizes[l]}, 1) or a row (1, {sizes[l]}) broadcasts differently against Z{l} of "
                        f"shape (B, {sizes[l]}); use a 1-D vector." if b.size == sizes[l] else "")
                raise CheckFailed(f"{what}['{key}'] has shape {b.shape}; it should be ({sizes[l]},): one bias per "
                                  f"neuron of layer {l}.{hint}")
            if not np.issubdtype(b.dtype, np.floating):
                raise CheckFailed(f"{what}['{key}'] has dtype {b.dtype}: biases are floats (they change in training).")
            _finite(b, f"{what}['{key}']")
    _passed("init_biases", "one 1-D bias vector per layer: b1 (128,), b2 (64,), b3 (10,) for 784-128-64-10")


def check_forward_biases(forward: Callable) -> None:
    """``forward(params, X)`` adds each layer's bias to its pre-activation."""
    ref = _network(BIAS_SIZES, seed=5, biases=True)
    X, _ = _toy_batch(BIAS_SIZES[0], BIAS_SIZES[-1], 6, seed=6)
    params = {k: v.copy() for k, v in ref.params.items()}
    what = "forward(params, X) with X of shape (6, 12), sizes (12, 7, 5, 4)"
    activations, zs = _pair(_call(forward, what, params, X), what, "(activations, zs)")
    true_a, true_z = ref.forward(X)
    if len(activations) != 4 or len(zs) != 3:
        raise CheckFailed(f"{what} should return activations [X, a1, a2, a3] and zs [z1, z2, z3]; "
                          f"got {len(activations)} activations and {len(zs)} zs.")
    for l in range(1, 4):
        z = _array(zs[l - 1], f"z{l}")
        _shape(z, true_z[l - 1].shape, f"{what}: z{l}",
               f"Z{l} = A{l - 1} @ W{l}.T + b{l} has one row per sample and one column per neuron.")
        if not np.allclose(z, true_z[l - 1], rtol=1e-9, atol=1e-12):
            without = np.asarray(true_a[l - 1]) @ params[f"W{l}"].T
            if np.allclose(z, without, rtol=1e-9, atol=1e-12):
                raise CheckFailed(f"{what}: z{l} ignores the bias b{l}. Each layer adds its bias to the weighted sum: "
                                  f"z{l} = a{l - 1} @ W{l}.T + b{l}.")
            raise CheckFailed(f"{what}: z{l} is wrong (relative error {rel_error(z, true_z[l - 1]):.2e} against the "
                              f"course network with the same weights and biases).")
        a = _array(activations[l], f"a{l}")
        _shape(a, true_a[l].shape, f"{what}: a{l}")
        if not np.allclose(a, true_a[l], rtol=1e-9, atol=1e-12):
            act = "softmax" if l == 3 else "sigmoid"
            raise CheckFailed(f"{what}: a{l} should be {act}(z{l}) (relative error {rel_error(a, true_a[l]):.2e}).")
    if any(not np.array_equal(params[k], ref.params[k]) for k in params):
        raise CheckFailed(f"{what} changed params: the forward pass only reads the weights and biases.")
    _passed("forward_biases", "z_l = a_(l-1) @ W_l.T + b_l for each layer, shapes (B, n_l), outputs as the course network")


def check_backward_biases(backward: Callable) -> None:
    """``backward(params, activations, zs, Y)`` returns dW and db, matching central differences."""
    ref = _network(BIAS_SIZES, seed=7, biases=True)
    batch = 6
    X, Y = _toy_batch(BIAS_SIZES[0], BIAS_SIZES[-1], batch, seed=8)
    activations, zs = ref.forward(X)
    params = {k: v.copy() for k, v in ref.params.items()}
    what = "backward(params, activations, zs, Y) for a batch of 6, sizes (12, 7, 5, 4)"
    grads = _call(backward, what, params, [a.copy() for a in activations], [z.copy() for z in zs], Y.copy())
    keys = [f"W{l}" for l in range(1, 4)] + [f"b{l}" for l in range(1, 4)]
    if isinstance(grads, dict) and all(f"W{l}" in grads for l in range(1, 4)) and not any(f"b{l}" in grads for l in range(1, 4)):
        raise CheckFailed(f"{what} returned gradients for W1, W2, W3 but none for b1, b2, b3: without them the biases "
                          "are never updated and stay at their initial values. Return db1, db2, db3 too, under the "
                          "keys 'b1', 'b2', 'b3'.")
    grads = _dict(grads, what, keys)
    for key in keys:
        g = _array(grads[key], f"the gradient '{key}'")
        if g.shape != params[key].shape:
            hint = ""
            if key.startswith("b") and g.shape == (batch, params[key].size):
                hint = (f" It has one row per sample: the gradient of the *mean* loss has the shape of {key}; "
                        "reduce over the batch.")
            raise CheckFailed(f"{what}: d{key} has shape {g.shape}, but {key} has shape {params[key].shape}; a "
                              f"gradient always has the shape of its parameter.{hint}")
        _finite(g, f"d{key}")

    def loss(_: np.ndarray) -> float:
        return cross_entropy(ref.forward(X)[0][-1], Y)

    worst = 0.0
    for key in keys:
        numeric = numerical_gradient(loss, ref.params[key])
        err = rel_error(grads[key], numeric)
        worst = max(worst, err)
        if err > GRAD_TOL:
            raise CheckFailed(f"{what}: d{key} disagrees with central differences: relative error {err:.2e} (a correct "
                              f"gradient gives below {GRAD_TOL:.0e}).{_gradient_hint(key, np.asarray(grads[key], float), numeric, batch)}")
    _passed("backward_biases", f"dW and db have their parameters' shapes and match central differences "
                               f"(max relative error {worst:.1e})")


def check_biases_training(net: Any, val: Any) -> None:
    """The trained network has biases that training changed, and reaches the expected accuracy."""
    if not isinstance(net, Network):
        raise CheckFailed(f"net should be the trained network, got {type(net).__name__}.")
    for l in range(1, net.num_layers + 1):
        if f"b{l}" not in net.params:
            raise CheckFailed(f"the trained network has no b{l} in net.params: add the biases from init_biases "
                              "before training.")
        b = _array(net.params[f"b{l}"], f"net.params['b{l}']")
        _finite(b, f"net.params['b{l}']", "Training diverged: try a smaller learning rate.")
        if b.size > 1 and np.all(b == b.flat[0]):
            raise CheckFailed(f"after training, every entry of b{l} still has the same value {b.flat[0]:.4g}: the biases "
                              "were never updated. Does backward return their gradients 'b1', 'b2', 'b3'?")
    acc = _check_accuracy(net, val, MIN_ACCURACY["biases"], "net")
    _passed("biases_training", f"the biases were trained; validation accuracy {acc:.4f} "
                               f"(at least {MIN_ACCURACY['biases']:.2f})")


# --------------------------------------------------------------------------------------------
# Exercise 3: layer loops
# --------------------------------------------------------------------------------------------

LOOP_SIZES = ((784, 10), (784, 128, 64, 10), (784, 256, 128, 64, 32, 10))
SMALL_LOOP_SIZES = ((9, 4), (9, 6, 5, 4), (9, 8, 7, 6, 5, 4))  # same depths, small enough for full gradient checks


def _weight_keys(sizes: tuple[int, ...]) -> list[str]:
    return [f"W{l}" for l in range(1, len(sizes))]


def check_init_params(init_params: Callable) -> None:
    """``init_params(sizes, seed)`` gives W1..WL of shapes ``(n_l, n_(l-1))``, random, well scaled, seeded."""
    for sizes in LOOP_SIZES:
        what = f"init_params({list(sizes)}, seed=0)"
        keys = _weight_keys(sizes)
        params = _dict(_call(init_params, what, list(sizes), seed=0), what, keys,
                       f"A network with sizes {list(sizes)} has {len(keys)} weight matrices: loop over the layers.")
        for l, key in enumerate(keys, start=1):
            n_in, n_out = sizes[l - 1], sizes[l]
            W = _array(params[key], f"{what}['{key}']")
            _shape(W, (n_out, n_in), f"{what}['{key}']",
                   f"W{l} maps layer {l - 1} ({n_in} neurons) to layer {l} ({n_out}): shape (n_out, n_in).")
            if not np.issubdtype(W.dtype, np.floating):
                raise CheckFailed(f"{what}['{key}'] has dtype {W.dtype}; weights must be floats.")
            _finite(W, f"{what}['{key}']")
            W = W.astype(np.float64)
            if np.all(W == W.flat[0]):
                raise CheckFailed(f"{what}['{key}'] has the same value {W.flat[0]:.3g} everywhere: every neuron of the "
                                  "layer would compute the same thing and get the same gradient, so they never become "
                                  "different. Draw random weights.")
            std, xavier = float(W.std()), float(np.sqrt(2.0 / (n_in + n_out)))
            if not 0.25 * xavier <= std <= 4 * xavier:
                raise CheckFailed(f"{what}['{key}'] has standard deviation {std:.3g}, far from the usual scale for a "
                                  f"layer with {n_in} inputs and {n_out} outputs (Xavier: sqrt(2 / (n_in + n_out)) = "
                                  f"{xavier:.3g}; He: sqrt(2 / n_in) = {np.sqrt(2.0 / n_in):.3g}). Too large saturates "
                                  "the sigmoids; too small makes the signal vanish.")
            if abs(float(W.mean())) > 5 * std / np.sqrt(W.size) + 1e-12 and W.size > 100:  # 5 sigma
                raise CheckFailed(f"{what}['{key}'] has mean {W.mean():.3g}: draw weights centred on 0.")
    sizes = list(LOOP_SIZES[1])
    first = _call(init_params, f"init_params({sizes}, seed=0)", sizes, seed=0)
    again = _call(init_params, f"init_params({sizes}, seed=0)", sizes, seed=0)
    other = _call(init_params, f"init_params({sizes}, seed=1)", sizes, seed=1)
    if any(not np.array_equal(first[k], again[k]) for k in first):
        raise CheckFailed("init_params(sizes, seed=0) gave different weights on two calls: draw them from a generator "
                          "made from the seed, np.random.default_rng(seed), so that a run can be repeated.")
    if all(np.array_equal(first[k], other[k]) for k in first):
        raise CheckFailed("init_params gave the same weights for seed=0 and seed=1: use the seed argument.")
    _passed("init_params", "W_l of shape (n_l, n_(l-1)) for 1, 3 and 5 layers; random, well scaled, reproducible from the seed")


def check_forward_loops(forward: Callable) -> None:
    """``forward(params, X)`` works for any depth and agrees with the course network."""
    for sizes in LOOP_SIZES:
        ref = _network(sizes, seed=11)
        X, _ = _toy_batch(sizes[0], sizes[-1], 5, seed=12)
        L = len(sizes) - 1
        what = f"forward(params, X) for sizes {list(sizes)}, X of shape (5, {sizes[0]})"
        activations, zs = _pair(_call(forward, what, {k: v.copy() for k, v in ref.params.items()}, X), what,
                                "(activations, zs)")
        if len(activations) != L + 1 or len(zs) != L:
            raise CheckFailed(f"{what} should return {L + 1} activations [X, a1, ..., a{L}] and {L} pre-activations, got "
                              f"{len(activations)} and {len(zs)}. Loop over all {L} layers (range(1, len(sizes))).")
        true_a, true_z = ref.forward(X)
        for l in range(1, L + 1):
            for name, mine, true in ((f"z{l}", zs[l - 1], true_z[l - 1]), (f"a{l}", activations[l], true_a[l])):
                mine = _array(mine, f"{what}: {name}")
                _shape(mine, true.shape, f"{what}: {name}")
                if not np.allclose(mine, true, rtol=1e-9, atol=1e-12):
                    act = "softmax (the last layer)" if l == L else "sigmoid (a hidden layer)"
                    raise CheckFailed(f"{what}: {name} differs from the course network (relative error "
                                      f"{rel_error(mine, true):.2e}). Layer {l} should compute z{l} = a{l - 1} @ W{l}.T "
                                      f"and a{l} = {act}.")
    _passed("forward_loops", "forward agrees with the course network for 1, 3 and 5 layers")


def check_backward_loops(backward: Callable) -> None:
    """``backward(params, activations, zs, Y)`` matches central differences for 1, 3 and 5 layers."""
    worst = 0.0
    for small, sizes in zip(SMALL_LOOP_SIZES, LOOP_SIZES):
        for dims, full in ((small, True), (sizes, False)):
            ref = _network(dims, seed=13)
            batch = 4
            X, Y = _toy_batch(dims[0], dims[-1], batch, seed=14)
            activations, zs = ref.forward(X)
            keys = _weight_keys(dims)
            what = f"backward(params, activations, zs, Y) for sizes {list(dims)}"
            grads = _dict(_call(backward, what, {k: v.copy() for k, v in ref.params.items()},
                                [a.copy() for a in activations], [z.copy() for z in zs], Y.copy()),
                          what, keys, f"Return one gradient per weight matrix, for all {len(keys)} layers.")
            for key in keys:
                g = _array(grads[key], f"{what}: d{key}")
                _shape(g, ref.params[key].shape, f"{what}: d{key}", "A gradient has the shape of its parameter.")
                _finite(g, f"{what}: d{key}")

            def loss(_: np.ndarray) -> float:
                return cross_entropy(ref.forward(X)[0][-1], Y)

            rng = np.random.default_rng(15)
            for key in keys:
                param = ref.params[key]
                idx = None if full else np.sort(rng.choice(param.size, size=min(param.size, 40), replace=False))
                numeric = numerical_gradient(loss, param, indices=idx)
                mine = np.asarray(grads[key], dtype=np.float64)
                if idx is not None:
                    numeric, mine = numeric.reshape(-1)[idx], mine.reshape(-1)[idx]
                err = rel_error(mine, numeric)
                worst = max(worst, err)
                if err > GRAD_TOL:
                    raise CheckFailed(f"{what}: d{key} disagrees with central differences: relative error {err:.2e} "
                                      f"(a correct gradient gives below {GRAD_TOL:.0e})."
                                      f"{_gradient_hint(key, mine, numeric, batch)}")
    _passed("backward_loops", f"gradients of every layer match central differences for 1, 3 and 5 layers "
                              f"(max relative error {worst:.1e})")


def check_loops_training(nets: Any, val: Any) -> None:
    """Each of the three networks trained with the loop version reaches its expected accuracy."""
    if not isinstance(nets, dict):
        raise CheckFailed(f"nets should be a dict from sizes (a tuple) to the trained network, got {type(nets).__name__}.")
    by_sizes = {tuple(k): v for k, v in nets.items() if isinstance(k, (tuple, list))}
    accs = []
    for sizes in LOOP_SIZES:
        net = by_sizes.get(sizes)
        if net is None:
            raise CheckFailed(f"nets has no network for sizes {sizes}: train one for each of {list(LOOP_SIZES)}.")
        if tuple(getattr(net, "sizes", ())) != sizes:
            raise CheckFailed(f"nets[{sizes}] has sizes {getattr(net, 'sizes', None)}.")
        key = {2: "loops_softmax", 4: "loops", 6: "loops_deep"}[len(sizes)]
        accs.append(_check_accuracy(net, val, MIN_ACCURACY[key], f"nets[{sizes}]"))
    _passed("loops_training", "validation accuracy " + ", ".join(f"{a:.4f}" for a in accs) + " for 1, 3 and 5 layers")


# --------------------------------------------------------------------------------------------
# Exercise 4: mini-batch gradient descent
# --------------------------------------------------------------------------------------------


class _NoBackward(Network):
    """A network whose ``backward`` is off limits, so that a check sees the learner's own gradient code."""

    def backward(self, activations, zs, Y):  # noqa: D102
        raise CheckFailed("batch_gradients called net.backward: compute the gradients yourself from "
                          "net.forward and net.deltas (that is the point of the exercise).")


def check_batch_gradients(batch_gradients: Callable) -> None:
    """``batch_gradients(net, X, Y)`` is the mean over the batch of the per-sample gradients."""
    sizes, batch = (6, 5, 4, 3), 8
    net = _network(sizes, seed=21, cls=_NoBackward)
    ref = _network(sizes, seed=21)
    X, Y = _toy_batch(6, 3, batch, seed=22)
    what = f"batch_gradients(net, X, Y) for a batch of {batch}, sizes {sizes}"
    keys = _weight_keys(sizes)
    grads = _dict(_call(batch_gradients, what, net, X.copy(), Y.copy()), what, keys)
    per_sample = [ref.backward(*ref.forward(X[i]), Y[i]) for i in range(batch)]
    for key in keys:
        g = _array(grads[key], f"{what}: d{key}")
        _shape(g, ref.params[key].shape, f"{what}: d{key}",
               "Each gradient has the shape of its weight matrix: combine the samples with one matrix product.")
        _finite(g, f"{what}: d{key}")
        mean = np.mean([p[key] for p in per_sample], axis=0)
        err = rel_error(g, mean)
        if err > 1e-9:
            raise CheckFailed(f"{what}: d{key} is not the mean of the {batch} per-sample gradients (relative error "
                              f"{err:.2e}).{_gradient_hint(key, np.asarray(g, float), mean, batch)}")
    if any(not np.array_equal(net.params[k], ref.params[k]) for k in keys):
        raise CheckFailed(f"{what} changed net.params: computing the gradients must not update the weights.")
    _passed("batch_gradients", "equal to the mean of the per-sample gradients, for the whole batch at once")


def check_minibatches(minibatches: Callable) -> None:
    """``minibatches(n, batch_size, rng)`` yields shuffled index batches that cover 0..n-1 exactly once."""
    default = inspect.signature(minibatches).parameters.get("batch_size") if callable(minibatches) else None
    if default is None or default.default is inspect.Parameter.empty:
        raise CheckFailed("minibatches should take a parameter batch_size with a default value (below 64, e.g. 32).")
    if not isinstance(default.default, int) or not 1 < default.default < 64:
        raise CheckFailed(f"the default batch_size of minibatches is {default.default!r}: choose a size between 2 and "
                          "63 (small batches: many updates per epoch, yet vectorised).")
    for n, size in ((100, 32), (64, 16), (5, 32)):
        what = f"minibatches({n}, batch_size={size}, rng=np.random.default_rng(0))"
        batches = _call(lambda: list(minibatches(n, batch_size=size, rng=np.random.default_rng(0))), what)
        arrays = [_array(b, f"a batch from {what}") for b in batches]
        if any(a.ndim != 1 or not np.issubdtype(a.dtype, np.integer) for a in arrays):
            raise CheckFailed(f"{what} should yield 1-D arrays of integer row indices, e.g. array([17, 3, 42, ...]).")
        lengths = [len(a) for a in arrays]
        want = [size] * (n // size) + ([n % size] if n % size else [])
        if lengths != want:
            extra = ""
            if sum(lengths) < n:
                extra = (f" Together they hold {sum(lengths)} indices, not {n}: keep the last, smaller batch so that "
                         "every sample is used once per epoch.")
            raise CheckFailed(f"{what} gave batches of sizes {lengths}, expected {want}.{extra}")
        every = np.concatenate(arrays)
        if not np.array_equal(np.sort(every), np.arange(n)):
            raise CheckFailed(f"{what} does not use every index 0..{n - 1} exactly once "
                              f"(repeated: {len(every) - len(np.unique(every))}).")
        if n > 10 and np.array_equal(every, np.arange(n)):
            raise CheckFailed(f"{what} gives the indices in order 0, 1, 2, ...: shuffle them (with the rng passed in) "
                              "so that each epoch visits the samples in a new random order.")
    rng = np.random.default_rng(0)
    first = np.concatenate(_call(lambda: list(minibatches(100, batch_size=32, rng=rng)), "minibatches(100, 32, rng)"))
    second = np.concatenate(_call(lambda: list(minibatches(100, batch_size=32, rng=rng)), "minibatches(100, 32, rng)"))
    if np.array_equal(first, second):
        raise CheckFailed("two calls of minibatches with the same generator rng gave the same order: draw a new "
                          "permutation from rng on every call (one per epoch).")
    again = np.concatenate(list(minibatches(100, batch_size=32, rng=np.random.default_rng(0))))
    if not np.array_equal(again, first):
        raise CheckFailed("minibatches with a generator seeded 0 gave a different order on two runs: shuffle with the "
                          "rng argument, not with np.random's global state.")
    _passed("minibatches", f"shuffled batches of batch_size (default {default.default}) covering every index once, "
                           "last batch smaller")


class _CountingNetwork(Network):
    """A network that records the size of every batch it runs forward."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batches: list[int] = []

    def forward(self, X):  # noqa: D102
        self.batches.append(len(np.atleast_2d(X)))
        return super().forward(X)


def _toy_split(n: int, seed: int, n_in: int = 6, n_out: int = 3):
    from nnscratch.data import Split

    X, Y = _toy_batch(n_in, n_out, n, seed)
    return Split(X, Y, Y.argmax(axis=1))


def check_train_epoch(train_epoch: Callable) -> None:
    """``train_epoch(net, train, lr, batch_size, rng)`` does one step per batch with the batch-mean gradient."""
    sizes = (6, 5, 4, 3)
    # One batch holding the whole training set: exactly one gradient step, whatever the order.
    n, lr = 20, 0.5
    split = _toy_split(n, seed=31)
    net, ref = _network(sizes, seed=32), _network(sizes, seed=32)
    grads = ref.backward(*ref.forward(split.x), split.y)
    what = f"train_epoch(net, train, lr={lr}, batch_size={n}, rng) on {n} samples (one batch)"
    _call(train_epoch, what, net, split, lr=lr, batch_size=n, rng=np.random.default_rng(0))
    keys = _weight_keys(sizes)
    if set(net.params) != set(keys):
        raise CheckFailed(f"after {what}, net.params has keys {sorted(net.params)}; expected {keys}.")
    if all(np.array_equal(net.params[k], ref.params[k]) for k in keys):
        raise CheckFailed(f"{what} did not change net.params: update the weights in place "
                          "(net.params[key] -= lr * grad) or store the new arrays back in net.params.")
    for key in keys:
        step = np.asarray(net.params[key], dtype=np.float64) - ref.params[key]
        want = -lr * grads[key]
        err = rel_error(step, want)
        if err > 1e-9:
            c = _gradient_ratio(step, want)
            hint = ""
            if c is not None and abs(c - n) < 1e-6 * n:
                hint = f" The step is {n} times too large: average the gradients over the batch instead of summing them."
            elif c is not None and abs(c + 1) < 1e-6:
                hint = " The step goes up the gradient: subtract lr * gradient."
            elif c is not None:
                hint = f" The step is {c:.4g} times lr * (mean gradient)."
            raise CheckFailed(f"{what}: the change of {key} should be -lr * (mean gradient over the batch) "
                              f"(relative error {err:.2e}).{hint}")
    # Small batches: five steps of batch 4; with a tiny learning rate their sum is five mean-gradient steps.
    n, size, lr = 20, 4, 1e-4
    net, ref = _network(sizes, seed=33, cls=_CountingNetwork), _network(sizes, seed=33)
    split = _toy_split(n, seed=34)
    grads = ref.backward(*ref.forward(split.x), split.y)
    what = f"train_epoch(net, train, lr={lr}, batch_size={size}, rng) on {n} samples"
    _call(train_epoch, what, net, split, lr=lr, batch_size=size, rng=np.random.default_rng(1))
    for key in keys:
        step = np.asarray(net.params[key], dtype=np.float64) - ref.params[key]
        want = -lr * (n // size) * grads[key]
        err = rel_error(step, want)
        if err > 1e-3:
            c = _gradient_ratio(step, want)
            hint = ""
            if len(net.batches) == 1:
                hint = " Only one batch was used: loop over all the batches of the epoch."
            elif net.batches and sum(net.batches) != n:
                hint = (f" The forward passes saw {sum(net.batches)} samples in {len(net.batches)} batches: each of the "
                        f"{n} samples should be used once per epoch.")
            elif c is not None and abs(c - size) < 1e-2 * size:
                hint = f" The steps are {size} times too large: average each batch's gradients instead of summing them."
            raise CheckFailed(f"{what}: over one epoch the weights should move by about {n // size} steps of "
                              f"-lr * (mean gradient), one per batch (relative error {err:.2e}).{hint}")
    _passed("train_epoch", "one step of -lr * (batch-mean gradient) per batch, every batch of the epoch")


def check_minibatch_training(net: Any, val: Any) -> None:
    """The network trained with mini-batches reaches the expected validation accuracy."""
    acc = _check_accuracy(net, val, MIN_ACCURACY["minibatch"], "net")
    _passed("minibatch_training", f"validation accuracy {acc:.4f} (at least {MIN_ACCURACY['minibatch']:.2f})")


# --------------------------------------------------------------------------------------------
# Exercise 5: optimizers, checked against torch.optim
# --------------------------------------------------------------------------------------------


def _gradient_stream(steps: int, seed: int) -> list[list[np.ndarray]]:
    """Gradients for two parameters ``(5, 4)`` and ``(6,)``, per step.

    The second parameter has an entry whose gradient is always 0 (like the W1 columns of pixels that
    are blank in every image) and entries with tiny gradients (~1e-7), where ``eps`` matters.
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        g2 = rng.standard_normal(6)
        g2[0] = 0.0
        g2[1:3] *= 1e-7
        out.append([rng.standard_normal((5, 4)), g2])
    return out


def _torch_trajectory(make: Callable, w0: list[np.ndarray], grads: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    import torch

    params = [torch.nn.Parameter(torch.tensor(w, dtype=torch.float64)) for w in w0]
    opt = make(params)
    out = []
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def _learner_trajectory(update: Callable, name: str, hyper: dict, w0: list[np.ndarray],
                        grads: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Run the learner's rule on two parameters, alternating, each with its own state."""
    args = ", ".join(f"{k}={v:g}" for k, v in hyper.items())
    ws, states, out = [w.copy() for w in w0], [None, None], []
    for t, step in enumerate(grads, start=1):
        for i, g in enumerate(step):
            what = f"{name}(w, dw, state, {args}) at step {t} (parameter of shape {w0[i].shape})"
            result = _pair(_call(update, what, ws[i].copy(), g.copy(), states[i], **hyper), what, "(w, state)")
            w = _array(result[0], f"the w returned by {what}")
            _shape(w, w0[i].shape, f"the w returned by {what}")
            ws[i], states[i] = w.astype(np.float64), result[1]
        out.append([w.copy() for w in ws])
    return out


def _compare_trajectories(name: str, torch_name: str, mine: list, true: list, w0: list, hint: Callable[[int, int], str]) -> float:
    """Largest relative error of the learner's weights vs torch's, step by step; CheckFailed at the first mismatch."""
    worst = 0.0
    for t, (m_step, t_step) in enumerate(zip(mine, true), start=1):
        for i, (m, tr) in enumerate(zip(m_step, t_step)):
            if not np.all(np.isfinite(m)):
                bad = tuple(int(j) for j in np.argwhere(~np.isfinite(m))[0])
                extra = hint(t, -1) if i == 1 and bad == (0,) else ""
                raise CheckFailed(f"{name}: after step {t} the weights contain NaN or inf, at index {bad} of the "
                                  f"parameter of shape {m.shape}.{extra}")
            moved = np.linalg.norm(tr - w0[i])
            err = float(np.linalg.norm(m - tr) / max(moved, 1e-300))
            worst = max(worst, err)
            if err > 1e-7:
                raise CheckFailed(f"{name}: after step {t} the weights differ from {torch_name} given the same gradients "
                                  f"(error {err:.2e} relative to how far the weights moved).{hint(t, i)}")
    return worst


def check_momentum(momentum: Callable) -> None:
    """``momentum(w, dw, state, lr, mu)`` moves the weights exactly as ``torch.optim.SGD(momentum=mu)``."""
    import torch

    lr, mu = 0.01, 0.9
    grads = _gradient_stream(15, seed=41)
    rng = np.random.default_rng(42)
    w0 = [rng.standard_normal((5, 4)), rng.standard_normal(6)]
    mine = _learner_trajectory(momentum, "momentum", {"lr": lr, "mu": mu}, w0, grads)
    true = _torch_trajectory(lambda p: torch.optim.SGD(p, lr=lr, momentum=mu), w0, grads)

    def hint(t: int, i: int) -> str:
        first = mine[0][0] - w0[0]
        if float(np.sum(first * grads[0][0])) > 0:
            return (" The first step moves w *up* the gradient (in the direction of dw): the velocity must point "
                    "against the gradient. Check the signs.")
        if t == 1 and i == 0:
            return " The first step should be -lr * dw: the velocity starts at zero."
        return (f" The first step is right but not step {t} of parameter {i + 1}: keep the velocity in `state` "
                "(one state per parameter) and decay it by mu at every step.")

    worst = _compare_trajectories("momentum", f"torch.optim.SGD(lr={lr}, momentum={mu})", mine, true, w0, hint)
    _passed("momentum", f"15 steps on two parameters agree with torch.optim.SGD(momentum=0.9) (max relative error {worst:.1e})")


def check_adagrad(adagrad: Callable) -> None:
    """``adagrad(w, dw, state, lr, eps)`` moves the weights exactly as ``torch.optim.Adagrad``."""
    import torch

    lr, eps = 0.1, 1e-10
    grads = _gradient_stream(15, seed=43)
    rng = np.random.default_rng(44)
    w0 = [rng.standard_normal((5, 4)), rng.standard_normal(6)]
    mine = _learner_trajectory(adagrad, "adagrad", {"lr": lr, "eps": eps}, w0, grads)
    true = _torch_trajectory(lambda p: torch.optim.Adagrad(p, lr=lr, eps=eps), w0, grads)

    def hint(t: int, i: int) -> str:
        if i == -1:
            return (" That entry's gradient has been 0 at every step, so its sum of squared gradients is 0 and the "
                    "update divides 0 by 0. This is what eps is for: add it to the denominator.")
        if i == 1:
            big = rel_error(mine[t - 1][1][3:], true[t - 1][1][3:]) < 1e-7
            small = rel_error(mine[t - 1][1][1:3], true[t - 1][1][1:3]) > 1e-7
            if big and small:
                return (" The entries with ordinary gradients agree, but those whose gradients are tiny (~1e-7) do not: "
                        "that is where eps matters. torch.optim.Adagrad divides by sqrt(G) + eps, with eps outside the "
                        "square root.")
        if t == 1 and i == 0:
            return (" Already the first step differs: it should be -lr * dw / (|dw| + eps), i.e. about lr in size for "
                    "every entry with a non-negligible gradient.")
        return (f" The first step agrees but not step {t} of parameter {i + 1}: accumulate the squared gradients "
                "in `state`, one state per parameter, over all steps.")

    worst = _compare_trajectories("adagrad", f"torch.optim.Adagrad(lr={lr}, eps={eps:g})", mine, true, w0, hint)
    _passed("adagrad", f"15 steps on two parameters, with zero and tiny gradients, agree with torch.optim.Adagrad "
                       f"(max relative error {worst:.1e})")


def check_adam(adam: Callable) -> None:
    """``adam(w, dw, state, lr, beta1, beta2, eps)`` moves the weights exactly as ``torch.optim.Adam``."""
    import torch

    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    grads = _gradient_stream(20, seed=45)
    rng = np.random.default_rng(46)
    w0 = [rng.standard_normal((5, 4)), rng.standard_normal(6)]
    hyper = {"lr": lr, "beta1": b1, "beta2": b2, "eps": eps}
    mine = _learner_trajectory(adam, "adam", hyper, w0, grads)
    true = _torch_trajectory(lambda p: torch.optim.Adam(p, lr=lr, betas=(b1, b2), eps=eps), w0, grads)

    def hint(t: int, i: int) -> str:
        if i == -1:
            return " An entry whose gradient is always 0 must not move: check where eps goes."
        first = float(np.median(np.abs(mine[0][0] - w0[0])) / lr)
        if abs(first - 1) > 0.05:
            nobias = (1 - b1) / np.sqrt(1 - b2)
            why = (f" ({nobias:.2f} is what you get without bias correction: divide m by 1 - beta1**t and v by "
                   "1 - beta2**t, with t counting the steps from 1)") if abs(first - nobias) < 0.05 * nobias else ""
            return (f" Adam's first step moves each weight by about lr = {lr:g} (m_hat / sqrt(v_hat) is +-1 at t = 1), "
                    f"but yours moved them by about {first:.3g} * lr{why}.")
        return (f" The first steps agree but not step {t} of parameter {i + 1}: keep m, v and the step count t in "
                "`state`, one state per parameter (Network.train gives each parameter its own), and update all three "
                "at every step.")

    worst = _compare_trajectories("adam", f"torch.optim.Adam(lr={lr:g}, betas=({b1}, {b2}), eps={eps:g})", mine, true, w0, hint)
    _passed("adam", f"20 steps on two parameters agree with torch.optim.Adam (max relative error {worst:.1e})")


def check_optimizers_training(nets: Any, val: Any) -> None:
    """The networks trained with each optimizer reach the expected validation accuracy."""
    if not isinstance(nets, dict):
        raise CheckFailed(f"nets should be a dict from optimizer name to trained network, got {type(nets).__name__}.")
    accs = {}
    for name in ("momentum", "adagrad", "adam"):
        if name not in nets:
            raise CheckFailed(f"nets has no entry '{name}': train one network with each of momentum, adagrad and adam.")
        accs[name] = _check_accuracy(nets[name], val, MIN_ACCURACY["optimizers"], f"nets['{name}']")
    _passed("optimizers_training", ", ".join(f"{k} {v:.4f}" for k, v in accs.items()) + " validation accuracy")
