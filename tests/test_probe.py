"""The probe's reply, as the grader reads it (issue 23), without a kernel.

A probe's outputs are untrusted input: plain data only (no unpickling, bounded sizes), read only
when bound to the check's nonce, judged by the grader; the inputs come from the grade's seed, which
the kernel is never told.
"""

from __future__ import annotations

import base64
import io
import zipfile

import nbformat
import numpy as np
import pytest

import nnscratch.grade
from nnscratch.grade import harness, plain, restore
from nnscratch.grade.checks import ex01_relu
from nnscratch.grade.settings import Settings
from nnscratch.grade.verdict import Probe

CELL = "from nnscratch.grade.checks.ex01_relu import check_relu\ncheck_relu(relu)"


def test_plain_data_goes_and_comes_back():
    value = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "list": [np.array([True, False]), 3, 2**70, -1.5, float("nan"), None, "text"],
        "tuple": (np.int64(4), np.float64(0.25)),
        "scalar": np.array(2.0),
        "nested": {"deeper": {"x": np.zeros((0, 4))}},
    }
    back = plain.roundtrip(value)
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], value["a"])
    assert back["list"][1:4] == [3, 2**70, -1.5] and np.isnan(back["list"][4])
    assert back["list"][5:] == [None, "text"] and back["tuple"] == [4, 0.25]
    assert back["nested"]["deeper"]["x"].shape == (0, 4)
    assert back["scalar"].shape == ()  # one number is not a vector of one


@pytest.mark.parametrize(
    "value",
    [np.array([object()]), {1: np.zeros(2)}, lambda: 0, np.array(["a", "b"]), {"s": {1}}],
)
def test_what_is_not_plain_is_refused_when_sent(value):
    with pytest.raises(plain.NotPlain):
        plain.encode(value)


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_a_forged_reply_is_refused_without_unpickling():
    tree = np.frombuffer(b'{"$array": "a0"}', dtype=np.uint8)
    pickled = _npz(__tree__=tree, a0=np.array([{"x": 1}], dtype=object))  # needs unpickling
    bomb = io.BytesIO()
    np.savez_compressed(bomb, __tree__=tree, a0=np.zeros(2**24))  # 128 MB once read
    deep = np.frombuffer(("[" * 200 + "]" * 200).encode(), dtype=np.uint8)
    named = ("[" + ", ".join(['{"$array": "a0"}'] * 600) + "]").encode()  # one array, 600 times
    shared = _npz(__tree__=np.frombuffer(named, dtype=np.uint8), a0=np.zeros(2**14))
    cases = [pickled, bomb.getvalue(), _npz(__tree__=deep), b"not a zip", _npz(a0=np.ones(2))]
    for data in cases:
        with pytest.raises(plain.NotPlain):
            plain.decode(data)
    with pytest.raises(plain.NotPlain, match="each time named"):
        plain.decode(shared, max_bytes=2**24)  # 600 x 128 kB once the judge expands it
    with zipfile.ZipFile(bomb) as archive:
        assert sum(i.file_size for i in archive.infolist()) > plain.MAX_BYTES


def _probe(seed: int = 1) -> Probe:
    return Probe(ex01_relu.check_relu, "01_relu", CELL, Settings(quick=True, seed=seed))


def _display(nonce: str, result: dict) -> dict:
    data = base64.b64encode(plain.encode({"nonce": nonce, "check": "relu", **result})).decode()
    return nbformat.v4.new_output("display_data", data={harness.PROBE_MIME: f"{nonce}:{data}"})


def _right(given: dict) -> dict:
    return {"out": [np.maximum(z, 0).astype(z.dtype) for z in given["z"]]}


def test_the_grader_judges_the_probes_reply():
    probe = _probe()
    assert probe.verdict([_display(probe.nonce, {"outputs": _right(probe.given)})])[0]
    wrong = {"out": [np.abs(z) for z in probe.given["z"]]}
    passed, message = probe.verdict([_display(probe.nonce, {"outputs": wrong})])
    assert not passed and "ReLU gives 0 where z <= 0" in message


def test_a_reply_the_grader_cannot_trust_fails():
    probe = _probe()
    right = {"outputs": _right(probe.given)}
    other = _probe()  # another check cell's nonce
    cases = {
        "no reply": [],
        "another nonce": [_display(other.nonce, right)],
        "twice": [_display(probe.nonce, right)] * 2,
        "a claim of success": [_display(probe.nonce, right | {"passed": True})],
        "malformed outputs": [_display(probe.nonce, {"outputs": {"out": "ok"}})],
        "missing outputs": [_display(probe.nonce, {"outputs": {}})],
        "not base64": [
            nbformat.v4.new_output("display_data", data={harness.PROBE_MIME: f"{probe.nonce}:%%%"})
        ],
    }
    for name, outputs in cases.items():
        passed, message = probe.verdict(outputs)
        assert not passed and message, name
    failed = _display(probe.nonce, {"failed": "relu(z) changed `z`"})
    assert probe.verdict([failed]) == (False, "relu(z) changed `z`")


def test_the_inputs_come_from_the_grades_seed_which_the_kernel_never_sees():
    a, b, again = _probe(1), _probe(2), _probe(1)
    z = lambda p: p.given["z"][0]  # noqa: E731
    assert np.array_equal(z(a), z(again)) and not np.array_equal(z(a), z(b))
    self_check = ex01_relu.check_relu.inputs(harness.inputs_rng("relu", None))["z"][0]
    assert not np.array_equal(z(a), self_check)
    assert a.nonce != again.nonce
    settings = Settings(quick=True, seed=123456789)
    source = Probe(ex01_relu.check_relu, "01_relu", CELL, settings).source
    assert "123456789" not in source and "123456789" not in restore.prologue("01_relu", settings)
    assert source.rstrip().endswith("relu)")  # the check cell's own argument


def test_a_probe_check_runs_whole_in_a_notebook(capsys):
    def inputs(rng):
        return {"x": rng.standard_normal(3)}

    def judge(given, outputs):
        if not np.allclose(outputs["y"], 2 * given["x"]):
            raise harness.CheckFailed("not twice x")
        return "twice x"

    @harness.probe(inputs, judge)
    def check_double(double, given):
        return {"y": double(given["x"])}

    check_double(lambda x: 2 * x)
    assert capsys.readouterr().out == "PASS double: twice x\n"
    assert nnscratch.grade.PASSED["double"] == "twice x"
    with pytest.raises(harness.CheckFailed, match="not twice x"):
        check_double(lambda x: x)
    with pytest.raises(harness.CheckFailed, match="could not be judged"):
        check_double(lambda x: None)  # a value the judge cannot read
    with pytest.raises(plain.NotPlain):
        check_double(lambda x: object())  # the probe must return plain data
