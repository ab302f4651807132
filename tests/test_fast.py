"""The fast plain-SGD steps (:mod:`nnscratch.fast`) compute plain SGD, and ``Network.train`` uses
them only where they compute what the network's own methods would: they call its own ``forward``
and ``deltas``, and a subclass that redefines ``backward`` or ``step`` takes the textbook path."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from nnscratch import fast
from nnscratch.data import Split, one_hot
from nnscratch.network import Network
from nnscratch.optim import sgd


def toy_split(n: int, seed: int) -> Split:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    return Split(rng.random((n, 784)), one_hot(labels).astype(np.float64), labels)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("biases", [False, True])
def test_sgd_step_equals_the_textbook_update(dtype, biases):
    """The in-place BLAS update changes the weights exactly like W -= lr * gradient."""
    net = Network((784, 16, 8, 10), seed=0, biases=biases, dtype=dtype)
    reference, original = net.astype(dtype), net.astype(dtype)
    rng = np.random.default_rng(2)
    x, y = rng.random(784).astype(dtype), np.eye(10, dtype=dtype)[7]
    grads = reference.backward(*reference.forward(x), y)
    for key in reference.params:
        reference.params[key] -= dtype(0.5) * grads[key]
    fast.sgd_step(net, x, y, 0.5)
    for key in net.params:
        assert not np.array_equal(net.params[key], original.params[key]), f"{key} not updated"
        np.testing.assert_allclose(net.params[key], reference.params[key], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("biases", [False, True], ids=["no-biases", "biases"])
def test_one_batch_step_equals_backward_then_sgd(biases):
    data = toy_split(32, seed=0)
    net = Network(seed=0, biases=biases, dtype=np.float64)
    net.params = {k: v + 0.01 for k, v in net.params.items()}  # non-zero biases too
    slow, start = net.astype(np.float64), net.astype(np.float64)
    buffers: dict = {}
    fast.sgd_batch_step(net, data.x, data.y, lr=0.5, buffers=buffers)
    for key, grad in slow.backward(*slow.forward(data.x), data.y).items():
        sgd(slow.params[key], grad, lr=0.5)
    assert np.abs(net.params["W1"] - start.params["W1"]).max() > 1e-4
    for key in slow.params:
        np.testing.assert_allclose(
            net.params[key], slow.params[key], rtol=0, atol=1e-13, err_msg=key
        )
    assert sorted(buffers) == [1, 2, 3]  # kept for the next step
    kept = buffers[1]
    fast.sgd_batch_step(net, data.x, data.y, lr=0.5, buffers=buffers)
    assert buffers[1] is kept


@pytest.mark.parametrize("batch_size", [1, 16])
def test_train_with_lr_matches_train_with_the_sgd_optimizer(batch_size):
    """Same shuffling, same maths: the fast path (lr=...) and the textbook path (optimizer=sgd)."""
    train, val = toy_split(200, seed=1), toy_split(50, seed=2)
    quick, textbook = Network(seed=3, dtype=np.float64), Network(seed=3, dtype=np.float64)
    h_fast = quick.train(train, val, epochs=2, lr=0.5, batch_size=batch_size, seed=4, verbose=False)
    h_textbook = textbook.train(
        train,
        val,
        epochs=2,
        optimizer=partial(sgd, lr=0.5),
        batch_size=batch_size,
        seed=4,
        verbose=False,
    )
    moved = np.abs(quick.params["W1"] - Network(seed=3, dtype=np.float64).params["W1"]).max()
    assert moved > 1e-3  # it trained
    for key in quick.params:
        np.testing.assert_allclose(
            quick.params[key], textbook.params[key], rtol=0, atol=1e-12, err_msg=key
        )
    np.testing.assert_allclose(h_fast.train_loss, h_textbook.train_loss, rtol=1e-12)


class BiasNetwork(Network):
    """Biases as exercise 2 adds them: its own forward and backward, Network's ``biases=False``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []
        for l in range(1, self.num_layers + 1):
            self.params[f"b{l}"] = np.zeros(self.sizes[l], dtype=self.dtype)

    def forward(self, X):
        self.calls.append("forward")
        activations, zs = [np.asarray(X, dtype=self.dtype)], []
        for l in range(1, self.num_layers + 1):
            zs.append(activations[-1] @ self.params[f"W{l}"].T + self.params[f"b{l}"])
            last = l == self.num_layers
            activations.append(softmax(zs[-1]) if last else 1 / (1 + np.exp(-zs[-1])))
        return activations, zs

    def backward(self, activations, zs, Y):
        self.calls.append("backward")
        grads = super().backward(activations, zs, Y)
        for l, delta in enumerate(self.deltas(activations, zs, Y), start=1):
            grads[f"b{l}"] = np.atleast_2d(delta).mean(axis=0)
        return grads


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("batch_size", [1, 4])
def test_train_runs_a_subclass_own_methods(batch_size):
    """Plain SGD (lr=...) on a subclass calls its forward and backward: its biases are trained."""
    train = toy_split(16, seed=6)
    net = BiasNetwork((784, 8, 6, 10), seed=0, dtype=np.float64)
    net.train(train, train.head(4), epochs=1, lr=0.5, batch_size=batch_size, verbose=False)
    steps = 16 // batch_size
    assert net.calls[: 2 * steps] == ["forward", "backward"] * steps
    for l in (1, 2, 3):
        assert np.abs(net.params[f"b{l}"]).max() > 1e-6, f"b{l} never moved"


def test_a_subclass_with_its_own_deltas_keeps_them():
    calls = []

    class Counting(Network):
        def deltas(self, activations, zs, Y):
            calls.append(len(np.atleast_2d(Y)))
            return super().deltas(activations, zs, Y)

    train = toy_split(64, seed=5)
    for batch_size, expected in ((32, [32, 32]), (1, [1] * 64)):
        calls.clear()
        Counting(seed=0, dtype=np.float64).train(
            train, train.head(8), epochs=1, lr=0.1, batch_size=batch_size, verbose=False
        )
        assert calls == expected


def test_a_subclass_with_its_own_forward_and_deltas_trains_as_on_the_textbook_path():
    """Exercise 1's case (ReLU hidden layers): the fast path runs the subclass's own maths."""

    class ReLU(Network):
        def forward(self, X):
            activations, zs = [np.asarray(X, dtype=self.dtype)], []
            for l in range(1, self.num_layers + 1):
                zs.append(activations[-1] @ self.params[f"W{l}"].T)
                last = l == self.num_layers
                activations.append(softmax(zs[-1]) if last else np.maximum(zs[-1], 0))
            return activations, zs

        def deltas(self, activations, zs, Y):
            deltas = [activations[-1] - Y]
            for l in range(self.num_layers - 1, 0, -1):
                deltas.append((deltas[-1] @ self.params[f"W{l + 1}"]) * (zs[l - 1] > 0))
            return deltas[::-1]

    train = toy_split(32, seed=7)
    for batch_size in (1, 4):
        fast_net, plain_net = (ReLU(seed=1, dtype=np.float64) for _ in range(2))
        assert fast.applies_to(fast_net)
        kwargs = dict(epochs=1, batch_size=batch_size, verbose=False)
        fast_net.train(train, train.head(4), lr=0.05, **kwargs)
        plain_net.train(train, train.head(4), optimizer=partial(sgd, lr=0.05), **kwargs)
        for key, w in plain_net.params.items():
            np.testing.assert_allclose(fast_net.params[key], w, rtol=1e-10, atol=1e-12)
