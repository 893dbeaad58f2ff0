"""nbgrader's autograding, hardened for the course: what `nbgrader_config.py` plugs in.

nbgrader runs a student's notebook in a kernel of its own and gives a test cell
its points when the cell runs without an error. Left as it is, the tests run in
the student's kernel, where the student's code can read and patch them, and one
submission can stop grading: a kernel that dies (`os._exit`) makes nbgrader drop
the whole submission, a memory hog takes the grading machine down, a flood of
output makes a feedback page of hundreds of megabytes. Here:

- `GradingExecute` runs the student's cells in the student's kernel, started by
  `LimitedKernelManager` (`autoaegan.grading.kernels`: a memory limit and a bubblewrap
  sandbox that shows it its own folder, not the instructor's files, and no network),
  and each test cell in the checker, a trusted kernel of its own
  (`autoaegan.grading.checker`) that calls the student's code by name and gets plain
  data back (`autoaegan.grading.bridge`). A student kernel that dies or hangs during
  a test fails that cell only: it is restarted and its cells run again. One that dies
  or hangs in the student's own cell stops there: the cells not run get an error
  (zero points) and the notebook is flagged for review;
- `LimitOutputSize` caps each cell's output in characters as well as lines;
- `FlagForReview`, after the grades are saved, flags those notebooks in the
  gradebook, and zeroes and flags notebooks whose own code rewrites the tools the
  tests rely on (NumPy, SciPy, builtins, this package, `sys.modules`, `__code__`);
- `HideHiddenTestOutputs` leaves, in the feedback, one line per error of a hidden
  test cell and none of its other output.
- `DropTestStderr` (`autoaegan.grading.outputs`) drops the stderr of graded test cells
  before grading, so that warnings and log lines never cost points, only errors;
- `RestoreCells` (`autoaegan.grading.layout`, in the sanitizing step) rebuilds each
  notebook on the assignment's layout: deleted, moved and edited locked and test
  cells are put back in their places and graded, and the notebook is flagged.

What none of it can stop is listed in classroom/README.md.
"""

from __future__ import annotations

import ast
import atexit
import re
import sys
from collections.abc import Callable

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute, LimitOutput, NbGraderPreprocessor
from traitlets import Integer, Unicode

from autoaegan.grading.checker import (
    TestCellRunner,
    discard_test_messages,
    error_output,
    is_test_cell,
    recover_student_kernel,
    student_kernel_problem,
)
from autoaegan.grading.kernels import (  # noqa: F401 (nbgrader_config and the tests import them from here)
    LimitedKernelManager,
    require_grading_sandbox,
    sandbox_wanted,
)
from autoaegan.grading.layout import REVIEW_METADATA, sanitize_preprocessors  # noqa: F401 (nbgrader_config)
from autoaegan.grading.outputs import DropTestStderr
from autoaegan.grading.reuse import find_reuse

REVIEW_KEY = "autoaegan_review"  # where GradingExecute leaves its findings in the resources, for FlagForReview
KERNEL_STOPPED = "KernelStopped"  # the error name of the cells that did not run after the kernel died or hung
# Modules whose attributes a submission may not rewrite: the tests compare with them.
GUARDED_MODULES = ("numpy", "scipy", "keras", "tensorflow", "builtins", "autoaegan", "nbgrader", "IPython", "sys")


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


