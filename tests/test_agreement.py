"""NumPy, PyTorch and Keras compute the same network: forward pass, gradients, an SGD step, a run.

The three are loaded with the same weights (``nnscratch.frameworks.compare.three_nets``) and
compared in float64, where the only differences left are the order of floating-point sums (about
1e-16). The tolerance is 1e-6; the last tests show that a real mistake (a Keras kernel filled
without transposing, a different learning rate) lands far outside it.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnscratch.frameworks import compare, keras_net, torch_net  # nnscratch first: quiet TF
from nnscratch.network import Network

TOL = 1e-6
LR = 0.5


def batch(n: int = 32, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Random inputs in [0, 1) ``(n, 784)`` and one-hot targets ``(n, 10)`` covering every class."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784))
    Y = np.eye(10)[np.arange(n) % 10]
    return X, Y


def start_params(biases: bool) -> dict[str, np.ndarray]:
    params = Network(seed=0, biases=biases, dtype=np.float64).params
    if biases:  # non-zero biases, so that a bias copied to the wrong place would show
        rng = np.random.default_rng(2)
        params.update(
            {k: rng.normal(0, 0.1, v.shape) for k, v in params.items() if k.startswith("b")}
        )
    return params


@pytest.mark.parametrize("biases", [False, True], ids=["no-biases", "biases"])
def test_forward_gradients_and_one_step_agree_in_float64(biases):
    X, Y = batch()
    nets = compare.three_nets(start_params(biases), dtype="float64")
    diffs = compare.agreement(nets, X, Y, lr=LR)
    expected = {"probs", "loss", "dW1", "dW2", "dW3", "W1", "W2", "W3"}
    if biases:
        expected |= {"db1", "db2", "db3", "b1", "b2", "b3"}
    for framework in ("torch", "keras"):
        assert set(diffs[framework]) == expected
        bad = {k: v for k, v in diffs[framework].items() if not v < TOL}
        assert not bad, f"{framework} differs from NumPy by more than {TOL}: {bad}"


def test_the_step_moved_the_weights():
    """The comparison after one step is not trivially passed by weights that did not change."""
    X, Y = batch()
    params = start_params(False)
    nets = compare.three_nets(params, dtype="float64")
    compare.agreement(nets, X, Y, lr=LR)
    for key in ("W1", "W2", "W3"):
        moved = np.abs(nets.numpy.params[key] - params[key]).max()
        assert moved > 1e-4, f"{key} moved by only {moved:.1e}"
    assert np.abs(keras_net.get_params(nets.keras)["W1"] - params["W1"]).max() > 1e-4
    assert np.abs(torch_net.get_params(nets.torch)["W1"] - params["W1"]).max() > 1e-4


def test_float32_differs_by_rounding_only():
    X, Y = batch()
    nets = compare.three_nets(start_params(False), dtype="float32")
    diffs = compare.agreement(nets, X, Y, lr=LR)
    for framework in ("torch", "keras"):
        assert max(diffs[framework].values()) < 1e-5, diffs[framework]


def test_training_on_identical_batches_gives_the_same_losses():
    rng = np.random.default_rng(3)
    X = rng.random((256, 784))
    Y = np.eye(10)[rng.integers(0, 10, 256)]
    nets = compare.three_nets(start_params(False), dtype="float64")
    losses = compare.identical_batches(nets, X, Y, steps=12, lr=LR, batch_size=64, seed=0)
    assert all(len(v) == 12 for v in losses.values())
    assert losses["numpy"][-1] < losses["numpy"][0]  # it trained
    for framework in ("torch", "keras"):
        np.testing.assert_allclose(losses[framework], losses["numpy"], rtol=0, atol=TOL)
    final = nets.numpy.params
    for name, params in (
        ("torch", torch_net.get_params(nets.torch)),
        ("keras", keras_net.get_params(nets.keras)),
    ):
        for key in final:
            assert np.abs(params[key] - final[key]).max() < TOL, f"{name} {key} after 12 steps"


# ----------------------------------------------------------------------------------------------
# The comparison catches real mistakes
# ----------------------------------------------------------------------------------------------


def test_a_kernel_filled_without_transposing_is_caught():
    """Keras kernels are (in, out). Filling one with W's numbers in (out, in) order, merely reshaped
    to fit,
    gives a model of the right shapes and wrong maths; the agreement check sees it at once."""
    X, Y = batch()
    nets = compare.three_nets(start_params(False), dtype="float64")
    layer = nets.keras.layers[1]  # W2 (64, 128), kernel (128, 64)
    layer.kernel.assign(nets.numpy.params["W2"].reshape(layer.kernel.shape))  # the mistake: no .T
    diffs = compare.agreement(nets, X, Y, lr=LR)
    assert diffs["keras"]["probs"] > 1e-3
    assert diffs["keras"]["dW1"] > 1e-3
    assert max(diffs["torch"].values()) < TOL  # PyTorch is still right


def test_a_different_learning_rate_is_caught():
    """A Keras step at a learning rate 1% off lands well outside the tolerance."""
    X, Y = batch()
    nets = compare.three_nets(start_params(False), dtype="float64")
    compare.agreement(nets, X, Y, lr=LR)  # nets.numpy now holds the weights after one step at LR
    other = keras_net.load_params(keras_net.build_model(dtype="float64"), start_params(False))
    keras_net.compile_model(other, LR * 1.01).train_on_batch(X, Y)
    after = keras_net.get_params(other)
    off = max(np.abs(after[k] - nets.numpy.params[k]).max() for k in ("W1", "W2", "W3"))
    assert off > 100 * TOL


def test_load_params_rejects_transposed_weights_with_a_clear_message():
    params = start_params(False)
    wrong = dict(params, W1=params["W1"].T)
    with pytest.raises(ValueError, match=r"W1.*\(128, 784\) \(n_out, n_in\)"):
        keras_net.load_params(keras_net.build_model(dtype="float64"), wrong)
    with pytest.raises(ValueError, match=r"W1.*\(128, 784\) \(out, in\)"):
        torch_net.load_params(torch_net.TorchNet(), wrong)
    with pytest.raises(KeyError, match="W3"):
        torch_net.load_params(torch_net.TorchNet(), {k: v for k, v in params.items() if k != "W3"})
