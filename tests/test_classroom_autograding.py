"""The adversarial grading benchmark's record: every assignment, every class, as deserved, and what the README shows.

`python -m benchmarks.autograding` grades one submission per class of
`benchmarks/adversarial_cases.CLASSES` for every assignment and writes
benchmarks/results/autograding.json and .md (the README's `adversarial-grading` block). That
takes long, so the test suite does not run it (tests/test_adversarial_grading.py grades
the classes folded into three submissions per assignment). Here, without grading: the
record covers every assignment of solutions/ and every class, its deserved points are
those the generator decides from today's notebooks, every case was graded exactly as
deserved, and the README shows the record.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.adversarial_cases import CLASSES, cases
from benchmarks.adversarial_notebook import read_assignment, solution_notebooks
from benchmarks.autograding import BENCHMARK, TIMED_WITH_PLAIN, render_markdown

ROOT = Path(__file__).resolve().parents[1]
RECORD = BENCHMARK.read()
ENTRIES = {entry["assignment"]: entry for entry in RECORD.get("assignments", [])}
NOTEBOOKS = solution_notebooks()
IDS = [notebook.parts[0] for notebook in NOTEBOOKS]
RERUN = "run `python -m benchmarks.autograding` and `python -m benchmarks.update_readme`"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_the_record_covers_every_class_with_the_points_deserved_today(notebook):
    assert notebook.parts[0] in ENTRIES, f"no record of {notebook.parts[0]}: {RERUN}"
    entry = ENTRIES[notebook.parts[0]]
    rows = {row["case"]: row for row in entry["rows"]}
    assert list(rows) == list(CLASSES)
    # The deserved points, cell by cell, are what the generator decides from the notebook as it is now.
    for case in cases(read_assignment(notebook), ["/nowhere"]):
        recorded = {name: deserved for name, (deserved, _) in rows[case.kind]["cells"].items()}
        assert recorded == case.deserved, f"{case.kind}: the notebook changed since the record: {RERUN}"
        assert rows[case.kind]["flag_deserved"] is case.flagged


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_every_case_was_graded_exactly_as_deserved(notebook):
    entry = ENTRIES[notebook.parts[0]]
    assert entry["autograde_exit"] == 0 and entry["feedback_exit"] == 0
    wrong = [
        (row["case"], row["given"], row["deserved"], row["flagged"], row["outputs_as_planned"])
        for row in entry["rows"]
        if not (row["as_deserved"] and row["flagged"] == row["flag_deserved"] and row["outputs_as_planned"])
    ]
    assert not wrong, f"(case, given, deserved, flagged, outputs as planned): {wrong}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_the_time_per_submission_is_recorded_beside_plain_nbgraders(notebook):
    entry = ENTRIES[notebook.parts[0]]
    for name in TIMED_WITH_PLAIN:
        assert entry["project_seconds"][name] > 0 and entry["plain_seconds"][name] > 0, name


def test_the_readme_shows_the_record():
    text = render_markdown(RECORD)
    assert BENCHMARK.markdown_file().read_text() == text, RERUN
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- adversarial-grading: start -->")[1].split("<!-- adversarial-grading: end -->")[0]
    assert text.strip() in block, RERUN
    assert "classroom/README.md" in readme
