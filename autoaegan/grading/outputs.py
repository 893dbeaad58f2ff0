"""Only a failing check costs points: stderr written while a test cell runs is dropped before grading.

nbgrader 0.9.6's `determine_grade` gives a test cell zero when any of its outputs is
a stderr stream, whether or not a check failed. A correct answer then loses the
cell's points to what it cannot always avoid or has every right to write:

- Keras 3's UserWarnings for Géron-style code (`input_shape=` on a layer,
  `LeakyReLU(alpha=0.2)`), raised when the test cell calls the student's code;
- TensorFlow's C++ log lines (oneDNN's notes, on some CPUs only), which C++ writes
  straight to the kernel's file descriptor 2;
- the student's own `warnings.warn` or `print(..., file=sys.stderr)`.

`DropTestStderr` runs after the notebook was executed and before SaveAutoGrades
reads the outputs: from every graded test cell (grade, not solution) it removes the
stderr streams, so that only an error output (an exception: a failed check, a
crash, a time-out) costs points. The answer cells and the other cells keep all
their output, stderr included: what the student's own cells print stays in the
autograded notebook and in the feedback. What a test cell printed to stdout stays
too; what it printed to stderr while calling the student's code is not the check's
verdict, and is gone from the feedback as well.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_stderr(output) -> bool:
    """Whether `output` is a stream written to stderr."""
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


class DropTestStderr(NbGraderPreprocessor):
    """Remove the stderr streams of graded test cells, so that only an error output costs their points.

    Place it after the execution and before SaveAutoGrades (`autoaegan.grading.autograding.autograde_preprocessors`).
    """

    def preprocess_cell(self, cell, resources, cell_index):
        """Drop the stderr outputs of `cell` when it is a graded test cell; leave every other cell as it is."""
        if _is_test_cell(cell):
            outputs = cell.get("outputs", [])
            kept = [output for output in outputs if not is_stderr(output)]
            if len(kept) != len(outputs):
                self.log.debug(
                    "cell %d: %d stderr output(s) dropped before grading", cell_index, len(outputs) - len(kept)
                )
                cell.outputs = kept
        return cell, resources
