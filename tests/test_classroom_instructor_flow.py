"""The instructor's flow end to end, through nbgrader's command line and an exchange folder in a temporary folder.

The instructor generates and releases assignment 01_02_representations; two students,
each in a home folder of their own and under their own user name, fetch it; one submits
the solution, the other a decoder with a sign error; the instructor collects, autogrades,
generates and releases the feedback; the students fetch it; the gradebook exported to
CSV holds their scores. Students and instructor read the classroom's nbgrader settings
(classroom/jupyter/nbgrader_config.py: the course id and the exchange), as on the hub.

nbgrader names a student after the operating system's user (`pwd`), and the test runs
as one user, so each student's nbgrader runs in a process where that lookup answers the
student's name (STUDENT_NBGRADER): the files, homes and exchange entries stay separate.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from system_needs import require

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from test_nbgrader_roundtrip import VENV_BIN, nbgrader_cells, points_of, read  # noqa: E402

from benchmarks.adversarial_grading import feedback_text  # noqa: E402
from benchmarks.autograding import SIGN_ERROR_DECODER, solution_answers  # noqa: E402
from classroom.deliver import ensure_exchange  # noqa: E402

# The whole flow runs once, in the first test's setup: a few minutes on a busy 2-CPU machine.
pytestmark = pytest.mark.timeout(1200)

REPRESENTATIONS = Path("01_02_representations/representations.ipynb")
ASSIGNMENT = REPRESENTATIONS.parts[0]
NOTEBOOK = REPRESENTATIONS.name
STUDENTS = {"ada": "solution", "bob": "sign_error"}
TOTAL = sum(points_of(read(ROOT / "solutions" / REPRESENTATIONS)).values())
# bob's decoder breaks the rule: the visible and the hidden tests of decode_hailstone, 2 points each, fail.
EXPECTED = {"ada": TOTAL, "bob": TOTAL - 4}

# nbgrader's command line, with the OS user name it reads replaced by the student's (argv[1]).
STUDENT_NBGRADER = """
import sys
import nbgrader.utils
name = sys.argv.pop(1)
nbgrader.utils.get_osusername = lambda: name
from nbgrader.apps.nbgraderapp import main
sys.exit(main())
"""


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """The folders: the instructor's course, the exchange, and a home per student."""
    top = tmp_path_factory.mktemp("classroom")
    course = top / "instructor" / "autoaegan-instructor"
    course.mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    homes = {student: top / student for student in STUDENTS}
    for home in homes.values():
        home.mkdir()
    return {"top": top, "course": course, "exchange": ensure_exchange(top / "exchange"), "homes": homes}


def run(classroom, who: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """`nbgrader ARGS` as the instructor (in the course folder) or as a student (in their home, under their name)."""
    env = dict(
        os.environ,
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        JUPYTER_CONFIG_PATH=str(ROOT / "classroom" / "jupyter"),
        AUTOAEGAN_EXCHANGE=str(classroom["exchange"]),
    )
    env.setdefault("AUTOAEGAN_PROFILE", "test")
    if who == "instructor":
        command, cwd = [str(VENV_BIN / "nbgrader"), *args], classroom["course"]
        env["HOME"] = str(classroom["course"].parent)
    else:
        command, cwd = [sys.executable, "-c", STUDENT_NBGRADER, who, *args], classroom["homes"][who]
        env["HOME"] = str(cwd)
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{who}: nbgrader {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    return done


@pytest.fixture(scope="module")
def flow(classroom):
    """Run the whole flow once; the tests below read what it left."""
    require("bwrap")  # autograding refuses without the grading sandbox
    run(classroom, "instructor", "generate_assignment", ASSIGNMENT, "--force")
    run(classroom, "instructor", "release_assignment", ASSIGNMENT, "--force")
    answers = solution_answers()
    for student, kind in STUDENTS.items():
        run(classroom, student, "fetch_assignment", ASSIGNMENT)
        path = classroom["homes"][student] / ASSIGNMENT / NOTEBOOK
        nb = read(path)
        chosen = answers if kind == "solution" else {**answers, **SIGN_ERROR_DECODER}
        for grade_id, cell in nbgrader_cells(nb, solution=True).items():
            cell.source = chosen[grade_id]
        nbformat.write(nb, path)
        run(classroom, student, "submit", ASSIGNMENT)
    run(classroom, "instructor", "collect", ASSIGNMENT)
    run(classroom, "instructor", "autograde", ASSIGNMENT)
    run(classroom, "instructor", "generate_feedback", ASSIGNMENT)
    run(classroom, "instructor", "release_feedback", ASSIGNMENT)
    for student in STUDENTS:
        run(classroom, student, "fetch_feedback", ASSIGNMENT)
    run(classroom, "instructor", "export", "--to", "grades.csv")
    return classroom


def test_the_release_went_through_the_exchange_under_the_course_id(flow):
    released = flow["exchange"] / "autoaegan" / "outbound" / ASSIGNMENT / NOTEBOOK
    assert released.read_bytes() == (ROOT / "exercises" / REPRESENTATIONS).read_bytes()


def test_each_student_fetched_the_release_into_their_own_home(flow):
    release = nbgrader_cells(read(ROOT / "exercises" / REPRESENTATIONS), grade=True)
    for student in STUDENTS:
        # The student's copy, answers filled in: its test cells are the release's, without hidden tests.
        fetched = nbgrader_cells(read(flow["homes"][student] / ASSIGNMENT / NOTEBOOK), grade=True)
        assert {gid: cell.source for gid, cell in fetched.items()} == {gid: c.source for gid, c in release.items()}
        assert not [gid for gid, cell in fetched.items() if "BEGIN HIDDEN TESTS" in cell.source]


def test_the_instructor_collected_one_submission_per_student(flow):
    submitted = flow["course"] / "submitted"
    assert sorted(path.name for path in submitted.iterdir()) == sorted(STUDENTS)
    for student in STUDENTS:
        assert (submitted / student / ASSIGNMENT / NOTEBOOK).exists()


def test_each_student_fetched_their_own_feedback(flow):
    for student in STUDENTS:
        pages = list((flow["homes"][student] / ASSIGNMENT / "feedback").glob("*/*.html"))
        assert len(pages) == 1, pages
        text = feedback_text(pages[0].read_text())
        # The two students' scores differ: each page is its own student's.
        assert text.startswith(f"representations representations (Score: {EXPECTED[student]:.1f} / {TOTAL:.1f})"), text[
            :200
        ]


def test_the_exported_gradebook_has_the_exact_scores(flow):
    with (flow["course"] / "grades.csv").open() as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(STUDENTS)
    for student, expected in EXPECTED.items():
        assert rows[student]["assignment"] == ASSIGNMENT
        assert float(rows[student]["score"]) == expected, rows[student]
        assert float(rows[student]["max_score"]) == TOTAL
