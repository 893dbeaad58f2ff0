"""Autograding that holds: the matrix of broken and hostile submissions of assignment 01_02_representations.

The cases, their answers and the points each test cell deserves are in
benchmarks/autograding.py, which grades them in two batches (one `nbgrader autograde`
call each, side by side) with the course's nbgrader_config.py. Here every case must get
exactly the points it deserves, cell by cell; the hostile ones are flagged for review;
no feedback page shows hidden-test code; and the README's table is what grading gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.autograding import (  # noqa: E402
    ASSIGNMENT,
    REPRESENTATIONS,
    cases,
    grade_cases,
    hidden_only_lines,
    render_table,
    rows,
    solution_answers,
)
from benchmarks.update_readme import BLOCKS  # noqa: E402
from test_nbgrader_roundtrip import error_of, nbgrader_cells, normalise, read  # noqa: E402

# The module's grading runs once, in the first test's setup: minutes on a busy 2-CPU machine.
pytestmark = pytest.mark.timeout(1800)

STUDENTS = [case.student for case in cases(solution_answers())]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every case graded and given feedback; the results by student, and the two batches."""
    return grade_cases(tmp_path_factory.mktemp("adversarial"))


@pytest.fixture(scope="module")
def results(graded):
    return graded[0]


def test_both_batches_are_graded_to_the_end(graded):
    results, batches = graded
    for name, batch in batches.items():
        # A dead or hung kernel no longer makes autograde drop the submission and exit 1 (autoaegan.autograding).
        assert batch.autograde.returncode == 0, f"{name}: {batch.autograde.stderr[-3000:]}"
        assert batch.feedback.returncode == 0, f"{name}: {batch.feedback.stderr[-3000:]}"
    missing = [student for student, result in results.items() if result.autograded is None or not result.feedback]
    assert not missing, f"no autograded notebook or no feedback for {missing}"


@pytest.mark.parametrize("student", STUDENTS)
def test_each_case_gets_exactly_the_points_it_deserves(results, student):
    result = results[student]
    assert result.scores == result.case.deserved, (
        f"{student} ({result.case.what}): expected {result.case.deserved}, got {result.scores}"
    )


@pytest.mark.parametrize("student", STUDENTS)
def test_exactly_the_hostile_cases_are_flagged_for_review(results, student):
    result = results[student]
    assert result.flagged is result.case.flagged, f"{student}: flagged is {result.flagged}"
    if result.case.flagged:
        assert "Flagged for your instructor's review" in result.feedback


def test_edited_test_cells_are_restored_and_graded_as_released(results):
    autograded = results["edited_tests"].autograded
    release = read(ROOT / "exercises" / REPRESENTATIONS)
    for grade_id in ("test_encode_hailstone", "test_decode_hailstone"):
        assert nbgrader_cells(autograded)[grade_id].source == nbgrader_cells(release)[grade_id].source
    assert "expected (50, 18) (type tuple), got (50, 17)" in error_of(autograded, "test_encode_hailstone")


def test_deleted_test_cells_are_put_back_and_graded(results):
    autograded = results["deleted_tests"].autograded
    cells = nbgrader_cells(autograded)
    assert {"test_decode_hailstone", "test_decode_hailstone_hidden"} <= set(cells)
    assert "decode_hailstone(50, 18)" in error_of(autograded, "test_decode_hailstone")


def test_an_infinite_loop_is_interrupted_at_the_time_limit_in_each_cell_it_reaches(results):
    autograded = results["infinite_loop"].autograded
    for grade_id in ("test_decode_hailstone", "test_decode_hailstone_hidden"):
        enames = [output.ename for output in nbgrader_cells(autograded)[grade_id].outputs
                  if output.output_type == "error"]
        assert "CellTimeoutError" in enames, f"{grade_id}: {enames}"
    # The kernel survived the interrupts: the cells after the loop ran and passed.
    assert not [o for o in nbgrader_cells(autograded)["test_principal_angles"].outputs if o.output_type == "error"]


def test_a_kernel_that_ignores_the_interrupt_is_stopped_and_the_rest_marked_not_run(results):
    autograded = results["ignores_interrupt"].autograded
    assert "the kernel stopped answering" in error_of(autograded, "test_decode_hailstone")
    for grade_id in ("test_decode_hailstone_hidden", "test_principal_angles", "test_plane_angles"):
        assert error_of(autograded, grade_id).startswith("KernelStopped: not run")


