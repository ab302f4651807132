"""The benchmark command runs and prints its table; no timing is asserted (timings belong in the
output), and it prints measurements, not targets."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from nnscratch.bench import flops_per_image

ROOT = Path(__file__).resolve().parents[1]


def bench(*args: str) -> list[str]:
    env = dict(os.environ)
    env.setdefault("NNSCRATCH_DATA", str(ROOT.parent / "shared" / "data"))
    run = subprocess.run(
        [sys.executable, "-m", "nnscratch.bench", "--quick", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stderr == "", (
        f"the benchmark wrote to stderr (TensorFlow noise?):\n{run.stderr[-3000:]}"
    )
    assert not re.search(r"\btarget\b|\bmet\b", run.stdout), (
        f"a target in the output:\n{run.stdout}"
    )
    return run.stdout.rstrip("\n").splitlines()


def test_flops_per_image_matches_the_hand_count():
    # forward 2*(784*128 + 128*64 + 64*10) = 218,368; dW the same; deltas 2*(128*64 + 64*10) =
    # 17,664
    assert flops_per_image((784, 128, 64, 10)) == 454_400
    assert round(flops_per_image() * 60_000 / 1e9) == 27  # "27 GFLOP per epoch" (60,000 images)


def test_quick_benchmark_prints_the_table_and_the_ratio_line():
    lines = bench()
    assert re.search(r"load average (\d+\.\d\d|n/a) before, (\d+\.\d\d|n/a) after", lines[0]), (
        lines[0]
    )
    for name in (
        "NumPy per-sample SGD",
        "NumPy mini-batch",
        "PyTorch, index batches",
        "PyTorch, DataLoader",
        "Keras, model.fit",
    ):
        row = next((line for line in lines if line.startswith(name)), None)
        assert row is not None, f"no row for {name}:\n" + "\n".join(lines)
        assert re.search(r" \d+\.\d{3} +\d+ +[01]\.\d{4} ", row), (
            f"no s/epoch, epochs, accuracy: {row}"
        )
    assert re.fullmatch(r"numpy/pytorch epoch time ratio: \d+\.\d\d", lines[-1]), lines[-1]


def test_quick_sgd_mode_prints_a_row_per_seed_and_the_cost_of_a_step():
    lines = bench("--sgd")
    rows = [line for line in lines if re.match(r" +\d+ \| +\d+ \| +[01]\.\d{4} \|", line)]
    assert len(rows) == 2, "\n".join(lines)  # two seeds in quick mode
    assert any(line.startswith("sgd_step, 1 BLAS thread") for line in lines)
    assert lines[-1].startswith("shares of a step: forward pass"), lines[-1]
    if (os.cpu_count() or 1) > 1:  # the same step with a BLAS thread per core
        assert any(line.startswith(f"sgd_step, {os.cpu_count()} BLAS threads") for line in lines)


def test_the_benchmark_hands_back_what_it_prints_below_the_table(monkeypatch):
    """Chapter 13 cites the epoch's arithmetic at the peak rate and the GEMM rate: the same numbers
    as printed. The peak rate is the best of the rates measured before, between and after the
    epochs; when the products alone come out faster than the epoch's arithmetic at that rate (here
    forced, by reporting every rate 1,000 times too low), the benchmark says so."""
    from nnscratch.bench import epochs, run

    rates, real_rate = [], epochs.gemm_rate

    def slow_rate(**kwargs):
        rates.append(real_rate(**kwargs) / 1000)
        return rates[-1]

    monkeypatch.setattr("nnscratch.bench.epochs.gemm_rate", slow_rate)
    lines, measures = [], {}
    results = run(quick=True, epochs=2, out=lines.append, measures=measures)
    assert len(rates) == 2 + 2 and measures["gemm_rate"] == max(rates)  # before, 2 epochs, after
    assert any(line.startswith("Warning: NumPy's products alone") for line in lines), lines
    assert set(measures) == {
        "n_train",
        "gemm_rate",
        "bound",
        "gemm_numpy",
        "gemm_torch",
        "load_before",
        "load_after",
    }
    text = "\n".join(lines)
    assert f"{measures['gemm_rate'] / 1e9:.0f} GFLOP/s" in text
    assert f"-> {measures['bound']:.3f} s." in text
    assert f"NumPy {measures['gemm_numpy']:.3f} s, PyTorch {measures['gemm_torch']:.3f} s" in text
    assert list(results)[0] == "NumPy per-sample SGD"
    assert f"{measures['n_train']:,} training" in lines[0]


def test_a_busy_machine_is_noted(monkeypatch):
    from nnscratch.bench.machine import busy_note, report_load

    cpus = os.cpu_count() or 1
    monkeypatch.setattr(os, "getloadavg", lambda: (cpus + 0.5, 0.0, 0.0))
    assert busy_note().startswith(f"Note: this machine is busy (load average {cpus + 0.5:.2f} on")
    lines = []
    report_load(out=lines.append, width=79)
    assert lines[0] == f"{cpus} CPUs, load average {cpus + 0.5:.2f}" and len(lines) == 2
    assert all(len(line) <= 79 for line in lines[1].splitlines())
    monkeypatch.setattr(os, "getloadavg", lambda: (cpus - 0.5, 0.0, 0.0))
    assert busy_note() is None
    lines = []
    report_load(out=lines.append)
    assert len(lines) == 1
