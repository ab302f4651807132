"""The reference network: activations, loss, shapes, updates, training, and clear errors."""

from functools import partial

import numpy as np
import pytest

from nnscratch import activations
from nnscratch.activations import sigmoid, sigmoid_prime, softmax
from nnscratch.data import Split
from nnscratch.losses import cross_entropy, cross_entropy_grad
from nnscratch.network import INIT_SCALES, History, Network
from nnscratch.optim import sgd

# Overflow, division by zero and invalid operations raise; underflow to 0 is the correct result of
# exp(-2000) and is ignored (as NumPy does by default).
STRICT = dict(over="raise", divide="raise", invalid="raise", under="ignore")


# ---------------------------------------------------------------------------------------------
# Activations and loss
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_is_stable_and_correct(dtype):
    z = np.array([-1000, -50, -1, 0, 1, 50, 1000], dtype=dtype)
    with np.errstate(**STRICT):
        s, ds = sigmoid(z), sigmoid_prime(z)
    assert s.dtype == dtype and ds.dtype == dtype
    mid = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_allclose(sigmoid(mid), 1 / (1 + np.exp(-mid)), rtol=1e-15)
    np.testing.assert_allclose(
        sigmoid_prime(mid), np.exp(-mid) / (1 + np.exp(-mid)) ** 2, rtol=1e-14
    )
    assert s[0] == 0 and s[-1] == 1 and s[3] == 0.5
    assert np.all(ds >= 0) and ds[3] == 0.25


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_at_plus_minus_1000(dtype):
    z = np.array([[1000, -1000, 0, 999], [-1000, -1000, -1000, -1000]], dtype=dtype)
    with np.errstate(**STRICT):
        p = softmax(z)
    assert p.dtype == dtype and np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(
        p[0], [1 / (1 + np.exp(-1)), 0, 0, np.exp(-1) / (1 + np.exp(-1))], rtol=1e-6
    )
    np.testing.assert_allclose(p[1], 0.25)
    with pytest.raises(FloatingPointError):  # the naive formula overflows: the test can fail
        with np.errstate(**STRICT):
            np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)


def test_softmax_axis_and_shift_invariance():
    z = np.random.default_rng(0).normal(size=(3, 5))
    np.testing.assert_allclose(softmax(z), softmax(z + 7.0))
    np.testing.assert_allclose(softmax(z, axis=0).sum(axis=0), 1)
    np.testing.assert_allclose(softmax(z[0]), softmax(z)[0])


def test_the_package_has_no_relu():
    """ReLU is exercise 1's answer, and no chapter uses it: the package does not give it away."""
    assert not hasattr(activations, "relu") and not hasattr(activations, "relu_prime")


def test_cross_entropy():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    y = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    assert cross_entropy(probs, y) == pytest.approx(-(np.log(0.7) + np.log(0.8)) / 2)
    np.testing.assert_allclose(cross_entropy_grad(probs, y), probs - y)
    with np.errstate(**STRICT):  # a probability that underflowed to 0 gives a large finite loss
        assert 700 < cross_entropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])) < np.inf
    with pytest.raises(ValueError, match="one-hot"):
        cross_entropy(probs, y[:, :2])


# ---------------------------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------------------------


def test_shapes_and_dtypes():
    net = Network()
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (128, 784),
        "W2": (64, 128),
        "W3": (10, 64),
    }
    assert all(v.dtype == np.float32 for v in net.params.values())
    X = np.random.default_rng(0).random((5, 784), dtype=np.float32)
    activations, zs = net.forward(X)
    assert [a.shape for a in activations] == [(5, 784), (5, 128), (5, 64), (5, 10)]
    assert [z.shape for z in zs] == [(5, 128), (5, 64), (5, 10)]
    assert all(a.dtype == np.float32 for a in activations)
    np.testing.assert_allclose(activations[-1].sum(axis=1), 1, rtol=1e-6)
    single, _ = net.forward(X[0])
    assert [a.shape for a in single] == [(784,), (128,), (64,), (10,)]
    np.testing.assert_allclose(single[-1], activations[-1][0], rtol=1e-5)
    assert net.predict(X).shape == (5,)

    net_b = Network(biases=True)
    assert {k: v.shape for k, v in net_b.params.items() if k.startswith("b")} == {
        "b1": (128,),
        "b2": (64,),
        "b3": (10,),
    }
    grads = net_b.backward(*net_b.forward(X), np.eye(10, dtype=np.float32)[[0, 1, 2, 3, 4]])
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in net_b.params.items()}


