"""The exercises' round trip through nbgrader, in a temporary copy of the course.

`solutions/<assignment>/*.ipynb` are the instructor's notebooks (solutions and
hidden tests); `exercises/` holds what `nbgrader generate_assignment` makes of
them. Here every assignment's release is regenerated and compared with the
committed one, the notebooks are validated, and the submissions of each assignment
(`tests/roundtrip_cases/`: the solution, the untouched release, answers in other
styles, planned mistakes, models too small or copying) are autograded in one call
per assignment; the points of every test cell are read back from the gradebook and
must be exactly what each submission deserves. The validations and the gradings run side by side,
each in its own process (and each assignment in its own copy of the course, with
its own gradebook), to keep the file's wall time down.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from system_needs import require

from tests.roundtrip_cases import all_cases

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH: the venv's bin must be on it
SOLUTION_NOTEBOOKS = sorted(path.relative_to(ROOT / "solutions") for path in (ROOT / "solutions").glob("*/*.ipynb"))
RELEASE_NOTEBOOKS = sorted(path.relative_to(ROOT / "exercises") for path in (ROOT / "exercises").glob("*/*.ipynb"))
IDS = [path.as_posix() for path in SOLUTION_NOTEBOOKS]
ASSIGNMENTS = sorted({path.parts[0] for path in SOLUTION_NOTEBOOKS})
# Every assignment's submissions are graded in the first test's setup, training parts included.
pytestmark = pytest.mark.timeout(3600)
CASES = all_cases()
# (notebook, student) for every listed submission: the solution and the untouched release come on top.
LISTED = [(notebook, student) for notebook, cases in sorted(CASES.items()) for student in sorted(cases.submissions)]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def nbgrader_cells(nb, **flags) -> dict[str, nbformat.NotebookNode]:
    """The cells of `nb` with nbgrader metadata matching `flags` (e.g. grade=True), by grade_id."""
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if "grade_id" in meta and all(meta.get(flag, False) == value for flag, value in flags.items()):
            cells[meta["grade_id"]] = cell
    return cells


def points_of(nb) -> dict[str, float]:
    """The points of each autograded test cell of `nb`."""
    cells = nbgrader_cells(nb, grade=True)
    return {grade_id: float(cell.metadata.nbgrader["points"]) for grade_id, cell in cells.items()}


def nbgrader_environment() -> dict[str, str]:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.setdefault("AUTOAEGAN_PROFILE", "test")
    return env


def nbgrader(course: Path, *args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "nbgrader"), *args],
        cwd=course,
        env=nbgrader_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# nbgrader's Validator, run in its own process so that several notebooks validate side by side.
VALIDATE = """
import json, sys
from nbgrader.validator import Validator
from traitlets.config.loader import PyFileConfigLoader

config = PyFileConfigLoader("nbgrader_config.py", path=sys.argv[1]).load_config()
print(json.dumps(Validator(config=config).validate(sys.argv[2])))
"""


def validate(course: Path, notebook: Path, timeout: int = 1200) -> dict:
    """`Validator().validate(notebook)` with the course's configuration: {} when every test cell passes."""
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE, str(course), str(notebook)],
        cwd=course,
        env=nbgrader_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course in which `exercises/` has been regenerated from `solutions/`."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copytree(ROOT / "exercises", course / "exercises")
    for assignment in ASSIGNMENTS:
        done = nbgrader(course, "generate_assignment", assignment, "--force")
        assert done.returncode == 0, done.stderr
    return course


def test_every_solution_notebook_has_its_release():
    assert SOLUTION_NOTEBOOKS, "no notebook in solutions/<assignment>/"
    assert SOLUTION_NOTEBOOKS == RELEASE_NOTEBOOKS, (
        "solutions/ and exercises/ should hold the same notebooks: regenerate the release with "
        "`nbgrader generate_assignment <assignment> --force` at the repository root"
    )


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_regenerating_the_release_reproduces_the_committed_one(course, notebook):
    regenerated = (course / "exercises" / notebook).read_bytes()
    committed = (ROOT / "exercises" / notebook).read_bytes()
    # nbgrader's output is deterministic (checksums, cell ids and JSON layout), so the files match byte for byte.
    assert regenerated == committed, (
        f"exercises/{notebook} is not what `nbgrader generate_assignment` makes from solutions/{notebook}: "
        "regenerate it (never edit the release by hand)"
    )


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_every_assignment_has_its_planned_points(notebook):
    assert notebook in CASES, f"plan the points and the submissions of {notebook} in tests/roundtrip_cases/"
    assert points_of(read(ROOT / "solutions" / notebook)) == CASES[notebook].points