class GradingExecute(Execute):
    """nbgrader's Execute with the test cells run by the checker, limited kernels, and grading that goes on.

    The student's cells run in the student's kernel (limited, sandboxed); each test cell
    runs in the checker (`autoaegan.grading.checker`), which calls the student's code by
    name and gets plain data back. After a test cell, a student kernel that died or
    stopped answering is interrupted or restarted, and the student's cells run so far
    are run again, so only that test cell failed.

    nbgrader's own Execute lets a dead kernel (DeadKernelError) or an output that never
    ends (a CellTimeoutError on IOPub, after an interrupt the code ignored) escape, and
    autograde then deletes the whole submission and exits 1. Here, when that happens in
    one of the student's own cells, that cell and every cell after it get an error
    output (so SaveAutoGrades gives them zero), the cells before keep their grades, and
    the resources record what happened for FlagForReview.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", LimitedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        """Execute `nb` as Execute does, then record in `resources` what needs a human's review."""
        self._stopped: tuple[int, str] | None = None
        self._student_sources: list[str] = []
        self._review: list[str] = []
        self._checker = None
        try:
            nb, resources = super().preprocess(nb, resources, km)
        finally:
            if self._checker is not None:
                self._checker.close()
        review = list(self._review)
        if self._stopped is not None:
            review.append(f"cell {self._stopped[0]}: {self._stopped[1]}; the cells after it were not run")
        for index, cell in enumerate(nb.cells):
            names = {output.get("ename") for output in cell.get("outputs", []) if output.output_type == "error"}
            if "CellTimeoutError" in names:
                review.append(f"cell {index}: ran past the time limit of {self.timeout} s and was interrupted")
        resources.setdefault(REVIEW_KEY, []).extend(review)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        """Run one cell: a test cell in the checker, any other in the student's kernel; after the student's
        kernel died or hung in its own cell, mark the cell as not run instead."""
        if self._stopped is not None:
            if cell.cell_type == "code":
                cell.outputs = [error_output(KERNEL_STOPPED, f"not run: the kernel stopped in cell {self._stopped[0]}")]
                cell.execution_count = None
            return cell, resources
        if is_test_cell(cell):
            return self._run_test_cell(cell, index)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
            if cell.cell_type == "code":
                self._student_sources.append(cell.source)
            return cell, resources
        except DeadKernelError:
            reason = "the kernel died while running this cell (the code ended the Python process)"
        except CellTimeoutError:
            reason = "the kernel stopped answering (the code ignored the interrupt after the time limit)"
        self.log.warning("cell %d: %s", index, reason)
        self._stopped = (index, reason)
        cell.outputs.append(error_output(KERNEL_STOPPED, reason))
        return cell, self.resources

    def _run_test_cell(self, cell, index):
        if self._checker is None:
            self._checker = TestCellRunner(
                self.nb,
                student_connection_file=self.km.connection_file,
                timeout=self.timeout,
                config=self.config,
                log=self.log,
                error_on_timeout=self.error_on_timeout,
            )
        self._checker.run(cell, index)
        discard_test_messages(self.kc)
        problem = student_kernel_problem(self.km, self.kc)
        if problem is not None:
            self.log.warning("cell %d: the student's kernel %s; restarting it", index, problem)
            recovered = recover_student_kernel(self.km, self.kc, self._student_sources, self.timeout)
            self._review.append(f"cell {index}: the student's kernel {problem} during this test; {recovered}")
            if not recovered.startswith("restarted") and not recovered.startswith("interrupted"):
                self._stopped = (index, f"the kernel {problem} and could not be restarted")
        return cell, self.resources


class LimitOutputSize(LimitOutput):
    """nbgrader's LimitOutput (lines of stream output, lines of traceback), plus a cap in characters.

    A single line can be a hundred megabytes; each text output of a cell is cut to
    `max_chars`, and rich outputs (images, HTML) larger than that are replaced by a note.
    """

    max_chars = Integer(20_000, help="maximum characters of each text output of a cell (-1: no limit)").tag(config=True)

    def _cut(self, text: str) -> str:
        if self.max_chars < 0 or len(text) <= self.max_chars:
            return text
        return text[: self.max_chars] + f"\n... Output truncated ({len(text):,} characters) ..."

    def _cut_data(self, mime: str, value):
        text = value if isinstance(value, str) else str(value)
        if len(text) > self.max_chars > 0:
            return "(output removed: too large)" if mime != "text/plain" else self._cut(text)
        return value

    def preprocess_cell(self, cell, resources, cell_index):
        """Limit the cell's lines as LimitOutput does, then the characters of each output."""
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code":
            transform_outputs(cell.outputs, text=self._cut, data=self._cut_data)
        return cell, resources


