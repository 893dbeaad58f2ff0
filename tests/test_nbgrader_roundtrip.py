"""The exercises' round trip through nbgrader, in a temporary copy of the course.

`solutions/<assignment>/*.ipynb` are the instructor's notebooks (solutions and
hidden tests); `exercises/` holds what `nbgrader generate_assignment` makes of
them. Here the release is regenerated and compared with the committed one, the
notebooks are validated, a few submissions are autograded in one call and the
points of every test cell are read back from the gradebook.
"""

from __future__ import annotations

import copy
import html
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent  # nbgrader runs `alembic` from PATH: the venv's bin must be on it
SOLUTION_NOTEBOOKS = sorted(path.relative_to(ROOT / "solutions") for path in (ROOT / "solutions").glob("*/*.ipynb"))
RELEASE_NOTEBOOKS = sorted(path.relative_to(ROOT / "exercises") for path in (ROOT / "exercises").glob("*/*.ipynb"))
IDS = [path.as_posix() for path in SOLUTION_NOTEBOOKS]

# The points of the first assignment, cell by cell (grade_id: points).
REPRESENTATIONS = Path("01_02_representations/representations.ipynb")
PART_1 = {
    "test_encode_hailstone": 2,
    "test_encode_hailstone_hidden": 2,
    "test_encode_hailstone_errors_hidden": 1,
    "test_decode_hailstone": 2,
    "test_decode_hailstone_hidden": 2,
}
PART_2 = {"test_principal_angles": 2, "test_principal_angles_hidden": 2, "test_plane_angles": 2}

# Submissions that take the package's reference implementations instead of writing their own.
IMPORTED_CODEC = {
    "encode_hailstone": "from autoaegan.representations import encode_hailstone_run as encode_hailstone\n",
    "decode_hailstone": (
        "from autoaegan.representations import decode_hailstone_run\n\n\n"
        "def decode_hailstone(first, count):\n"
        '    """A thin wrapper around the package."""\n'
        "    return decode_hailstone_run(first, count)\n"
    ),
}
WRAPPED_ANGLES = {
    "principal_angles": (
        "import numpy as np\n"
        "import autoaegan.subspace\n\n\n"
        "def principal_angles(a, b):\n"
        "    return autoaegan.subspace.principal_angles(a, b)\n"
    ),
}
# Passes the visible tests but forgets to reject empty runs and numbers below 1.
LENIENT_ENCODER = {
    "encode_hailstone": (
        "def encode_hailstone(run):\n"
        "    for index in range(1, len(run)):\n"
        "        before = run[index - 1]\n"
        "        if run[index] != (3 * before + 1 if before % 2 else before // 2):\n"
        '            raise ValueError(f"the rule breaks at index {index}")\n'
        "    return run[0], len(run)\n"
    ),
}


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


def nbgrader(course: Path, *args: str, timeout: int = 400) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    env.setdefault("AUTOAEGAN_PROFILE", "test")
    return subprocess.run(
        [str(VENV_BIN / "nbgrader"), *args],
        cwd=course, env=env, capture_output=True, text=True, timeout=timeout,
    )


def nbgrader_config(course: Path):
    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course in which `exercises/` has been regenerated from `solutions/`."""
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copytree(ROOT / "exercises", course / "exercises")
    for assignment in sorted({path.parts[0] for path in SOLUTION_NOTEBOOKS}):
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
def test_the_solution_passes_validation(course, notebook):
    from nbgrader.validator import Validator

    assert Validator(config=nbgrader_config(course)).validate(str(course / "solutions" / notebook)) == {}


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_release_fails_validation(course, notebook):
    from nbgrader.validator import Validator

    results = Validator(config=nbgrader_config(course)).validate(str(course / "exercises" / notebook))
    assert set(results) == {"failed"}
    errors = "\n".join(failure["error"] for failure in results["failed"])
    assert "NotImplementedError" in errors


@dataclass
class Graded:
    course: Path
    autograde: subprocess.CompletedProcess
    feedback: subprocess.CompletedProcess
    seconds: float

    def scores(self, student: str, notebook: Path) -> dict[str, float]:
        """The points of each test cell of `student`'s `notebook`, from the gradebook."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission_notebook(notebook.stem, notebook.parts[0], student)
            return {grade.name: grade.score for grade in submission.grades}

    def autograded(self, student: str, notebook: Path) -> nbformat.NotebookNode:
        return read(self.course / "autograded" / student / notebook)

    def feedback_text(self, student: str, notebook: Path) -> str:
        """The feedback page of `student`'s `notebook` as plain text (tags removed, entities decoded)."""
        page = (self.course / "feedback" / student / notebook.with_suffix(".html")).read_text()
        page = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
        return normalise(html.unescape(re.sub(r"<[^>]+>", "", page)))


def normalise(text: str) -> str:
    return " ".join(text.split())


def submission(release, answers: dict[str, str]):
    """The release with the answer cells named in `answers` filled in, as a student would hand it in."""
    nb = copy.deepcopy(release)
    cells = nbgrader_cells(nb, solution=True)
    for grade_id, source in answers.items():
        cells[grade_id].source = source
    return nb


