"""A line per submission while `nbgrader autograde` runs, as each one finishes:

    autoaegan: [K/N] STUDENT · ASSIGNMENT · POINTS/TOTAL points · SECONDS s · flagged (why)

nbgrader 0.9.6's Autograde runs `pre_convert_hook` before each submission and
`post_convert_hook` after it (public configuration, set in nbgrader_config.py);
`start_submission` and `report_submission` are those hooks. The hooks get the
submission's notebook paths, from which the student and the assignment are read as
nbgrader reads them. The count is the number of submissions this batch will grade
(those nbgrader skips, already autograded without `--force` or excluded, are left
out); the points come from the gradebook once the submission's grades are saved; the
reasons a notebook was flagged come from `autoaegan.grading.autograding.FlagForReview`. A
submission on which nbgrader itself gives up (its post hook never runs) gets its
line, "not graded", when the next one starts or when the batch ends.
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import sys
import time
from dataclasses import dataclass

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from traitlets.config import Application

from autoaegan.grading.autograding import flagged_in_this_batch

PREFIX = "autoaegan:"
SEPARATOR = " · "
REASON_CHARS = 160  # the first reason a submission was flagged for, cut to this; the batch's end lists them all


@dataclass
class _Batch:
    """This process's autograde batch: how many submissions it grades, and the one being graded."""

    total: int | None = None
    started: int = 0
    current: tuple[str, str, float] | None = None  # (student, assignment, start time)
    registered: bool = False


_BATCH = _Batch()


def _application():
    """The running nbgrader application (its configuration and course directory), or None."""

    return Application.instance() if Application.initialized() else None


def _coursedir(app):

    coursedir = getattr(app, "coursedir", None)
    return coursedir if coursedir is not None else CourseDirectory(config=app.config if app else None)


def submission_of(notebook: str, coursedir) -> tuple[str, str]:
    """(student, assignment) of a submitted notebook's path, read as nbgrader reads it."""
    pattern = coursedir.format_path(
        coursedir.submitted_directory, "(?P<student_id>.*)", "(?P<assignment_id>.*)", escape=True
    )
    match = re.match(pattern + re.escape(os.sep), os.path.abspath(notebook))
    if match is None:
        raise ValueError(
            f"expected a notebook under {coursedir.submitted_directory}/<student>/<assignment>/, got {notebook!r}"
        )
    return match.group("student_id"), match.group("assignment_id")


def submissions_to_grade(app) -> int:
    """How many submissions the running autograde will grade: those nbgrader finds (as its `init_notebooks`
    does), less the excluded students and those already autograded when `--force` is not given."""
    coursedir = _coursedir(app)
    config = app.config if app is not None else {}
    force = bool(config.get("Autograde", {}).get("force", config.get("BaseConverter", {}).get("force", False)))
    excluded = set(filter(None, (coursedir.student_id_exclude or "").split(",")))
    count = 0
    folders = glob.glob(
        coursedir.format_path(coursedir.submitted_directory, coursedir.student_id, coursedir.assignment_id)
    )
    for folder in folders:
        notebooks = glob.glob(os.path.join(folder, coursedir.notebook_id + ".ipynb"))
        if not notebooks:
            continue
        student, assignment = submission_of(notebooks[0], coursedir)
        destination = coursedir.format_path(coursedir.autograded_directory, student, assignment)
        done = all(os.path.exists(os.path.join(destination, os.path.basename(path))) for path in notebooks)
        if student not in excluded and (force or not done or _BATCH.current and _BATCH.current[0] == student):
            count += 1
    return count


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _line(student: str, assignment: str, *fields: str) -> str:
    total = "?" if _BATCH.total is None else _BATCH.total
    return SEPARATOR.join([f"{PREFIX} [{_BATCH.started}/{total}] {student}", assignment, *fields])


def _left_unfinished() -> None:
    """The submission being graded never reached its post hook: nbgrader gave up on it."""
    if _BATCH.current is not None:
        student, assignment, start = _BATCH.current
        _BATCH.current = None
        _say(
            _line(
                student,
                assignment,
                "not graded: nbgrader stopped on this submission (see its log above)",
                f"{time.monotonic() - start:.1f} s",
            )
        )


def start_submission(notebooks=(), **_) -> None:
    """nbgrader's `pre_convert_hook` for autograde: note the submission that starts, and when."""
    app = _application()
    _left_unfinished()
    if not notebooks:
        return
    student, assignment = submission_of(notebooks[0], _coursedir(app))
    _BATCH.current = (student, assignment, time.monotonic())
    _BATCH.started += 1
    if _BATCH.total is None:
        _BATCH.total = submissions_to_grade(app)
    if not _BATCH.registered:
        _BATCH.registered = True
        atexit.register(_left_unfinished)


def report_submission(notebooks=(), **_) -> None:
    """nbgrader's `post_convert_hook` for autograde: one line for the submission that finished, with its points
    from the gradebook and, when flagged, why."""

    if _BATCH.current is None:
        return
    student, assignment, start = _BATCH.current
    _BATCH.current = None
    seconds = time.monotonic() - start
    coursedir = _coursedir(_application())
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        score, max_score = submission.score, submission.max_score
        flagged = any(notebook.flagged for notebook in submission.notebooks)
    fields = [f"{score:g}/{max_score:g} points", f"{seconds:.1f} s"]
    if flagged:
        reasons = flagged_in_this_batch(student, assignment)
        first = reasons[0] if reasons else "see the gradebook"
        first = first if len(first) <= REASON_CHARS else first[: REASON_CHARS - 1] + "…"
        more = f" and {len(reasons) - 1} more" if len(reasons) > 1 else ""
        fields.append(f"flagged ({first}{more})")
    _say(_line(student, assignment, *fields))
