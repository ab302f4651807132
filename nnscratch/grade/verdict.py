"""Where a grade's verdicts are decided: in the grader, never in the learner's kernel (issue 23).

For each check cell of a graded notebook, :class:`Probe` draws the check's inputs from the grade's
seed, writes the cell the kernel runs in its place (the prologue, then
:func:`.harness.serve_probe` on the check cell's own arguments), and, after that cell's reply,
reads the one display bound to its nonce as plain data (:mod:`.plain`) and runs the check's judge
here. The worker (:mod:`.runner`) calls it.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import resource
import secrets
from collections.abc import Iterator
from pathlib import Path

from nnscratch.grade import checks, plain
from nnscratch.grade.harness import PROBE_MIME, CheckFailed, inputs_rng, judged
from nnscratch.grade.restore import prologue
from nnscratch.grade.settings import Settings


def check_arguments(source: str, check: str) -> str:
    """The arguments of the call ``check_<check>(...)`` in a canonical check cell, as code."""
    calls = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == f"check_{check}"
    ]
    if not calls:
        raise ValueError(f"the check cell of {check!r} does not call check_{check}")
    call = calls[-1]
    return ", ".join([*map(ast.unparse, call.args), *map(ast.unparse, call.keywords)])


class Probe:
    """A check judged outside the kernel (:func:`.harness.probe`): the cell the kernel runs in its
    place, its inputs, and the judge of what comes back."""

    def __init__(self, split, exercise: str, cell_source: str, settings: Settings) -> None:
        self.split, self.nonce = split, secrets.token_hex(16)
        self.given = plain.roundtrip(split.inputs(inputs_rng(split.check_id, settings.seed)))
        blob = base64.b64encode(plain.encode(self.given)).decode()
        args = check_arguments(cell_source, split.check_id)
        self.source = prologue(exercise, settings) + (
            "__import__('nnscratch.grade.harness', fromlist=['serve_probe']).serve_probe("
            f"{exercise!r}, {split.check_id!r}, {self.nonce!r}, {blob!r}, {args})\n"
        )

    def verdict(self, outputs: list) -> tuple[bool, str]:
        """Judge the probe's display among the cell's ``outputs`` (read after the cell's reply)."""
        prefix = f"{self.nonce}:"
        sent = [
            o.get("data", {}).get(PROBE_MIME)
            for o in outputs
            if o.get("output_type") in ("display_data", "execute_result")
        ]
        found = [s for s in sent if isinstance(s, str) and s.startswith(prefix)]
        if len(found) != 1:
            return False, (
                "the check cell ran, but did not return its measurements to the grader "
                f"({len(found)} results for this check instead of 1)"
            )
        with memory_cap(JUDGE_MEMORY):
            return self._judge(found[0][len(prefix) :])

    def _judge(self, blob: str) -> tuple[bool, str]:
        try:
            data = base64.b64decode(blob, validate=True)
            result = plain.decode(data)
            if not isinstance(result, dict) or (result.get("nonce"), result.get("check")) != (
                self.nonce,
                self.split.check_id,
            ):
                raise plain.NotPlain("not this check's result")
        except (ValueError, plain.NotPlain) as bad:
            return False, f"the check's measurements could not be read: {str(bad)[:200]}"
        if set(result) == {"nonce", "check", "failed"} and isinstance(result["failed"], str):
            return False, result["failed"]
        if set(result) != {"nonce", "check", "outputs"}:
            return False, "the check's measurements could not be read: unexpected fields"
        try:
            return True, judged(self.split, self.given, result["outputs"])
        except CheckFailed as failed:
            return False, str(failed)


#: What decoding and judging one reply may add to the worker's memory: a forged reply within the
#: bounds of plain data could still make a judge expand what it reads (a judge that runs out of it
#: fails its check, "could not be judged").
JUDGE_MEMORY = 3 * 2**30


@contextlib.contextmanager
def memory_cap(extra: int) -> Iterator[None]:
    """Lower this process's data limit (RLIMIT_DATA) to what it uses now plus ``extra`` bytes, for
    the block; put it back afterwards. Where the limit cannot be read or set, no cap."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        status = Path("/proc/self/status").read_text()
        used = int(next(l for l in status.splitlines() if l.startswith("VmData:")).split()[1])
        cap = used * 1024 + extra
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    except (OSError, ValueError, StopIteration):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def probes(nb, cells: list[tuple[int, str]], exercise: str, settings: Settings) -> dict:
    """The :class:`Probe` of each check cell of ``nb`` (``cells``: index and check id), by index."""
    declared = checks.declared(exercise)
    return {
        index: Probe(declared[check], exercise, nb.cells[index].source, settings)
        for index, check in cells
    }