@pytest.fixture(scope="module")
def graded(course) -> Graded:
    """Every submission autograded in one nbgrader call, then its feedback generated."""
    for notebook in SOLUTION_NOTEBOOKS:
        solution = read(course / "solutions" / notebook)
        release = read(course / "exercises" / notebook)
        students = {"solution": solution, "untouched": release}
        if notebook == REPRESENTATIONS:
            answers = {grade_id: cell.source for grade_id, cell in nbgrader_cells(solution, solution=True).items()}
            students["imported_codec"] = submission(release, {**answers, **IMPORTED_CODEC})
            students["wrapped_angles"] = submission(release, {**answers, **WRAPPED_ANGLES})
            students["lenient_encoder"] = submission(release, {**answers, **LENIENT_ENCODER})
        for student, nb in students.items():
            path = course / "submitted" / student / notebook
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)
    start = time.perf_counter()
    autograde = nbgrader(course, "autograde", "*")
    seconds = time.perf_counter() - start
    feedback = nbgrader(course, "generate_feedback", "*")
    print(f"autograde of {len(list((course / 'submitted').glob('*/*/*.ipynb')))} submissions: {seconds:.0f} s")
    return Graded(course, autograde, feedback, seconds)


def test_autograde_and_feedback_run_cleanly(graded):
    # autograde exits 1 when a submission's kernel dies; no submission here should crash it.
    assert graded.autograde.returncode == 0, graded.autograde.stderr[-3000:]
    assert graded.feedback.returncode == 0, graded.feedback.stderr[-3000:]


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_solution_gets_full_marks(graded, notebook):
    points = points_of(read(ROOT / "solutions" / notebook))
    assert points and graded.scores("solution", notebook) == points


@pytest.mark.parametrize("notebook", SOLUTION_NOTEBOOKS, ids=IDS)
def test_the_untouched_release_gets_zero(graded, notebook):
    points = points_of(read(ROOT / "solutions" / notebook))
    assert graded.scores("untouched", notebook) == dict.fromkeys(points, 0.0)
    # Every cell ran: the notebook was graded to its end, not cut short by a crash.
    autograded = graded.autograded("untouched", notebook)
    assert all(cell.execution_count for cell in autograded.cells if cell.cell_type == "code")


def test_the_first_assignment_has_the_planned_points():
    assert points_of(read(ROOT / "solutions" / REPRESENTATIONS)) == {**PART_1, **PART_2}


def error_of(nb, grade_id: str) -> str:
    (error,) = [output for output in nbgrader_cells(nb)[grade_id].outputs if output.output_type == "error"]
    return f"{error.ename}: {error.evalue}"


def test_importing_the_package_codec_earns_nothing_for_part_1(graded):
    assert graded.scores("imported_codec", REPRESENTATIONS) == {**dict.fromkeys(PART_1, 0.0), **PART_2}
    autograded = graded.autograded("imported_codec", REPRESENTATIONS)
    # The package's functions give the right answers: what fails them is the own-implementation check.
    assert "comes from module 'autoaegan.representations', not from this notebook" in error_of(
        autograded, "test_encode_hailstone"
    )
    assert "`decode_hailstone_run` (from autoaegan.representations)" in error_of(autograded, "test_decode_hailstone")
    assert error_of(autograded, "test_encode_hailstone_hidden").startswith("HiddenTestFailure: hidden tests failed")


def test_wrapping_the_package_angles_earns_nothing_for_part_2(graded):
    assert graded.scores("wrapped_angles", REPRESENTATIONS) == {**PART_1, **dict.fromkeys(PART_2, 0.0)}
    autograded = graded.autograded("wrapped_angles", REPRESENTATIONS)
    for grade_id in ("test_principal_angles", "test_plane_angles"):
        error = error_of(autograded, grade_id)
        assert "principal_angles must be your own code, but it uses the autoaegan package" in error


def test_a_lenient_encoder_loses_only_the_hidden_error_tests(graded):
    expected = {**PART_1, **PART_2, "test_encode_hailstone_errors_hidden": 0.0}
    assert graded.scores("lenient_encoder", REPRESENTATIONS) == expected
    feedback = graded.feedback_text("lenient_encoder", REPRESENTATIONS)
    assert "HiddenTestFailure: hidden tests failed: encode_hailstone raises ValueError" in feedback


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
    visible = region_lines(nbformat.read(ROOT / "exercises" / notebook, as_version=4), inside=False)
    assert hidden_only
    for student in sorted(path.name for path in (graded.course / "feedback").iterdir()):
        if not (graded.course / "feedback" / student / notebook.with_suffix(".html")).exists():
            continue
        # The autograded notebook still holds the hidden tests; only the feedback clears them...
        assert hidden_only <= region_lines(graded.autograded(student, notebook), inside=True)
        text = graded.feedback_text(student, notebook)
        # ...and the page shows the code of the visible tests, so the search below can find code.
        assert any(line in text for line in visible if line.startswith("expect_"))
        shown = sorted(line for line in hidden_only if line in text)
        assert not shown, f"{student}'s feedback shows hidden test code: {shown}"
