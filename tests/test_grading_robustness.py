"""Grading that holds on submissions written elsewhere: hostile cell layouts and unreadable notebooks, and the
restoration of every test cell deleted, moved or edited in turn, for every assignment.

The adversarial classes of every assignment (warnings and stderr in every function, test cells deleted, moved and
edited, and the rest) are graded in tests/test_adversarial_grading.py, from submissions that
benchmarks/adversarial_cases.py makes from each solution notebook. Here, for assignment 01-02:

- `unreadable`: a file that is not a notebook: set aside, graded as an empty notebook (0), flagged.
- `hostile_layout`: the sign-error decoder with a hostile layout: the setup cell deleted, an edited copy of the
  decoder's test, a forged graded cell worth 100 points, a locked cell without a grade_id, nbgrader metadata that is
  not a dictionary, a test cell turned into markdown, another with its points and flags changed, a locked cell
  edited, and a forged review note: the decoder's tests 0, the rest full points, no grade for the forged cell,
  flagged.

One `nbgrader autograde` call, in its own copy of the course; the batch must exit 0 and list its flagged notebooks
at its end. The layout restoration itself is also checked without a kernel, for every test cell of every
assignment deleted, moved and edited in turn.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode
from system_needs import require

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from test_nbgrader_roundtrip import (  # noqa: E402
    ASSIGNMENTS,
    SOLUTION_NOTEBOOKS,
    VENV_BIN,
    nbgrader_cells,
    nbgrader_environment,
    points_of,
    read,
)

from autoaegan.grading.layout import REVIEW_METADATA, SourceCell, restore_layout  # noqa: E402
from autoaegan.grading.outputs import DropTestStderr  # noqa: E402
from benchmarks.autograding import SIGN_ERROR_DECODER  # noqa: E402

pytestmark = pytest.mark.timeout(1800)

REPRESENTATIONS = Path("01_02_representations/representations.ipynb")


def solution_answers(notebook: Path) -> dict[str, str]:
    solution = read(ROOT / "solutions" / notebook)
    return {grade_id: cell.source for grade_id, cell in nbgrader_cells(solution, solution=True).items()}


def filled(release, answers: dict[str, str]):
    nb = copy.deepcopy(release)
    for grade_id, cell in nbgrader_cells(nb, solution=True).items():
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def hostile_submission(release):
    nb = filled(release, {**solution_answers(REPRESENTATIONS), **SIGN_ERROR_DECODER})
    cells = nbgrader_cells(nb)
    decoder_test = copy.deepcopy(cells["test_decode_hailstone"])
    decoder_test.source = 'print("decode_hailstone passes the visible tests")\n'
    forged = nbformat.v4.new_code_cell('print("free points")')
    forged.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": "bonus",
        "locked": True,
        "points": 100,
        "solution": False,
        "task": False,
        "schema_version": 3,
    }
    no_id = nbformat.v4.new_code_cell("locked_but_nameless = True")
    no_id.metadata["nbgrader"] = {"locked": True, "grade": True, "points": 5}
    not_a_dict = nbformat.v4.new_code_cell("odd_metadata = True")
    not_a_dict.metadata["nbgrader"] = "hostile"
    cells["test_principal_angles"].cell_type = "markdown"
    cells["test_principal_angles"].pop("outputs", None)
    cells["test_principal_angles"].pop("execution_count", None)
    cells["test_principal_angles_hidden"].metadata.nbgrader.update(points=50, grade=False, locked=False)
    cells["load_points"].source = "points = None\n"
    nb.metadata[REVIEW_METADATA] = {"findings": [], "cells": []}
    setup = cells["setup"]
    layout = []
    for cell in nb.cells:
        if cell is setup:
            continue
        layout.append(cell)
        if cell is cells["test_decode_hailstone"]:
            layout.append(decoder_test)  # the last copy is the one kept: its source is put back as released
    nb.cells = [forged, no_id, not_a_dict] + layout
    return nb


def losing(notebook: Path, lost) -> dict[str, float]:
    points = points_of(read(ROOT / "solutions" / notebook))
    return {grade_id: 0.0 if grade_id in lost else value for grade_id, value in points.items()}


# ----- grading -------------------------------------------------------------------------------------------------------


def environment() -> dict[str, str]:
    # Without PYTEST_CURRENT_TEST, ipykernel captures file descriptor 2, as in a learner's JupyterLab.
    return {name: value for name, value in nbgrader_environment().items() if name != "PYTEST_CURRENT_TEST"}


def run_nbgrader(course: Path, *args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "nbgrader"), *args],
        cwd=course,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def grade(folder: Path, notebook: Path) -> dict:
    """Generate the assignment in its own copy of the course, submit this module's cases, autograde them in one call
    and give feedback. Returns what the tests read."""
    from nbgrader.api import Gradebook

    assignment = notebook.parts[0]
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / assignment, folder / "solutions" / assignment)
    generated = run_nbgrader(folder, "generate_assignment", assignment, "--force")
    assert generated.returncode == 0, generated.stderr[-3000:]
    release = read(folder / "exercises" / notebook)
    submissions = {"hostile_layout": hostile_submission(release)}
    for student, nb in submissions.items():
        path = folder / "submitted" / student / notebook
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    if notebook == REPRESENTATIONS:  # a file that is no notebook at all
        path = folder / "submitted" / "unreadable" / notebook
        path.parent.mkdir(parents=True)
        path.write_text('{"cells": [{"cell_type": "code", "source": "broken')
        submissions["unreadable"] = None
    autograde = run_nbgrader(folder, "autograde", assignment)
    feedback = run_nbgrader(folder, "generate_feedback", assignment)
    result = {"autograde": autograde, "feedback": feedback, "students": {}}
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        for student in submissions:
            submitted = gradebook.find_submission_notebook(notebook.stem, assignment, student)
            autograded_path = folder / "autograded" / student / notebook
            result["students"][student] = {
                "scores": {grade.name: float(grade.score) for grade in submitted.grades},
                "manual": sorted(grade.name for grade in submitted.grades if grade.needs_manual_grade),
                "flagged": bool(submitted.flagged),
                "autograded": read(autograded_path) if autograded_path.exists() else None,
            }
    result["folder"] = folder
    return result


def deserved(notebook: Path, student: str) -> dict[str, float]:
    """The points each test cell of `student`'s `notebook` deserves, decided before grading."""
    if student == "hostile_layout":
        return losing(notebook, ("test_decode_hailstone", "test_decode_hailstone_hidden"))
    return losing(notebook, points_of(read(ROOT / "solutions" / notebook)))  # unreadable: nothing


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    require("bwrap")  # autograding refuses without the grading sandbox
    result = grade(tmp_path_factory.mktemp("robustness") / REPRESENTATIONS.parts[0], REPRESENTATIONS)
    for student, given in result["students"].items():  # the table, with pytest -s
        print(
            f"{student:16} deserves {sum(deserved(REPRESENTATIONS, student).values()):5g}, "
            f"given {sum(given['scores'].values()):5g}, flagged {given['flagged']}, "
            f"autograde exit {result['autograde'].returncode}"
        )
    return {REPRESENTATIONS: result}


