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

from autoaegan.autograding import HideHiddenTestOutputs, autograde_preprocessors

c = get_config()  # noqa: F821 (nbgrader provides get_config when it loads this file)

c.CourseDirectory.course_id = "autoaegan"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Seconds per cell when nbgrader runs a notebook (validate, autograde). The
# slowest cell trains the small linear autoencoder: a few seconds in the test
# profile, about 15 s in the classroom profile on a busy 2-CPU hub.
c.ExecutePreprocessor.timeout = 120

# A test cell that a student deleted is put back and graded, instead of being
# left to manual grading.
c.OverwriteCells.add_missing_cells = True

# The feedback shows the test cells without their hidden part: nbgrader's
# default preprocessors (GetGrades, CSSHTMLHeaderPreprocessor in 0.9.6), then
# HideHiddenTestOutputs, which cuts the outputs of hidden-test cells to one line
# per error (a student's code can print the hidden inputs), then ClearHiddenTests.
# Hidden tests are also written inside `autoaegan.grading.hidden_tests`, whose
# failure shows one line and no code even in the autograded notebook.
c.GenerateFeedback.preprocessors = [
    *GenerateFeedback.class_traits()["preprocessors"].default(),
    HideHiddenTestOutputs,
    ClearHiddenTests,
]

# Autograding that holds against hostile or broken submissions (autoaegan/autograding.py):
# kernels under a memory limit, grading that goes on when a kernel dies or hangs
# (those notebooks are flagged for review), output capped in characters, and
# notebooks whose code rewrites NumPy or the grading helpers zeroed and flagged.
c.Autograde.autograde_preprocessors = autograde_preprocessors(
    Autograde.class_traits()["autograde_preprocessors"].default()
)
# A grading kernel's data segment (bytes): TensorFlow trains the exercises' models in
# about 0.6 GB; a submission that asks for more gets a MemoryError in the cell that asked.
c.LimitedKernelManager.memory_limit = 2 * 1024**3
