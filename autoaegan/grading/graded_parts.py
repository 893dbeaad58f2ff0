"""The graded parts of a notebook, read from its cells with `ast`: the names its test cells grade,
and whose each code cell is (the instructor's locked cells, the tests, the student's answers)."""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable

from autoaegan.grading.code_scopes import bound_anywhere, bound_at_top, parse

TEST_HEADER = re.compile(r"#\s*(?:hidden\s+)?tests?\s*:\s*(.*)")
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# The methods of `autoaegan.grading.bridge.student` that fetch a name the student's answers define.
BRIDGE_LOOKUPS = ("own", "value")
# Names IPython puts in a notebook's namespace.
IPYTHON_NAMES = {"display", "get_ipython", "In", "Out", "exit", "quit", "_", "__", "___"}


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    value = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return value if isinstance(value, dict) else {}


def is_test(cell) -> bool:
    """A test cell: it has points and is no answer cell."""
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def is_given(cell) -> bool:
    """A locked cell of the instructor's that is not a test (the setup, given code)."""
    meta = _nbgrader(cell)
    return bool(meta.get("locked")) and not meta.get("solution") and not meta.get("grade")


def is_students(cell) -> bool:
    """A cell of the student's: an answer cell, or one they added."""
    return not is_test(cell) and not is_given(cell)


def code_cells(cells) -> list:
    """The code cells of nbformat `cells`."""
    return [cell for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]


def cell_source(cell) -> str:
    """A cell's source as one string (nbformat stores a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _bridge_names(tree: ast.AST) -> list[str]:
    """The names a test cell asks of the student's kernel through `autoaegan.grading.bridge.student`
    (`student.own("Sampling")`, `student.value("plane_angles")`; modules, `student.module("keras")`, are none)."""
    names = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in BRIDGE_LOOKUPS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and IDENTIFIER.fullmatch(node.args[0].value)
        ):
            names.append(node.args[0].value)
    return names


def graded_parts(cells, given: Iterable[str] = ()) -> dict[str, list[str]]:
    """The graded parts of a notebook's `cells`: each name a test cell grades, with the grade_ids of its test cells.

    A test cell grades the names it uses, or asks of the student's kernel (`student.own("NAME")`), that neither the
    notebook's locked cells nor its test cells define (they come from the student's answers), and the names its
    first line lists as `# tests: NAME, NAME`; a first line in prose (`# hidden tests: fade_in on tensors`) names
    those of its words that the answer cells define, as released
    (`given`, their sources) or as answered.
    """
    code = code_cells(cells)
    trees = [(cell, parse(cell_source(cell))) for cell in code]
    defined = set(dir(builtins)) | IPYTHON_NAMES
    answered = set()  # what the answer cells (as given, and as answered) define: a header's prose names them
    answers = [tree for cell, tree in trees if _nbgrader(cell).get("solution")]
    for tree in [parse(source) for source in given] + answers:
        if tree is not None:
            answered |= {
                name
                for statement in tree.body
                if not isinstance(statement, (ast.Import, ast.ImportFrom))
                for name in bound_at_top(statement)
            }
    for cell, tree in trees:
        if tree is not None and is_given(cell):
            defined |= {name for statement in tree.body for name in bound_at_top(statement)}
    parts: dict[str, list[str]] = {}
    for cell, tree in trees:
        grade_id = _nbgrader(cell).get("grade_id")
        if not is_test(cell) or not isinstance(grade_id, str):
            continue
        names = []
        header = TEST_HEADER.match(cell_source(cell).lstrip().split("\n", 1)[0])
        if header:  # `# tests: DenseTranspose, fade_in` or `# hidden tests: fade_in on tensors, ...`
            listed = [item.strip() for item in header.group(1).split(",")]
            if all(IDENTIFIER.fullmatch(item) for item in listed):
                names += listed
            else:
                names += [word for word in IDENTIFIER.findall(header.group(1)) if word in answered]
        if tree is not None:
            own = defined | bound_anywhere(tree)  # the test's own names, and the notebook's given ones
            names += [
                node.id
                for node in ast.walk(tree)
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in own
            ]
            names += [name for name in _bridge_names(tree) if name not in defined]
            # Names spelled in strings the test hands the bridge some other way (`for piece in ("ReplayBuffer", ...)`).
            names += [
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in answered
                and node.value not in defined
            ]
        for name in dict.fromkeys(names):
            parts.setdefault(name, []).append(grade_id)
    return parts