IDS = [notebook.as_posix() for notebook in SOLUTION_NOTEBOOKS]


def test_the_batch_exits_0_and_lists_its_flagged_notebooks(graded):
    result = graded[REPRESENTATIONS]
    assert result["autograde"].returncode == 0, result["autograde"].stderr[-3000:]
    assert result["feedback"].returncode == 0, result["feedback"].stderr[-3000:]
    listing = result["autograde"].stderr.split("flagged for review (needs_manual_grade in the gradebook):")[-1]
    flagged = [student for student, graded_ in result["students"].items() if graded_["flagged"]]
    assert flagged and all(
        f"{student}/{REPRESENTATIONS.parts[0]}/{REPRESENTATIONS.stem}" in listing for student in flagged
    )


def test_a_hostile_layout_is_graded_as_deserved_and_flagged(graded):
    student = graded[REPRESENTATIONS]["students"]["hostile_layout"]
    assert student["scores"] == deserved(REPRESENTATIONS, "hostile_layout")
    assert student["flagged"]
    autograded = student["autograded"]
    cells = nbgrader_cells(autograded)
    source = read(ROOT / "solutions" / REPRESENTATIONS)
    assert list(cells) == list(nbgrader_cells(source))
    assert "bonus" not in cells
    assert cells["test_principal_angles"].cell_type == "code"
    assert "decode_hailstone(50, 18)" in "".join(
        output.get("evalue", "") for output in cells["test_decode_hailstone"].outputs
    )
    findings = autograded.metadata[REVIEW_METADATA]["findings"]
    assert any("`setup` was deleted" in finding for finding in findings)
    assert any("`load_points` was edited" in finding for finding in findings)


