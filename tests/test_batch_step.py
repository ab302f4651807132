"""``Network.sgd_batch_step``, the in-place mini-batch update ``train`` uses for plain SGD, is plain SGD."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from nnscratch.data import Split, one_hot
from nnscratch.network import Network
from nnscratch.optim import sgd


def toy_split(n: int, seed: int) -> Split:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    return Split(rng.random((n, 784)), one_hot(labels).astype(np.float64), labels)


@pytest.mark.parametrize("biases", [False, True], ids=["no-biases", "biases"])
def test_one_step_equals_backward_then_sgd(biases):
    data = toy_split(32, seed=0)
    fast = Network(seed=0, biases=biases, dtype=np.float64)
    fast.params = {k: v + 0.01 for k, v in fast.params.items()}  # non-zero biases too
    slow = fast.astype(np.float64)
    fast.sgd_batch_step(data.x, data.y, lr=0.5)
    for key, grad in slow.backward(*slow.forward(data.x), data.y).items():
        sgd(slow.params[key], grad, lr=0.5)
    assert np.abs(fast.params["W1"] - Network(seed=0, biases=biases, dtype=np.float64).params["W1"] - 0.01).max() > 1e-4
    for key in slow.params:
        np.testing.assert_allclose(fast.params[key], slow.params[key], rtol=0, atol=1e-13, err_msg=key)


def test_train_with_lr_matches_train_with_the_sgd_optimizer():
    """Same shuffling, same maths: the fast path (lr=...) and the general path (optimizer=sgd) agree."""
    train, val = toy_split(200, seed=1), toy_split(50, seed=2)
    fast, general = Network(seed=3, dtype=np.float64), Network(seed=3, dtype=np.float64)
    h_fast = fast.train(train, val, epochs=2, lr=0.5, batch_size=16, seed=4, verbose=False)
    h_general = general.train(train, val, epochs=2, optimizer=partial(sgd, lr=0.5), batch_size=16, seed=4,
                              verbose=False)
    moved = np.abs(fast.params["W1"] - Network(seed=3, dtype=np.float64).params["W1"]).max()
    assert moved > 1e-3  # it trained
    for key in fast.params:
        np.testing.assert_allclose(fast.params[key], general.params[key], rtol=0, atol=1e-12, err_msg=key)
    np.testing.assert_allclose(h_fast.train_loss, h_general.train_loss, rtol=1e-12)


def test_a_subclass_with_its_own_backward_keeps_it():
    calls = []

    class Counting(Network):
        def backward(self, activations, zs, Y):
            calls.append(len(Y))
            return super().backward(activations, zs, Y)

    train = toy_split(64, seed=5)
    Counting(seed=0, dtype=np.float64).train(train, train, epochs=1, lr=0.1, batch_size=32, verbose=False)
    assert calls == [32, 32]
