"""nbgrader's configuration for the course's exercises (read from the repository root).

Each assignment is a folder per group of chapters: the instructor's notebooks,
with solutions and hidden tests, live in `solutions/<assignment>/`; what
`nbgrader generate_assignment <assignment> --force` makes from them, the
notebooks handed to students, lives in `exercises/<assignment>/`. The gradebook
and the `submitted/`, `autograded/` and `feedback/` folders are working state,
never committed.
"""

from nbgrader.converters import Autograde, GenerateFeedback
from nbgrader.preprocessors import ClearHiddenTests

from autoaegan.grading.autograding import (
    HideHiddenTestOutputs,
    autograde_preprocessors,
    require_grading_sandbox,
    sanitize_preprocessors,
)
from autoaegan.grading.checker import cell_timeout
from autoaegan.grading.layout import run_hooks, set_aside_unreadable_notebooks
from autoaegan.grading.progress import report_submission, start_submission

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "autoaegan"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Seconds per cell when nbgrader runs a notebook (validate, autograde). The
# slowest cell trains the small linear autoencoder: a few seconds in the test
# profile, about 15 s in the classroom profile on a busy 2-CPU hub.
c.ExecutePreprocessor.timeout = 120
# The test cells of a training part train the student's model (autoaegan/grading/training.py): they get
# TRAINING_CELL_TIMEOUT (660 s), so that a busy hub costs no points (the budget is in steps, not seconds).
c.ExecutePreprocessor.timeout_func = cell_timeout(120)

# Every locked and test cell a student deleted, moved, edited or duplicated is put back
# in its place, as released, and graded; forged nbgrader metadata is removed; the
# notebook is flagged for review (autoaegan/grading/layout.py). RestoreCells replaces
# nbgrader's DeduplicateIds and OverwriteCells, whose add_missing_cells raises KeyError
# on some layouts and drops the submission.
c.Autograde.sanitize_preprocessors = sanitize_preprocessors(
    Autograde.class_traits()["sanitize_preprocessors"].default()
)

# The feedback shows the test cells without their hidden part: nbgrader's
# default preprocessors (GetGrades, CSSHTMLHeaderPreprocessor in 0.9.6), then
# HideHiddenTestOutputs, which cuts the outputs of hidden-test cells to one line
# per error (a student's code can print the hidden inputs), then ClearHiddenTests.
# Hidden tests are also written inside `autoaegan.grading.checks.hidden_tests`, whose
# failure shows one line and no code even in the autograded notebook.
c.GenerateFeedback.preprocessors = [
    *GenerateFeedback.class_traits()["preprocessors"].default(),
    HideHiddenTestOutputs,
    ClearHiddenTests,
]

# Autograding that holds against hostile or broken submissions (autoaegan/grading/autograding.py):
# kernels under a memory limit, grading that goes on when a kernel dies or hangs
# (those notebooks are flagged for review), output capped in characters, and
# notebooks whose code rewrites NumPy or the grading helpers zeroed and flagged, and
# stderr dropped from the test cells before grading (a warning or a log line never
# costs points; only an error does).
c.Autograde.autograde_preprocessors = autograde_preprocessors(
    Autograde.class_traits()["autograde_preprocessors"].default()
)
# Each grading kernel runs in a bubblewrap sandbox (autoaegan/grading/sandbox.py): it sees its submission
# folder, the Python environment, the data and the system, never solutions/, the gradebook or other students'
# work, and has no network. Where none can start, autograde refuses before the first submission, in one line;
# `c.LimitedKernelManager.sandbox = False` (or AUTOAEGAN_GRADING_SANDBOX=off) grades without it, with a warning.
c.LimitedKernelManager.sandbox = True
# Before each submission, a notebook that cannot be read is set aside and graded as an empty one (flagged),
# instead of making nbgrader drop the submission (autoaegan/grading/layout.py).
# A line per submission as it finishes, `autoaegan: [K/N] STUDENT · ASSIGNMENT · POINTS/TOTAL points · SECONDS s`,
# and why it was flagged if it was (autoaegan/grading/progress.py): its clock starts first, before the other hooks.
c.Autograde.pre_convert_hook = run_hooks(start_submission, require_grading_sandbox, set_aside_unreadable_notebooks)
c.Autograde.post_convert_hook = report_submission
# A grading kernel's data segment (bytes): TensorFlow trains the exercises' models in
# about 0.6 GB; a submission that asks for more gets a MemoryError in the cell that asked.
c.LimitedKernelManager.memory_limit = 2 * 1024**3
