"""Grading adversarial submissions as nbgrader grades them: in a copy of the course, one autograde call per batch.

`prepare_course` copies one assignment into a fresh course (the course's configuration,
or plain nbgrader's), `grade` submits a batch of `benchmarks.adversarial_cases.Case`s
and autogrades them in one call, timing each submission from autograde's log, and
`read_results` reads each one's scores, flag, autograded notebook and feedback.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from benchmarks.adversarial_cases import Case
from benchmarks.adversarial_notebook import Assignment, is_test
from benchmarks.harness import ROOT


def feedback_text(page: str) -> str:
    """A feedback page as plain text: tags, styles and scripts removed, entities decoded, spaces normalised."""
    page = re.sub(r"<style.*?</style>|<script.*?</script>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def answer_outputs(nb) -> str:
    """All the text the answer cells (and the student's own cells) of an autograded notebook show."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code" or is_test(cell):
            continue
        for output in cell.get("outputs", []):
            texts.append(output.get("text", "") if isinstance(output.get("text", ""), str) else "")
            texts.append(json.dumps(output.get("data", {})))
            texts.append(output.get("evalue", ""))
    return "\n".join(texts)


PLAIN_CONFIG = """c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "autoaegan"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
"""


def nbgrader_environment() -> dict[str, str]:
    """The environment nbgrader runs in: the venv's bin on PATH (nbgrader runs `alembic`), the test profile, and
    no PYTEST_CURRENT_TEST (without it, ipykernel captures file descriptor 2, as in a learner's JupyterLab)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("AUTOAEGAN_PROFILE", "test")
    return env


def run_nbgrader(course: Path, *args: str, timeout: int = 3600) -> subprocess.CompletedProcess:
    """`nbgrader ARGS` in `course`."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "nbgrader"), *args],
        cwd=course,
        env=nbgrader_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def prepare_course(folder: Path, assignment: Assignment, plain: bool = False) -> Path:
    """A copy of the course holding `assignment` alone, its release generated (which fills the gradebook); with
    `plain`, configured as plain nbgrader (course id, source and release folders, nothing of autoaegan's)."""
    folder.mkdir(parents=True)
    if plain:
        (folder / "nbgrader_config.py").write_text(PLAIN_CONFIG)
    else:
        shutil.copy(ROOT / "nbgrader_config.py", folder)
    shutil.copytree(ROOT / "solutions" / assignment.name, folder / "solutions" / assignment.name)
    done = run_nbgrader(folder, "generate_assignment", assignment.name, "--force", timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"generate_assignment failed in {folder}:\n{done.stderr[-3000:]}")
    return folder


def instructor_paths(course: Path) -> list[str]:
    """The absolute paths of the instructor's files in `course` (and the repository's own) the hunt is told of."""
    return [
        str(course / "solutions"),
        str(course / "gradebook.db"),
        str(course / "submitted"),
        str(course / "autograded"),
        str(ROOT / "solutions"),
        str(ROOT / "gradebook.db"),
        str(ROOT),
    ]


def submit(course: Path, assignment: Assignment, batch: list[Case]) -> None:
    """Write each case's submission under `course/submitted/<student>/`."""
    release = nbformat.read(course / "exercises" / assignment.notebook, as_version=4)
    for case in batch:
        path = course / "submitted" / case.student / assignment.notebook
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(case.submission(release), path)


@dataclass
class Batch:
    """One `nbgrader autograde` call: the course, its output, its seconds and each submission's seconds."""

    course: Path
    assignment: Assignment
    autograde: subprocess.CompletedProcess
    feedback: subprocess.CompletedProcess | None
    seconds: float
    per_submission: dict[str, float]


def grade(
    course: Path, assignment: Assignment, batch: list[Case], timeout: int | None = None, feedback: bool = True
) -> Batch:
    """Submit `batch` in `course`, autograde it in one call (a per-cell time limit of `timeout` s, if given), time
    each submission, and generate the feedback."""
    submit(course, assignment, batch)
    options = [f"--ExecutePreprocessor.timeout={timeout}"] if timeout else []
    options += ["--Application.log_datefmt=%H:%M:%S", "--Application.log_format=%(asctime)s.%(msecs)03d %(message)s"]
    started = time.perf_counter()
    done = run_nbgrader(course, "autograde", assignment.name, *options)
    seconds = time.perf_counter() - started
    given = run_nbgrader(course, "generate_feedback", assignment.name, timeout=900) if feedback else None
    return Batch(course, assignment, done, given, seconds, submission_seconds(done.stderr, [c.student for c in batch]))


def submission_seconds(log: str, students: list[str]) -> dict[str, float]:
    """Each student's grading seconds, from autograde's log: from the line that starts the student's submission to
    the line that starts the next one (or the end of the log)."""
    starts = []
    for line in log.splitlines():
        match = re.match(r"^(\d\d):(\d\d):(\d\d)\.(\d\d\d) (.*)$", line)
        if not match:
            continue
        hours, minutes, secs, millis, message = match.groups()
        stamp = int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000
        starts.append((stamp, message))
    marks = []
    for stamp, message in starts:
        found = re.search(r"Autograding (\S+)/([^/\s]+)/", message) or re.search(r"Processing '?([^'/\s]+)'?", message)
        if found and "Autograding" in message:
            student = next(
                (
                    name
                    for name in students
                    if f"/{name}/" in message
                    or f"submitted/{name}" in message
                    or message.split("Autograding")[-1].strip().startswith(name)
                ),
                None,
            )
            if student:
                marks.append((stamp, student))
    ends = [stamp for stamp, _ in starts]
    result = {}
    for number, (stamp, student) in enumerate(marks):
        end = marks[number + 1][0] if number + 1 < len(marks) else (ends[-1] if ends else stamp)
        result[student] = round((end - stamp) % 86400, 1)
    return result


@dataclass
class Graded:
    """What grading gave one case: each test cell's points, the flag, the autograded notebook and the feedback."""

    case: Case
    scores: dict[str, float]
    flagged: bool
    manual: list[str]
    autograded: nbformat.NotebookNode | None
    feedback: str
    feedback_bytes: int

    @property
    def as_deserved(self) -> bool:
        return self.scores == self.case.deserved

    @property
    def outputs_as_planned(self) -> bool:
        text = answer_outputs(self.autograded) if self.autograded is not None else ""
        return all(wanted in text for wanted in self.case.expect_in_output) and not any(
            unwanted in text for unwanted in self.case.forbid_in_output
        )


def read_results(batch: Batch, cases_: list[Case]) -> dict[str, Graded]:
    """The gradebook's scores and flags, the autograded notebook and the feedback of each case of `batch`."""
    notebook = batch.assignment.notebook
    results = {}
    with Gradebook(f"sqlite:///{batch.course / 'gradebook.db'}") as gradebook:
        for case in cases_:
            try:
                submitted = gradebook.find_submission_notebook(notebook.stem, batch.assignment.name, case.student)
                scores = {grade.name: float(grade.score) for grade in submitted.grades}
                flagged = bool(submitted.flagged)
                manual = sorted(grade.name for grade in submitted.grades if grade.needs_manual_grade)
            except MissingEntry:  # autograde dropped the submission
                scores, flagged, manual = {}, False, []
            page_path = batch.course / "feedback" / case.student / notebook.with_suffix(".html")
            page = page_path.read_text() if page_path.exists() else ""
            autograded_path = batch.course / "autograded" / case.student / notebook
            autograded = nbformat.read(autograded_path, as_version=4) if autograded_path.exists() else None
            results[case.student] = Graded(
                case, scores, flagged, manual, autograded, feedback_text(page), len(page.encode())
            )
    return results