def test_seeding_and_init_scales():
    assert np.array_equal(Network(seed=3).params["W1"], Network(seed=3).params["W1"])
    assert not np.array_equal(Network(seed=3).params["W1"], Network(seed=4).params["W1"])
    expected = {
        "fan_in": np.sqrt(1 / 784),
        "fan_out": np.sqrt(1 / 128),
        "xavier": np.sqrt(2 / (784 + 128)),
        "he": np.sqrt(2 / 784),
    }
    for init, std in expected.items():
        assert INIT_SCALES[init](784, 128) == pytest.approx(std)
        assert Network(init=init).params["W1"].std() == pytest.approx(std, rel=0.02)


def test_batch_gradient_is_the_mean_of_per_sample_outer_products():
    net = Network((12, 5, 4, 3), seed=0, dtype=np.float64)
    rng = np.random.default_rng(1)
    X, Y = rng.random((6, 12)), np.eye(3)[rng.integers(0, 3, 6)]
    batch = net.backward(*net.forward(X), Y)
    for l in (1, 2, 3):
        per_sample = [net.backward(*net.forward(X[i]), Y[i])[f"W{l}"] for i in range(6)]
        np.testing.assert_allclose(batch[f"W{l}"], np.mean(per_sample, axis=0), rtol=1e-12)
    activations, zs = net.forward(X[0])
    delta3 = net.deltas(activations, zs, Y[0])[-1]
    np.testing.assert_allclose(
        net.backward(activations, zs, Y[0])["W3"], np.outer(delta3, activations[2])
    )


def toy_problem(n=600, seed=0):
    """Three well-separated blobs in 784 dimensions, as Splits."""
    rng = np.random.default_rng(seed)
    centers = rng.random((3, 784)) < 0.2
    labels = rng.integers(0, 3, n)
    x = np.clip(centers[labels] * 0.8 + rng.normal(0, 0.3, (n, 784)), 0, 1).astype(np.float32)
    y = np.zeros((n, 10), np.float32)
    y[np.arange(n), labels] = 1
    split = Split(x, y, labels)
    return split.head(500), Split(x[500:], y[500:], labels[500:])


@pytest.mark.parametrize("kind", ["per-sample", "minibatch-optimizer", "schedule"])
def test_training_decreases_the_loss(kind, capsys):
    train, val = toy_problem()
    net = Network(seed=0)
    before = net.loss(train.x, train.y)
    if kind == "per-sample":
        history = net.train(train, val, epochs=2, lr=0.1, seed=0)
    elif kind == "minibatch-optimizer":
        history = net.train(
            train, val, epochs=2, batch_size=16, optimizer=partial(sgd, lr=0.5), seed=0
        )
    else:
        history = net.train(
            train, val, epochs=2, lr=lambda epoch: 0.2 / epoch, seed=0, verbose=False
        )
    assert isinstance(history, History) and history.epochs == 2
    assert history.train_loss[-1] < 0.5 * before
    assert history.train_loss[1] <= history.train_loss[0]
    assert history.val_accuracy[-1] > 0.9
    assert len(history.seconds) == 2 and all(s > 0 for s in history.seconds)
    out = capsys.readouterr().out
    assert (out.count("epoch") == 2) == (kind != "schedule")


