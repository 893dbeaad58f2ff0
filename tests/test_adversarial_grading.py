"""Every adversarial class, for every assignment, graded by nbgrader with the course's configuration.

The submissions come from `benchmarks/adversarial_cases.py`, which makes them from each
solution notebook alone (nothing here names an exercise) and decides, before grading,
the points each test cell deserves. The classes are folded into three submissions per
assignment (`combined_cases`):

- `mixed`: warnings and stderr in every function and answer cell, a hunt for the
  instructor's files, an output flood, functions that read the test's namespace, and
  results whose `==` is always true, each in a part of its own: not flagged;
- `hostile`: test cells deleted, moved and edited, the package's code exec'd for a part,
  a hang that swallows the interrupt, a crash (`os._exit`) and a memory hog, each in a
  part of its own: flagged;
- `patched`: NumPy, Keras, the package, the bridge's server and builtins patched, by
  statements and by names built at run time: 0 everywhere, flagged.

One `nbgrader autograde` call per assignment (two side by side), with a 30 s limit per
cell. The full matrix, one submission per class, is the benchmark's
(`python -m benchmarks.autograding`).
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from system_needs import require

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.adversarial_cases import combined_cases  # noqa: E402
from benchmarks.adversarial_grading import grade, instructor_paths, prepare_course, read_results  # noqa: E402
from benchmarks.adversarial_notebook import is_test, read_assignment, solution_notebooks  # noqa: E402
from benchmarks.adversarial_rewrites import HUNT_NOTHING  # noqa: E402

# A guard against a hang only: on a loaded 2-core machine the five batches took over 30 minutes.
pytestmark = pytest.mark.timeout(3600)

TIME_LIMIT = 30
NOTEBOOKS = solution_notebooks()
IDS = [notebook.parts[0] for notebook in NOTEBOOKS]
STUDENTS = ("mixed", "hostile", "patched")


def grade_one(notebook: Path, root: Path) -> dict:
    assignment = read_assignment(notebook)
    course = prepare_course(root / assignment.name, assignment)
    made = combined_cases(assignment, instructor_paths(course))
    batch = grade(course, assignment, made, timeout=TIME_LIMIT)
    return {"assignment": assignment, "batch": batch, "results": read_results(batch, made)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every assignment's three submissions, graded and given feedback."""
    require("bwrap")  # autograding refuses without the grading sandbox
    root = tmp_path_factory.mktemp("adversarial")
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(NOTEBOOKS, pool.map(lambda notebook: grade_one(notebook, root), NOTEBOOKS)))
    for notebook, entry in done.items():  # the table, with pytest -s
        for student, result in entry["results"].items():
            print(
                f"{notebook.parts[0]:24} {student:8} deserves {sum(result.case.deserved.values()):5g}, given "
                f"{sum(result.scores.values()):5g}, flagged {result.flagged}, "
                f"{entry['batch'].per_submission.get(student)} s"
            )
    return done


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_the_batch_exits_0_and_lists_its_flagged_notebooks(graded, notebook):
    batch = graded[notebook]["batch"]
    assert batch.autograde.returncode == 0, batch.autograde.stderr[-3000:]
    assert batch.feedback.returncode == 0, batch.feedback.stderr[-3000:]
    listing = batch.autograde.stderr.split("flagged for review (needs_manual_grade in the gradebook):")[-1]
    for student, result in graded[notebook]["results"].items():
        if result.flagged:
            assert f"{student}/{notebook.parts[0]}/{notebook.stem}" in listing


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_each_submission_gets_exactly_the_points_it_deserves(graded, notebook, student):
    result = graded[notebook]["results"][student]
    wrong = {
        name: (points, result.scores.get(name))
        for name, points in result.case.deserved.items()
        if result.scores.get(name) != points
    }
    assert not wrong, f"{student} ({result.case.what}): test cell: (deserved, given): {wrong}"


@pytest.mark.parametrize("student", STUDENTS)
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_exactly_the_hostile_submissions_are_flagged(graded, notebook, student):
    result = graded[notebook]["results"][student]
    assert result.flagged is result.case.flagged, f"{student}: flagged is {result.flagged}"
    if result.flagged:
        assert "Flagged for your instructor's review" in result.feedback


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_the_hunt_finds_nothing_and_warnings_stay_in_the_answer_cells(graded, notebook):
    result = graded[notebook]["results"]["mixed"]
    assert result.outputs_as_planned, "the answer cells' outputs: the hunt found something, or the stderr is gone"
    assert HUNT_NOTHING in "".join(
        output.get("text", "") for cell in result.autograded.cells for output in cell.get("outputs", [])
    )
    for cell in result.autograded.cells:
        if is_test(cell):
            assert not [output for output in cell.outputs if output.get("name") == "stderr"], cell.metadata


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_a_flood_of_output_leaves_a_readable_feedback_page(graded, notebook):
    result = graded[notebook]["results"]["mixed"]
    assert result.feedback_bytes < 1_000_000, f"the feedback page has {result.feedback_bytes:,} bytes"
    assert "Output truncated" in result.feedback


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_deleted_moved_and_edited_test_cells_are_put_back_as_released(graded, notebook):
    import nbformat

    result = graded[notebook]["results"]["hostile"]
    solution = nbformat.read(ROOT / "solutions" / notebook, as_version=4)
    released = {cell.metadata.nbgrader.grade_id: cell.source for cell in solution.cells if is_test(cell)}
    restored = {cell.metadata.nbgrader.grade_id: cell.source for cell in result.autograded.cells if is_test(cell)}
    assert list(restored) == list(released)
    assert restored == released
    assert set(result.case.deletes) <= set(result.manual)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_no_feedback_shows_hidden_test_code(graded, notebook):
    import nbformat

    solution = nbformat.read(ROOT / "solutions" / notebook, as_version=4)
    hidden, visible, inside = set(), set(), False
    for cell in solution.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                inside = "BEGIN" in line
            elif len(line.strip()) >= 10:
                (hidden if inside else visible).add(" ".join(line.split()))
    for student, result in graded[notebook]["results"].items():
        own = {" ".join(line.split()) for source in result.case.answers.values() for line in source.splitlines()}
        shown = sorted(line for line in hidden - visible - own if line in result.feedback)
        assert not shown, f"{student}'s feedback shows hidden test code: {shown[:3]}"


def test_every_assignment_and_class_is_covered():
    assert len(NOTEBOOKS) == len({notebook.parts[0] for notebook in NOTEBOOKS}) >= 5
    for notebook in NOTEBOOKS:
        assignment = read_assignment(notebook)
        made = combined_cases(assignment, ["/nowhere"])
        assert [case.student for case in made] == list(STUDENTS)
        hostile = made[1]
        # A hang in a part only test cells call, and the layout changed: the hostile classes that cost time.
        assert "hang in" in hostile.what and hostile.deletes and hostile.edits
