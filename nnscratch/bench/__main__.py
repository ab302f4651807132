"""``python -m nnscratch.bench``: the benchmark table; ``--sgd``: per-sample SGD over seeds."""

from __future__ import annotations

import argparse

from nnscratch.bench import epochs, sgd


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nnscratch.bench",
        description="Train the course network in NumPy, PyTorch and Keras and print one table of "
        "measurements (--sgd: chapter 5's per-sample SGD over several seeds instead).",
    )
    parser.add_argument("--quick", action="store_true", help="a small slice of MNIST (seconds)")
    parser.add_argument(
        "--sgd",
        action="store_true",
        help="per-sample SGD: accuracy over seeds and what one step costs",
    )
    parser.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="epochs per implementation (default 6, quick 2; --sgd: 10, quick 1)",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=epochs.LR,
        help=f"mini-batch learning rate (default {epochs.LR})",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the initial weights (default 0)"
    )
    parser.add_argument(
        "--seeds", type=int, default=None, help="--sgd: seeds 0..n-1 (default 5, quick 2)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for NumPy's BLAS, PyTorch and TensorFlow (default: their own)",
    )
    args = parser.parse_args(argv)
    if args.sgd:
        sgd.run(quick=args.quick, seeds=args.seeds, epochs=args.epochs)
        return 0
    if args.epochs is not None and args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch is a warm-up)")
    epochs.run(
        quick=args.quick, epochs=args.epochs, lr=args.lr, seed=args.seed, threads=args.threads
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
