"""Exercise 2's grader side: the course network with biases as the judges' reference, and the
training check's inputs, steps and judge (:mod:`.checks.ex02_biases` declares the checks)."""

from __future__ import annotations

import numpy as np

from nnscratch.grade.fixtures import (
    at_least,
    judged_accuracy,
    returned_params,
    same_steps,
    train_steps,
    validation,
    validation_rows,
)
from nnscratch.grade.harness import CheckFailed, finite
from nnscratch.network import Network

SIZES = (784, 128, 64, 10)
BIAS_KEYS = ["b1", "b2", "b3"]


def random_params(rng: np.random.Generator, sizes: tuple[int, ...], b_scale: float) -> dict:
    """Float64 weights of sizes ``sizes`` (Glorot's scale) and biases drawn at random with spread
    ``b_scale``, so that they matter."""
    params = {}
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = rng.standard_normal((n_out, n_in)) * np.sqrt(2 / (n_in + n_out))
        params[f"b{l}"] = rng.normal(0.0, b_scale, n_out)
    return params


def reference(params: dict[str, np.ndarray], dtype: type = np.float64) -> Network:
    """The course network with biases and ``params`` (W1, b1 .. WL, bL), in ``dtype``: the judges'
    reference, run by the grader."""
    L = len(params) // 2
    sizes = [params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, L + 1)]
    net = Network(sizes, biases=True, dtype=dtype)
    net.params = {k: np.array(v, dtype=dtype) for k, v in params.items()}
    return net


#: The training check's steps: SGD from the grader's weights and biases on the grader's images,
#: compared with the course network with biases (mini-batch steps, float32 as the notebook).
STEPS, STEP_BATCH, STEP_LR = 12, 4, 0.5


def training_inputs(rng: np.random.Generator) -> dict:
    """Float32 weights and biases (not zero, so that the forward pass needs them) of 784-128-64-10,
    48 validation images with random one-hot targets, and the seed of their order."""
    params = {k: v.astype(np.float32) for k, v in random_params(rng, SIZES, 0.1).items()}
    rows = STEPS * STEP_BATCH
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, rows)]
    X = validation_rows(rng, rows)
    return {"params": params, "X": X, "Y": Y, "seed": int(rng.integers(2**31))}


def steps(net: Network, inputs: dict) -> None:
    """``STEPS`` steps of SGD with ``net.train`` on the inputs' images, in the inputs' order."""
    what = f"{STEPS} steps of SGD (Network.train) with your BiasNetwork from the grader's weights"
    train_steps(net, inputs, what, lr=STEP_LR, batch_size=STEP_BATCH)


def judge_training(inputs: dict, outputs: dict) -> str:
    given = outputs["params"]
    if not isinstance(given, dict):
        raise CheckFailed(f"the trained network's params should be a dict, got {given!r:.60}.")
    for key in BIAS_KEYS:
        if key not in given:
            raise CheckFailed(
                f"the trained network has no {key} in net.params: add the biases from init_biases "
                "before training."
            )
    params = returned_params(given, "net", biases=True)
    for l, key in enumerate(BIAS_KEYS, start=1):
        b = params[key]
        finite(b, f"net.params['{key}']", "Training diverged: try a smaller learning rate.")
        if b.size > 1 and np.all(b == b.flat[0]) and b.flat[0] == 0:
            raise CheckFailed(
                f"after training, every entry of {key} is still 0: the biases were never updated. "
                "Does bias_gradients return their gradients 'b1', 'b2', 'b3'?"
            )
        if b.size > 1 and np.all(b == b.flat[0]):
            raise CheckFailed(
                f"after training, every entry of {key} has the same value {b.flat[0]:.4g}: from "
                "0, training moved them all by the same amount at every step, so the gradient of "
                f"{key} that bias_gradients returns is one number for the whole layer instead of "
                f"one per neuron (the mean of Delta{l} over the batch, a vector)."
            )
    # the learner's steps, from the grader's weights, against the course network's
    ref = reference(inputs["params"], np.float32)
    steps(ref, inputs)
    stepped = returned_params(outputs["stepped"], "the network after the steps", biases=True)
    what = f"{STEPS} steps of SGD with your BiasNetwork, from the grader's weights and biases"
    same_steps(stepped, ref.params, what)
    val = validation()
    acc = float(np.mean(reference(params).predict(val.x) == val.labels))
    acc = judged_accuracy(acc, "biases", "net", outputs.get("quick"))
    return f"the biases were trained; validation accuracy {acc:.4f} ({at_least('biases')})"