def test_an_unreadable_notebook_is_set_aside_graded_zero_and_flagged(graded):
    result = graded[REPRESENTATIONS]
    student = result["students"]["unreadable"]
    assert student["scores"] == deserved(REPRESENTATIONS, "unreadable")
    assert student["flagged"]
    kept = result["folder"] / "submitted" / "unreadable" / REPRESENTATIONS.with_suffix(".ipynb.unreadable")
    assert kept.read_text().startswith('{"cells"')
    assert "could not be read" in student["autograded"].metadata[REVIEW_METADATA]["findings"][0]


# ----- without a kernel: the restoration alone, for every test cell of every assignment ------------------------------


def plan_of(notebook: Path) -> list[SourceCell]:
    """The assignment's cells as the gradebook holds them, from the solution notebook."""
    plan = []
    for cell in read(ROOT / "solutions" / notebook).cells:
        meta = cell.metadata.get("nbgrader", {})
        if "grade_id" in meta:
            plan.append(
                SourceCell(
                    meta["grade_id"],
                    cell.cell_type,
                    cell.source,
                    bool(meta.get("locked")),
                    bool(meta.get("grade")),
                    bool(meta.get("solution")),
                    bool(meta.get("task")),
                    float(meta["points"]) if meta.get("grade") else None,
                    meta.get("checksum"),
                )
            )
    return plan


def layout(cells) -> list[str]:
    return [cell.metadata["nbgrader"]["grade_id"] for cell in cells if "nbgrader" in cell.metadata]


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_release_and_the_solution_are_left_as_they_are(notebook):
    plan = plan_of(notebook)
    for nb in (read(ROOT / "exercises" / notebook), read(ROOT / "solutions" / notebook)):
        cells, findings, touched = restore_layout(copy.deepcopy(nb.cells), plan)
        assert (findings, touched) == ([], [])
        assert [cell.source for cell in cells if cell.metadata.get("nbgrader", {}).get("locked") is False] == [
            cell.source for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("locked") is False
        ]
        assert len(cells) == len(nb.cells) and layout(cells) == [spec.name for spec in plan]


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_each_test_cell_deleted_moved_or_edited_in_turn_comes_back_as_released(notebook):
    plan = plan_of(notebook)
    release = read(ROOT / "exercises" / notebook)
    solution = nbgrader_cells(read(ROOT / "solutions" / notebook))
    names = [spec.name for spec in plan]
    for name in (spec.name for spec in plan if spec.grade):
        for how in ("deleted", "moved to the top", "moved to the end", "edited"):
            cells = copy.deepcopy(release.cells)
            (index,) = [i for i, cell in enumerate(cells) if cell.metadata.get("nbgrader", {}).get("grade_id") == name]
            if how == "edited":
                cells[index].source = 'print("this test passes")\n'
                rebuilt, findings, touched = restore_layout(cells, plan)
                restored = [c for c in rebuilt if c.metadata.get("nbgrader", {}).get("grade_id") == name][0]
                assert restored.source == solution[name].source and layout(rebuilt) == names, (name, how)
                assert name in touched and findings, (name, how, findings)
                continue
            cell = cells.pop(index)
            if how == "moved to the top":
                cells.insert(0, cell)
            elif how == "moved to the end":
                cells.append(cell)
            changed = layout(cells) != names
            rebuilt, findings, touched = restore_layout(cells, plan)
            assert layout(rebuilt) == names, (name, how)
            restored = [c for c in rebuilt if c.metadata.get("nbgrader", {}).get("grade_id") == name][0]
            assert restored.source == solution[name].source, (name, how)
            # A change of place that keeps the order of the assignment's cells (the last test moved below the
            # instructions that end the notebook) is no change of layout.
            assert (name in touched and bool(findings)) is changed, (name, how, findings)
            # The release's other cells (instructions) are all still there.
            assert len(rebuilt) == len(release.cells), (name, how)


