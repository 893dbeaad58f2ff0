"""The training parts' benchmark record (benchmarks/results/training_parts.json): every assignment measured now.

`python -m benchmarks.training_parts` trains each solution's training part over 20 seeds and each wrong design of
the round-trip cases over 3, which takes long, so the suite checks its record instead: an entry for every solution
and every design, with the training cells the notebooks have today, each as required, and the README's table.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from benchmarks.training_parts import BENCHMARK, REQUIRED_PASSES, SOLUTION_SEEDS, designs, render, training_cells

ROOT = Path(__file__).resolve().parents[1]
RECORD = BENCHMARK.read()
SOLUTIONS = sorted(path.relative_to(ROOT / "solutions") for path in (ROOT / "solutions").glob("*/*.ipynb"))
RERUN = (
    "re-measure with `python -m benchmarks.training_parts --only <assignment>`, "
    "then `python -m benchmarks.update_readme`"
)


def entries(notebook: Path) -> dict[str, dict]:
    return {entry["design"]: entry for entry in RECORD["results"] if entry["notebook"] == notebook.as_posix()}


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=[n.parts[0] for n in SOLUTIONS])
def test_every_solution_and_design_is_measured_with_todays_training_cells(notebook):
    found = entries(notebook)
    assert set(found) == {"solution", *designs(notebook)}, RERUN
    cells = [
        cell.metadata.nbgrader["grade_id"]
        for cell in training_cells(nbformat.read(ROOT / "solutions" / notebook, as_version=4))
    ]
    assert cells, f"{notebook} has no training part"
    for design, entry in found.items():
        assert [row["cell"] for row in entry["rows"]] == cells, f"{notebook} {design}: {RERUN}"


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=[n.parts[0] for n in SOLUTIONS])
def test_the_solution_passes_in_19_of_20_seeds_and_the_wrong_designs_fail(notebook):
    found = entries(notebook)
    assert RECORD["solution_seeds"] == SOLUTION_SEEDS
    for row in found["solution"]["rows"]:
        assert row["seeds"] == SOLUTION_SEEDS and row["passed"] >= REQUIRED_PASSES, row
    for design, entry in found.items():
        assert all(row["held"] for row in entry["rows"]), f"{notebook} {design}: {entry['rows']}"
        if design != "solution":
            must_fail = designs(notebook)[design]["must_fail"]
            if must_fail:  # a wrong design: in every seed, at least one of those cells failed (held)
                assert any(row["passed"] < row["seeds"] for row in entry["rows"] if row["cell"] in must_fail)
            else:  # a correct answer in another style
                assert all(row["passed"] == row["seeds"] for row in entry["rows"])


def test_the_readme_shows_the_recorded_table():
    table = render(RECORD)
    assert BENCHMARK.markdown_file().read_text() == table, RERUN
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- training-parts: start -->")[1].split("<!-- training-parts: end -->")[0]
    assert block.strip() == table.strip(), "run `python -m benchmarks.update_readme`"