def normalise(text: str) -> str:
    return " ".join(text.split())


def submission(release, answers: dict[str, str]):
    """The release with the answer cells named in `answers` filled in, as a student would hand it in."""
    nb = copy.deepcopy(release)
    cells = nbgrader_cells(nb, solution=True)
    for grade_id, source in answers.items():
        cells[grade_id].source = source
    return nb


@dataclass
class Grading:
    """One assignment graded in its own copy of the course: the nbgrader calls that autograded it and gave feedback."""

    course: Path
    autograde: subprocess.CompletedProcess
    feedback: subprocess.CompletedProcess


def grade_assignment(folder: Path) -> Grading:
    """Autograde every submission in `folder` (a course copy named after its assignment) at once, then give feedback."""
    autograde = nbgrader(folder, "autograde", folder.name)
    return Grading(folder, autograde, nbgrader(folder, "generate_feedback", folder.name))


def prepare_grading(course: Path, assignment: str, folder: Path) -> Path:
    """A copy of the course for grading `assignment` alone: its notebooks, a copy of the gradebook, the submissions."""
    folder.mkdir()
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(course / name, folder)
    for source in ("solutions", "exercises"):
        shutil.copytree(course / source / assignment, folder / source / assignment)
    for notebook in (path for path in SOLUTION_NOTEBOOKS if path.parts[0] == assignment):
        solution = read(course / "solutions" / notebook)
        release = read(course / "exercises" / notebook)
        answers = {grade_id: cell.source for grade_id, cell in nbgrader_cells(solution, solution=True).items()}
        students = {"solution": solution, "untouched": release}
        cases = CASES.get(notebook)
        for student, listed in cases.submissions.items() if cases else ():
            students[student] = submission(release, {**answers, **listed.answers})
        for student, nb in students.items():
            path = folder / "submitted" / student / notebook
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
    return folder


@pytest.fixture(scope="module")
def jobs(course, tmp_path_factory):
    """Start the validations and the gradings side by side; yield their futures by name.

    The gradings take longest and start first: one autograde call per assignment,
    each in its own copy of the course (nbgrader's gradebook is one SQLite file).
    """
    grading_root = tmp_path_factory.mktemp("grading")
    folders = {assignment: prepare_grading(course, assignment, grading_root / assignment) for assignment in ASSIGNMENTS}

    def timed(name, function, *args):
        start = time.perf_counter()
        result = function(*args)
        print(f"{name}: {time.perf_counter() - start:.0f} s")
        return result

    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        futures = {}
        for assignment, folder in sorted(folders.items(), key=lambda item: -len(list(item[1].glob("submitted/*")))):
            futures[assignment] = pool.submit(timed, f"autograde {assignment}", grade_assignment, folder)
        for source in ("solutions", "exercises"):
            for notebook in SOLUTION_NOTEBOOKS:
                name = f"validate {source}/{notebook.as_posix()}"
                futures[source, notebook] = pool.submit(timed, name, validate, course, course / source / notebook)
        yield futures


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_solution_passes_validation(jobs, notebook):
    assert jobs["solutions", notebook].result() == {}


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_release_fails_validation(jobs, notebook):
    results = jobs["exercises", notebook].result()
    assert set(results) == {"failed"}
    errors = "\n".join(failure["error"] for failure in results["failed"])
    assert "NotImplementedError" in errors


class Graded:
    """The gradings of every assignment, read by notebook and student."""

    def __init__(self, gradings: dict[str, Grading]):
        self.gradings = gradings

    def grading(self, notebook: Path) -> Grading:
        return self.gradings[notebook.parts[0]]

    def scores(self, student: str, notebook: Path) -> dict[str, float]:
        """The points of each test cell of `student`'s `notebook`, from the assignment's gradebook."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.grading(notebook).course / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission_notebook(notebook.stem, notebook.parts[0], student)
            return {grade.name: grade.score for grade in submission.grades}

    def students(self, notebook: Path) -> list[str]:
        return sorted(path.name for path in (self.grading(notebook).course / "submitted").iterdir())

    def submitted(self, student: str, notebook: Path) -> nbformat.NotebookNode:
        return read(self.grading(notebook).course / "submitted" / student / notebook)

    def autograded(self, student: str, notebook: Path) -> nbformat.NotebookNode:
        return read(self.grading(notebook).course / "autograded" / student / notebook)

    def feedback_text(self, student: str, notebook: Path) -> str:
        """The feedback page of `student`'s `notebook` as plain text (tags removed, entities decoded)."""
        page = (self.grading(notebook).course / "feedback" / student / notebook.with_suffix(".html")).read_text()
        page = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
        return normalise(html.unescape(re.sub(r"<[^>]+>", "", page)))