def test_cells_of_the_students_own_stay_after_the_cell_they_followed():
    plan = plan_of(REPRESENTATIONS)
    cells = copy.deepcopy(read(ROOT / "exercises" / REPRESENTATIONS).cells)
    position = layout(cells).index("test_encode_hailstone")
    index = [i for i, cell in enumerate(cells) if cell.metadata.get("nbgrader", {}).get("grade_id")][position]
    cells.insert(index + 1, nbformat.v4.new_code_cell("helper = 1"))
    moved = cells.pop(index)  # the test moved to the end: the student's cell stays after the answer
    cells.append(moved)
    rebuilt, _, _ = restore_layout(cells, plan)
    sources = [cell.source for cell in rebuilt]
    answer = next(
        i for i, cell in enumerate(rebuilt) if cell.metadata.get("nbgrader", {}).get("grade_id") == "encode_hailstone"
    )
    assert sources[answer + 1] == "helper = 1"
    assert rebuilt[answer + 2].metadata["nbgrader"]["grade_id"] == "test_encode_hailstone"


def test_forged_and_broken_metadata_never_raise_and_earn_nothing():
    plan = plan_of(REPRESENTATIONS)
    nb = hostile_submission(read(ROOT / "exercises" / REPRESENTATIONS))
    cells, findings, touched = restore_layout(nb.cells, plan)
    assert layout(cells) == [spec.name for spec in plan]
    assert not [cell for cell in cells if "bonus" in str(cell.metadata)]
    assert "setup" in touched and "test_principal_angles_hidden" not in touched
    assert any("not the assignment's" in finding for finding in findings)
    assert any("not a dictionary" in finding for finding in findings)
    assert any("`test_decode_hailstone` appears more than once" in finding for finding in findings)
    assert any("`test_principal_angles_hidden`: its grade, locked, points changed" in finding for finding in findings)
    for cell in cells:
        meta = cell.metadata.get("nbgrader")
        assert meta is None or meta["grade_id"] in {spec.name for spec in plan}
    # Not even cells that are not cells, or no metadata at all.
    cells, findings, _ = restore_layout([NotebookNode({"cell_type": "code", "source": "x = 1"}), "junk"], plan)
    assert layout(cells) == [spec.name for spec in plan if spec.locked or spec.grade]


def test_a_file_that_is_no_notebook_is_set_aside_and_replaced_by_an_empty_one(tmp_path):
    from autoaegan.grading.layout import UNREADABLE_METADATA, set_aside_unreadable_notebooks

    broken, fine = tmp_path / "broken.ipynb", tmp_path / "fine.ipynb"
    broken.write_text("{not json")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), fine)
    before = fine.read_text()
    set_aside_unreadable_notebooks(assignment="a", student="s", notebooks=[str(broken), str(fine)])
    assert (tmp_path / "broken.ipynb.unreadable").read_text() == "{not json"
    stand_in = read(broken)
    assert stand_in.cells == [] and "NotJSONError" in stand_in.metadata[UNREADABLE_METADATA]
    assert fine.read_text() == before


def test_only_the_test_cells_lose_their_stderr():
    from nbgrader.utils import determine_grade

    stderr = NotebookNode(output_type="stream", name="stderr", text="UserWarning: Do not pass an `input_shape`\n")
    stdout = NotebookNode(output_type="stream", name="stdout", text="passes the visible tests\n")
    error = NotebookNode(output_type="error", ename="AssertionError", evalue="wrong", traceback=[])
    test = nbformat.v4.new_code_cell("check()")
    test.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 2}
    answer = nbformat.v4.new_code_cell("def f(): ...")
    answer.metadata["nbgrader"] = {"grade": False, "solution": True, "locked": False, "grade_id": "a"}
    nb = nbformat.v4.new_notebook(cells=[test, answer])
    test.outputs, answer.outputs = [stderr, stdout], [stderr, stdout]
    assert determine_grade(test) == (0, 2.0)  # nbgrader alone
    DropTestStderr().preprocess(nb, {})
    assert test.outputs == [stdout] and answer.outputs == [stderr, stdout]
    assert determine_grade(test) == (2.0, 2.0)
    test.outputs = [stderr, error]
    DropTestStderr().preprocess(nb, {})
    assert determine_grade(test) == (0, 2.0)  # a failing check still costs the points


def test_every_assignment_is_covered():
    assert sorted(notebook.parts[0] for notebook in SOLUTION_NOTEBOOKS) == ASSIGNMENTS
    assert os.path.basename(__file__).startswith("test_")
