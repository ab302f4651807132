"""The package's plain SGD rule (:func:`nnscratch.optim.sgd`) and its L2 weight decay (chapter 8):
the update is the gradient of the penalized loss, it shrinks the weights, and with no decay it is
plain SGD, bit for bit."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from nnscratch.data import Split
from nnscratch.gradcheck import numerical_gradient, rel_error
from nnscratch.network import Network
from nnscratch.optim import sgd


def toy_split(n: int, seed: int) -> Split:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    return Split(rng.random((n, 5)), np.eye(3)[labels], labels)


def test_no_decay_is_plain_sgd_bit_for_bit():
    rng = np.random.default_rng(0)
    w, dw = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    expected = w - 0.3 * dw
    out, state = sgd(w.copy(), dw, None, lr=0.3, weight_decay=0.0)
    assert np.array_equal(out, expected) and state is None


def test_weight_decay_adds_lambda_w_to_the_gradient_in_place():
    rng = np.random.default_rng(1)
    w, dw = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    expected = w - 0.5 * (dw + 0.01 * w)
    out, _ = sgd(w, dw, lr=0.5, weight_decay=0.01)
    assert out is w  # in place, like the plain rule
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-15)


def test_without_a_gradient_the_weights_shrink_by_one_minus_lr_lambda():
    w = np.array([[2.0, -1.0], [0.5, 4.0]])
    out, _ = sgd(w.copy(), np.zeros_like(w), lr=0.1, weight_decay=0.2)
    np.testing.assert_allclose(out, (1 - 0.1 * 0.2) * w, rtol=1e-15)


def test_the_decayed_step_follows_the_gradient_of_the_penalized_loss():
    """dw + lambda * w is the gradient of mean cross-entropy + lambda / 2 * sum of ||W_l||^2."""
    lam, data = 0.05, toy_split(6, seed=2)
    net = Network((5, 4, 3), seed=3, dtype=np.float64)

    def penalized(_):
        penalty = sum(np.sum(W**2) for W in net.params.values())
        return net.loss(data.x, data.y) + lam / 2 * penalty

    grads = net.backward(*net.forward(data.x), data.y)
    for key, W in net.params.items():
        numeric = numerical_gradient(penalized, W)
        assert rel_error(grads[key] + lam * W, numeric) < 1e-7, key
        assert rel_error(grads[key], numeric) > 1e-3, key  # the penalty's part is not negligible


def test_training_with_weight_decay_gives_smaller_weights():
    train, val = toy_split(60, seed=4), toy_split(20, seed=5)
    sizes = {}
    for lam in (0.0, 0.01, 0.1):
        net = Network((5, 8, 3), seed=6, dtype=np.float64)
        net.train(
            train,
            val,
            epochs=30,
            optimizer=partial(sgd, lr=0.5, weight_decay=lam),
            batch_size=10,
            seed=7,
            verbose=False,
        )
        sizes[lam] = np.sqrt(sum(np.sum(W**2) for W in net.params.values()))
    assert sizes[0.0] > sizes[0.01] > sizes[0.1], sizes


def test_zero_decay_trains_exactly_like_plain_sgd():
    train, val = toy_split(40, seed=8), toy_split(10, seed=9)
    nets = [Network((5, 4, 3), seed=1, dtype=np.float64) for _ in range(2)]
    for net, update in zip(nets, (partial(sgd, lr=0.5), partial(sgd, lr=0.5, weight_decay=0))):
        net.train(train, val, epochs=3, optimizer=update, batch_size=8, seed=2, verbose=False)
    for key in nets[0].params:
        assert np.array_equal(nets[0].params[key], nets[1].params[key]), key


def test_a_negative_decay_is_refused_with_a_message():
    w = np.ones((2, 2))
    with pytest.raises(ValueError, match="weight_decay must be 0 or positive"):
        sgd(w, w, lr=0.1, weight_decay=-1e-4)
