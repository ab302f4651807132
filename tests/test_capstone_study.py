"""The capstone's seed study (``python -m nnscratch.bench.capstone``) runs the solution itself,
with only its seed changed; the full run is measured by hand (README), not in the tests."""

import nbformat

from nnscratch.bench import capstone


def test_the_study_runs_the_solution_with_only_its_seed_changed():
    solution = nbformat.read(capstone.SOLUTION, as_version=4)
    study = capstone.seeded(solution, 3)
    ids = [c.get("id") for c in solution.cells if c.get("id") != "setup"]
    at = ids.index("settings") + 1
    assert [c.get("id") for c in study.cells[:at]] == ids[:at]
    assert study.cells[at].source.startswith("SEED = 3")
    assert [c.get("id") for c in study.cells[at + 1 : -1]] == ids[at:]
    assert capstone.MARK in study.cells[-1].source
    assert all(
        "SEED" in c.source for c in solution.cells if c.get("id") in ("settings", "retrain")
    )  # the setting the study changes is the one the notebook's trainings use


def test_seeds_are_a_range_or_a_list():
    assert capstone.seeds_of("0-4") == [0, 1, 2, 3, 4]
    assert capstone.seeds_of("2,7") == [2, 7]