def test_histories_add_up_like_one_longer_run():
    train, val = toy_problem()
    first = Network(seed=0).train(train, val, epochs=1, lr=0.1, seed=0, verbose=False)
    later = Network(seed=1).train(train, val, epochs=2, lr=0.05, seed=1, verbose=False)
    both = first + later
    assert both.epochs == 3 and both.lr == [0.1, 0.05, 0.05]
    assert both.val_accuracy == first.val_accuracy + later.val_accuracy
    assert both.seconds == first.seconds + later.seconds
    assert first.epochs == 1 and later.epochs == 2  # neither is changed


def test_training_is_reproducible():
    train, val = toy_problem()
    h1 = (a := Network(seed=1)).train(train, val, epochs=1, lr=0.1, seed=5, verbose=False)
    h2 = (b := Network(seed=1)).train(train, val, epochs=1, lr=0.1, seed=5, verbose=False)
    assert h1.train_loss == h2.train_loss
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])


def test_accuracy():
    net = Network((4, 3, 2), seed=0, dtype=np.float64)
    X = np.random.default_rng(0).random((6, 4))
    labels = net.predict(X)
    assert net.accuracy(X, labels) == 1.0
    assert net.accuracy(X, (labels + 1) % 2) == 0.0


def test_evaluate_gives_loss_and_accuracy_from_one_forward_pass():
    train, _ = toy_problem()
    net = Network(seed=0)
    net.train(train, train.head(50), epochs=1, lr=0.1, seed=0, verbose=False)
    calls = []
    forward = net.forward
    net.forward = lambda X: calls.append(len(X)) or forward(X)
    loss, accuracy = net.evaluate(train)
    assert calls == [len(train)]  # one pass over the split
    del net.forward
    assert loss == net.loss(train.x, train.y)  # the very same numbers
    assert accuracy == net.accuracy(train.x, train.labels) > 0.5
    with pytest.raises(ValueError, match="integer labels of shape"):
        net.evaluate(Split(train.x, train.y, train.y))


# ---------------------------------------------------------------------------------------------
# Clear messages for bad input
# ---------------------------------------------------------------------------------------------


def test_bad_input_messages():
    net = Network()
    with pytest.raises(
        ValueError, match=r"expected inputs of shape \(B, 784\).*got shape \(2, 28, 28\).*Flatten"
    ):
        net.forward(np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="integer labels of shape"):
        net.accuracy(np.zeros((2, 784)), np.zeros((2, 10)))
    with pytest.raises(ValueError, match="one-hot targets"):
        net.backward(*net.forward(np.zeros((2, 784))), np.array([1, 2]))
    with pytest.raises(ValueError, match="init must be one of"):
        Network(init="glorot")
    with pytest.raises(ValueError, match="sizes must list"):
        Network(sizes=(784,))
    train, val = toy_problem()
    with pytest.raises(ValueError, match="needs a learning rate"):
        net.train(train, val, epochs=1)
    with pytest.raises(ValueError, match="inside the optimizer"):
        net.train(train, val, epochs=1, lr=0.1, optimizer=partial(sgd, lr=0.1))
    with pytest.raises(TypeError, match="must be a Split"):
        net.train((train.x, train.y), val, epochs=1, lr=0.1)


def test_sgd_and_step_schedule():
    from nnscratch.optim import step_schedule

    w = np.ones(3)
    w2, state = sgd(w, np.array([1.0, 2.0, 3.0]), None, lr=0.5)
    assert w2 is w and state is None
    np.testing.assert_allclose(w, [0.5, 0.0, -0.5])
    rate = step_schedule([0.1, 0.03, 0.01], [5, 3])
    assert [rate(e) for e in range(1, 11)] == [0.1] * 5 + [0.03] * 3 + [0.01] * 2
    with pytest.raises(ValueError, match="one more rate"):
        step_schedule([0.1, 0.01], [5, 3])