def test_a_kernel_killed_by_os_exit_leaves_the_cells_after_it_unrun_and_zero(results):
    autograded = results["os_exit"].autograded
    assert "the kernel died while running this cell" in error_of(autograded, "test_decode_hailstone")
    for grade_id in ("test_decode_hailstone_hidden", "test_principal_angles", "test_plane_angles"):
        assert error_of(autograded, grade_id).startswith("KernelStopped: not run")
    assert "the kernel died" in results["os_exit"].feedback


def test_a_memory_hog_gets_a_memory_error_not_the_machine(results):
    autograded = results["memory_hog"].autograded
    assert error_of(autograded, "test_principal_angles").startswith("MemoryError")
    assert "MemoryError" in error_of(autograded, "test_principal_angles_hidden")


def test_objects_that_equal_everything_are_refused_by_type(results):
    autograded = results["always_equal"].autograded
    assert "(type Anything)" in error_of(autograded, "test_encode_hailstone")
    assert "(type AnyRun)" in error_of(autograded, "test_decode_hailstone")
    assert "expected a NumPy array of shape (2,), got" in error_of(autograded, "test_principal_angles")


@pytest.mark.parametrize("student", ["patched_numpy", "patched_numpy_by_name", "patched_grading"])
def test_patching_numpy_or_the_grading_helpers_earns_nothing(results, student):
    autograded = results[student].autograded
    # Without the guards, these cells would pass: the patched comparison accepts the zero angles.
    if student != "patched_grading":
        assert error_of(autograded, "test_principal_angles").startswith("GradingTampered")
    assert error_of(autograded, "test_principal_angles_hidden").startswith("GradingTampered")
    assert "Every test cell of this notebook was given zero" in results[student].feedback


def test_the_packages_code_earns_nothing_even_rebuilt_from_its_code_object(results):
    autograded = results["package_code"].autograded
    assert "`the code of encode_hailstone_run` (from autoaegan, representations.py)" in error_of(
        autograded, "test_encode_hailstone"
    )


def test_a_flood_of_output_is_graded_normally_and_its_feedback_stays_readable(results):
    result = results["output_flood"]
    assert result.feedback_bytes < 1_000_000, f"the feedback page has {result.feedback_bytes:,} bytes"
    assert "Output truncated" in result.feedback
    assert "encode_hailstone passes the visible tests" in result.feedback


def test_hidden_code_copied_at_run_time_reaches_the_instructor_but_not_the_feedback(results):
    result = results["stolen_tests"]
    printed = "".join(output.get("text", "") for output in
                      nbgrader_cells(result.autograded)["test_decode_hailstone"].outputs)
    hidden = hidden_only_lines()
    # The copy worked: the decoder's visible test printed the hidden tests' code in the autograded notebook...
    assert [line for line in hidden if line in normalise(printed)]
    # ...and the feedback shows a note in its place.
    assert "(a line of hidden test code was removed here)" in result.feedback


@pytest.mark.parametrize("student", STUDENTS)
def test_no_feedback_shows_hidden_test_code(results, student):
    result = results[student]
    # A line the student wrote in an answer may equal a hidden one (`run = [first]`): those are theirs to see.
    own = {normalise(line) for source in result.case.answers.values() for line in source.splitlines()}
    hidden = hidden_only_lines() - own
    assert hidden
    shown = sorted(line for line in hidden if line in result.feedback)
    assert not shown, f"{student}'s feedback shows hidden test code: {shown}"


@pytest.mark.parametrize("student", ["infinite_loop", "memory_hog", "os_exit"])
def test_the_autograded_notebook_keeps_the_details_the_feedback_leaves_out(results, student):
    # The instructor's copy holds the full outputs; the student's page holds one line per hidden cell's error.
    autograded = results[student].autograded
    hidden_cells = [cell for cell in autograded.cells if "BEGIN HIDDEN TESTS" in cell.source]
    assert hidden_cells and any(cell.outputs for cell in hidden_cells)


def test_the_readme_table_is_what_grading_gives(results):
    table = render_table(rows(results))
    results_file = (ROOT / "benchmarks" / BLOCKS["adversarial-grading"]).read_text()
    assert results_file.startswith(table + "\n"), (
        "benchmarks/autograding.md does not match this grading: run `python benchmarks/autograding.py` "
        "and `python benchmarks/update_readme.py`"
    )
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- adversarial-grading: start -->")[1].split("<!-- adversarial-grading: end -->")[0]
    assert table in block
    assert "classroom/README.md" in readme


def test_the_assignment_is_the_one_the_readme_names():
    assert ASSIGNMENT in (ROOT / "README.md").read_text()