@pytest.fixture(scope="module")
def graded(jobs) -> Graded:
    """Every submission of every assignment autograded, and its feedback generated."""
    require("bwrap")  # autograding refuses without the grading sandbox
    return Graded({assignment: jobs[assignment].result() for assignment in ASSIGNMENTS})


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_and_feedback_run_cleanly(graded, assignment):
    grading = graded.gradings[assignment]
    # autograde exits 1 when a submission's kernel dies; no submission here should crash it.
    assert grading.autograde.returncode == 0, grading.autograde.stderr[-3000:]
    assert grading.feedback.returncode == 0, grading.feedback.stderr[-3000:]


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_solution_gets_full_marks(graded, notebook):
    points = points_of(read(ROOT / "solutions" / notebook))
    assert points and graded.scores("solution", notebook) == points


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_solutions_test_cells_write_nothing_to_stderr(graded, notebook):
    # nbgrader gives no points to a test cell that writes to stderr (a warning, a log line), even when it passes.
    autograded = graded.autograded("solution", notebook)
    noisy = {
        grade_id: [output.text for output in cell.outputs if output.get("name") == "stderr"]
        for grade_id, cell in nbgrader_cells(autograded, grade=True).items()
    }
    assert not {grade_id: texts for grade_id, texts in noisy.items() if texts}


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_untouched_release_gets_zero(graded, notebook):
    points = points_of(read(ROOT / "solutions" / notebook))
    assert graded.scores("untouched", notebook) == dict.fromkeys(points, 0.0)
    # Every cell ran: the notebook was graded to its end, not cut short by a crash.
    autograded = graded.autograded("untouched", notebook)
    assert all(cell.execution_count for cell in autograded.cells if cell.cell_type == "code")


def error_of(nb, grade_id: str) -> str:
    (error,) = [output for output in nbgrader_cells(nb)[grade_id].outputs if output.output_type == "error"]
    return f"{error.ename}: {error.evalue}"


@pytest.mark.parametrize(("notebook", "student"), LISTED, ids=[f"{n.as_posix()}:{s}" for n, s in LISTED])
def test_each_submission_gets_exactly_what_it_deserves(graded, notebook, student):
    cases = CASES[notebook]
    assert graded.scores(student, notebook) == cases.deserved(student), cases.submissions[student].why


@pytest.mark.parametrize(("notebook", "student"), LISTED, ids=[f"{n.as_posix()}:{s}" for n, s in LISTED])
def test_each_lost_part_says_why(graded, notebook, student):
    autograded = graded.autograded(student, notebook)
    listed = CASES[notebook].submissions[student]
    for grade_id, text in listed.messages.items():
        assert text in error_of(autograded, grade_id), f"{student}: {grade_id} should say {text!r}"
    for grade_id in listed.deserved:
        if grade_id.endswith("_hidden") and listed.deserved[grade_id] == 0:
            assert error_of(autograded, grade_id).startswith("HiddenTestFailure: hidden tests failed")


def region_lines(nb, inside: bool) -> set[str]:
    """The normalised code lines of `nb` inside (or outside) the hidden-test regions."""
    lines, hidden = set(), False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line or "END HIDDEN TESTS" in line:
                hidden = "BEGIN" in line
            elif normalise(line) and hidden == inside:
                lines.add(normalise(line))
    return lines


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_feedback_shows_no_hidden_test_code(graded, notebook):
    source = read(ROOT / "solutions" / notebook)
    hidden_only = region_lines(source, inside=True) - region_lines(source, inside=False)
    # Lines too short to tell apart from the visible code's (`}`, `else:`) are left out of the search.
    hidden_only = {line for line in hidden_only if len(line) >= 10}
    visible = region_lines(nbformat.read(ROOT / "exercises" / notebook, as_version=4), inside=False)
    assert hidden_only
    for student in graded.students(notebook):
        # The autograded notebook still holds the hidden tests; only the feedback clears them...
        assert hidden_only <= region_lines(graded.autograded(student, notebook), inside=True)
        text = graded.feedback_text(student, notebook)
        # ...and the page shows the code of the visible tests, so the search below can find code.
        assert any(line in text for line in visible if line.startswith("expect_"))
        # A line the student wrote in their own answer is theirs to see, even where a hidden test has it too.
        own = region_lines(graded.submitted(student, notebook), inside=False)
        shown = sorted(line for line in hidden_only - own if line in text)
        assert not shown, f"{student}'s feedback shows hidden test code: {shown}"