def transform_outputs(outputs, *, text: Callable[[str], str], data: Callable[[str, object], object]) -> None:
    """Rewrite a cell's `outputs` in place: `text` maps each stream text, error message and traceback line,
    `data(mime, value)` each rich output's value."""
    for output in outputs:
        if output.output_type == "stream":
            output.text = text(output.text)
        elif output.output_type == "error":
            output.evalue = text(output.evalue)
            output.traceback = [text(line) for line in output.traceback]
        elif "data" in output:
            for mime, value in list(output.data.items()):
                output.data[mime] = data(mime, value)


def _imported_modules(tree: ast.AST) -> dict[str, str]:
    """The names bound by the import statements of `tree`, each with the module (or object path) it names."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _root(node: ast.AST) -> ast.Name | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def _dotted(node: ast.AST) -> str:
    return ast.unparse(node)


def _guarded_module(node: ast.AST, imported: dict[str, str]) -> str | None:
    """The guarded module (NumPy, the builtins...) that `node` reaches through a name of `imported`, or None."""
    root = _root(node)
    if root is None or root.id not in imported:
        return None
    module = imported[root.id]
    return module if module.split(".")[0] in GUARDED_MODULES else None


def tampering(sources: list[str]) -> list[str]:
    """Find, in the code cells `sources` a student wrote, the statements that rewrite what the tests rely on.

    That is: assigning or deleting an attribute of (or through) a name imported from a
    guarded module (`np.testing.assert_allclose = ...`), `setattr`/`delattr` on one,
    writing to `sys.modules` or `__builtins__`, and replacing a function's `__code__`.
    Returns one description per finding. This reads the code as written; code built at
    run time (`exec`, computed names) gets past it, which is why `autoaegan.grading.checks`
    also checks, in the kernel, that NumPy and the builtins are the ones it imported.
    """
    findings = []
    for source in sources:
        # IPython's magics and shell escapes are not Python: leave those lines out.
        text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        imported = _imported_modules(tree)
        imported.setdefault("__builtins__", "builtins")
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, (ast.Assign, ast.Delete)):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for target in targets:
                module = (
                    _guarded_module(target, imported) if isinstance(target, (ast.Attribute, ast.Subscript)) else None
                )
                if isinstance(target, ast.Attribute) and target.attr in ("__code__", "__globals__", "__defaults__"):
                    findings.append(f"`{_dotted(target)} = ...` replaces a function's code")
                elif module:
                    findings.append(f"`{_dotted(target)}` is changed, in module {module}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("setattr", "delattr")
            ):
                module = _guarded_module(node.args[0], imported) if node.args else None
                if module:
                    findings.append(f"`{node.func.id}({_dotted(node.args[0])}, ...)` changes module {module}")
    return list(dict.fromkeys(findings))


class FlagForReview(NbGraderPreprocessor):
    """After SaveAutoGrades: flag, in the gradebook, the notebooks a human should look at.

    A notebook whose kernel died or hung, or one of whose cells ran past the time
    limit, keeps the grades it got and is flagged. A notebook whose own code rewrites
    the tools the tests rely on (see `tampering`) is flagged and every test cell of it
    gets zero: its passing cells prove nothing. The reasons go to the log and to the
    comment of the notebook's first answer cell, which the feedback shows.
    """

    def preprocess(self, nb, resources):
        """Flag (and, for tampering, zero) the notebook in the gradebook when there is a reason to."""
        student_cells = [
            cell.source
            for cell in nb.cells
            if cell.cell_type == "code" and not (_nbgrader(cell).get("locked") or _nbgrader(cell).get("grade"))
        ]
        tampered = tampering(student_cells)
        # What the static reading misses (names built at run time), the kernel's own check reports.
        if any(output.get("ename") == "GradingTampered" for cell in nb.cells for output in cell.get("outputs", [])):
            tampered.append("a test cell found NumPy, a builtin or the grading helpers replaced (GradingTampered)")
        reasons = list(resources.get(REVIEW_KEY, []))
        reasons += [f"the code changes the tools the tests rely on: {finding}" for finding in tampered]
        # What RestoreCells put back or moved while sanitizing (autoaegan.grading.layout).
        layout = nb.get("metadata", {}).get(REVIEW_METADATA) or {}
        reasons += [f"the notebook's layout was changed: {finding}" for finding in layout.get("findings", [])]
        restored = set(layout.get("cells", []))
        # Graded parts that take the package's code instead of the student's own (autoaegan.grading.reuse), read
        # from the notebook's source here, out of the student's reach: their test cells get zero.
        reuse_findings, reused = _package_reuse(nb, resources["nbgrader"], self.log)
        reasons += reuse_findings
        if not reasons:
            return nb, resources
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            notebook = gradebook.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            notebook.flagged = True
            for grade in notebook.grades:
                if tampered:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = True
                elif grade.name in reused:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = True
                elif grade.name in restored:
                    grade.needs_manual_grade = True  # graded as restored; the instructor sees why
            note = "Flagged for your instructor's review: " + "; ".join(reasons) + "."
            if tampered:
                note += " Every test cell of this notebook was given zero."
            elif reused:
                note += f" These test cells were given zero: {', '.join(sorted(reused))}."
            comments = sorted(notebook.comments, key=lambda comment: comment.cell.name)
            answer_cells = [_nbgrader(cell).get("grade_id") for cell in nb.cells if _nbgrader(cell).get("solution")]
            by_name = {comment.name: comment for comment in comments}
            target = next((by_name[name] for name in answer_cells if name in by_name), None)
            if target is not None:
                target.auto_comment = note if not target.auto_comment else f"{target.auto_comment}\n\n{note}"
            gradebook.db.commit()
        self.log.warning("%s, %s: %s", info["student"], info["notebook"], note)
        _flagged_in_this_batch(f"{info['student']}/{info['assignment']}/{info['notebook']}", reasons)
        return nb, resources


def _package_reuse(nb, info: dict, log) -> tuple[list[str], set[str]]:
    """The reasons to flag `nb` for graded parts that take the package's code, and the test cells that get zero.

    The answer cells' given code, as released (which is no copy of the package's), comes from the gradebook. Code
    that cannot be read for it flags the notebook without zeroing anything.
    """
    try:
        given = []
        with Gradebook(info["db_url"]) as gradebook:
            try:
                source = gradebook.find_notebook(info["notebook"], info["assignment"])
                answers = {cell.name for cell in source.solution_cells}
                given = [cell.source for cell in source.source_cells if cell.name in answers]
            except MissingEntry:
                pass
        reuse = find_reuse(nb.cells, given=given)
    except Exception as error:  # whatever a submission holds, grading goes on; a human looks
        log.warning(
            "%s, %s: reading the code for the package's code failed: %r",
            info.get("student"),
            info.get("notebook"),
            error,
        )
        return [f"its code could not be checked for the package's code ({type(error).__name__})"], set()
    return [f"a graded part takes the package's code: {line}" for line in reuse.describe()], set(reuse.test_cells())


_FLAGGED: list[tuple[str, list[str]]] = []


def flagged_in_this_batch(student: str, assignment: str) -> list[str]:
    """The reasons FlagForReview gave, so far in this batch (this process), to flag `student`'s notebooks of
    `assignment`; none when it flagged none."""
    prefix = f"{student}/{assignment}/"
    return [reason for notebook, reasons in _FLAGGED if notebook.startswith(prefix) for reason in reasons]


def _flagged_in_this_batch(notebook: str, reasons: list[str]) -> None:
    """Note a flagged notebook; the first one registers the list printed when the batch (the process) ends."""
    if not _FLAGGED:
        atexit.register(_print_flagged)
    _FLAGGED.append((notebook, reasons))


def _print_flagged() -> None:
    lines = [f"autoaegan: {len(_FLAGGED)} notebook(s) flagged for review (needs_manual_grade in the gradebook):"]
    lines += [f"  {notebook}: {'; '.join(reasons)}" for notebook, reasons in _FLAGGED]
    print("\n".join(lines), file=sys.stderr, flush=True)


class HideHiddenTestOutputs(NbGraderPreprocessor):
    """For the feedback: keep only one line per error of the cells that hold hidden tests, and no other output.

    Runs before ClearHiddenTests, which removes the hidden code but not the outputs:
    whatever a hidden test cell printed (a student's function can print its inputs),
    displayed or put in a traceback would otherwise reach the student.
    """

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS", help="the marker that opens a hidden-test region").tag(
        config=True
    )
    # Errors whose message is safe to show in full: ours, and those that carry no test data.
    shown_messages = (
        "HiddenTestFailure",
        "GradingTampered",
        "StudentKernelError",
        KERNEL_STOPPED,
        "CellTimeoutError",
        "NameError",
        "KeyboardInterrupt",
        "MemoryError",
    )

    end_test_delimeter = Unicode("END HIDDEN TESTS", help="the marker that closes a hidden-test region").tag(
        config=True
    )

    def preprocess(self, nb, resources):
        """Strip the hidden-test cells' outputs, and blank the hidden code wherever another cell's output shows it.

        A student's function can read its caller's source (`inspect.stack()`) during a
        hidden test and print it later, in a visible cell: any output line that holds a
        line of hidden code (of 10 characters or more) is replaced by a note.
        """
        hidden, inside = set(), False
        for cell in nb.cells:
            for line in cell.source.splitlines():
                if self.begin_test_delimeter in line or self.end_test_delimeter in line:
                    inside = self.begin_test_delimeter in line
                elif inside and len(line.strip()) >= 10:
                    hidden.add(line.strip())
        visible = {line.strip() for cell in nb.cells for line in _outside_hidden(cell.source, self)}
        self._hidden_lines = hidden - visible
        return super().preprocess(nb, resources)

    def _redact(self, text: str) -> str:
        if not self._hidden_lines or not isinstance(text, str):
            return text
        return "\n".join(
            "(a line of hidden test code was removed here)"
            if any(hidden in line for hidden in self._hidden_lines)
            else line
            for line in text.split("\n")
        )

    def preprocess_cell(self, cell, resources, cell_index):
        """Strip the outputs of a hidden-test cell down to one line per error; redact the other cells' outputs."""
        if cell.cell_type == "code" and self.begin_test_delimeter not in cell.source:
            transform_outputs(cell.get("outputs", []), text=self._redact, data=lambda mime, value: self._redact(value))
            return cell, resources
        if cell.cell_type != "code":
            return cell, resources
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type != "error":
                continue
            message = output.evalue.splitlines()[0][:300] if output.evalue else ""
            if output.ename not in self.shown_messages:
                message = "(details hidden: this cell holds hidden tests)"
            outputs.append(error_output(output.ename, re.sub(r"\x1b\[[0-9;]*m", "", message)))
        cell.outputs = outputs
        return cell, resources


def _outside_hidden(source: str, markers) -> list[str]:
    lines, inside = [], False
    for line in source.splitlines():
        if markers.begin_test_delimeter in line or markers.end_test_delimeter in line:
            inside = markers.begin_test_delimeter in line
        elif not inside:
            lines.append(line)
    return lines


def autograde_preprocessors(defaults: list) -> list:
    """nbgrader's autograde preprocessors with this module's in place: give it `Autograde.autograde_preprocessors`."""
    replaced = {Execute: GradingExecute, LimitOutput: LimitOutputSize}
    result = [replaced.get(preprocessor, preprocessor) for preprocessor in defaults]
    # FlagForReview reads the grades SaveAutoGrades has just written. DropTestStderr takes the test cells' stderr
    # away right after the execution, before SaveAutoGrades reads the outputs (only an error costs points) and
    # before the output is cut to its limits (the stderr dropped does not use up the lines kept).
    names = [preprocessor.__name__ for preprocessor in result]
    result.insert(names.index("SaveAutoGrades") + 1, FlagForReview)
    result.insert(names.index("GradingExecute") + 1, DropTestStderr)
    return result
