"""Backpropagation agrees with central differences and with PyTorch autograd, for every layer."""

import numpy as np
import pytest

from nnscratch.gradcheck import check_network_gradients, numerical_gradient, rel_error
from nnscratch.network import Network

TOL = 1e-7
SIZES = (20, 8, 6, 4)  # small enough to check every entry of every parameter


def toy_batch(n=5, sizes=SIZES, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.random((n, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return X, Y


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    # restored after the in-place probing
    np.testing.assert_array_equal(x, [[1.0, -2.0], [0.5, 3.0]])


def test_rel_error():
    a = np.array([1.0, 2.0, 3.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, 1.01 * a) == pytest.approx(0.01 / 2.01)
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error(a, a[:2])


@pytest.mark.parametrize("biases", [False, True])
@pytest.mark.parametrize("batch", [True, False], ids=["batch", "single"])
def test_every_layer_matches_central_differences(biases, batch):
    X, Y = toy_batch()
    if not batch:
        X, Y = X[0], Y[0]
    net = Network(SIZES, seed=0, biases=biases)
    errors = check_network_gradients(net, X, Y)
    expected = {f"{p}{l}" for l in (1, 2, 3) for p in ("W", "b")[: 1 + biases]}
    assert set(errors) == expected
    for key, err in errors.items():
        assert err < TOL, f"{key}: relative error {err:.2e}"


@pytest.mark.parametrize("init", ["xavier", "he", "fan_in", "fan_out"])
def test_full_size_network_on_mnist_like_input(init):
    rng = np.random.default_rng(2)
    X = rng.random((4, 784)) * (rng.random((4, 784)) < 0.2)  # sparse, like a digit
    Y = np.eye(10)[[3, 1, 4, 1]]
    errors = check_network_gradients(Network(seed=1, init=init), X, Y, max_entries=200)
    assert max(errors.values()) < TOL, errors


def test_a_wrong_gradient_is_caught(monkeypatch):
    """The check can fail: break sigmoid' and every layer below the output is flagged."""
    import nnscratch.network as network

    # forgot the (1 - s)
    monkeypatch.setattr(network, "sigmoid_prime", lambda z: network.sigmoid(z))
    X, Y = toy_batch()
    errors = check_network_gradients(Network(SIZES, seed=0), X, Y)
    assert errors["W3"] < TOL  # the output layer does not use sigmoid'
    assert errors["W1"] > 1e-3 and errors["W2"] > 1e-3


def test_the_tutorial_outer_product_mistake_is_caught():
    """The original tutorial's W3 update, error dotted with A3, is not the gradient."""
    X, Y = toy_batch(n=1)
    net = Network(SIZES, seed=0, dtype=np.float64)
    activations, zs = net.forward(X[0])
    error = activations[-1] - Y[0]
    wrong = np.full_like(net.params["W3"], np.dot(error, activations[-1]))
    right = net.backward(activations, zs, Y[0])["W3"]
    assert rel_error(wrong, right) > 0.5


@pytest.mark.parametrize("biases", [False, True])
def test_gradients_match_pytorch_autograd(biases):
    torch = pytest.importorskip("torch")
    X, Y = toy_batch(n=7, sizes=(784, 128, 64, 10), seed=3)
    net = Network(seed=4, biases=biases, dtype=np.float64)
    if biases:  # non-zero biases, so their effect on the gradients is exercised
        rng = np.random.default_rng(5)
        for l in (1, 2, 3):
            net.params[f"b{l}"] = rng.normal(size=net.params[f"b{l}"].shape)
    grads = net.backward(*net.forward(X), Y)

    params = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    a = torch.tensor(X)
    for l in (1, 2, 3):
        z = a @ params[f"W{l}"].T + (params[f"b{l}"] if biases else 0)
        a = torch.sigmoid(z) if l < 3 else z  # logits at the output
    loss = torch.nn.functional.cross_entropy(a, torch.tensor(Y.argmax(1)))
    loss.backward()
    assert net.loss(X, Y) == pytest.approx(loss.item(), rel=1e-12)
    for key, p in params.items():
        assert rel_error(grads[key], p.grad.numpy()) < 1e-12, key
