"""nbgrader's configuration for the course's exercises (read from the repository root).

Each assignment is a folder per group of chapters: the instructor's notebooks,
with solutions and hidden tests, live in `solutions/<assignment>/`; what
`nbgrader generate_assignment <assignment> --force` makes from them, the
notebooks handed to students, lives in `exercises/<assignment>/`. The gradebook
and the `submitted/`, `autograded/` and `feedback/` folders are working state,
never committed.
"""

from nbgrader.converters import GenerateFeedback
from nbgrader.preprocessors import ClearHiddenTests

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
# ClearHiddenTests. The outputs are not cleared, so hidden tests are written
# inside `autoaegan.grading.hidden_tests`, whose failure shows one line and no code.
c.GenerateFeedback.preprocessors = [*GenerateFeedback.class_traits()["preprocessors"].default(), ClearHiddenTests]
