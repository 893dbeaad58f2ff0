"""An assignment's solution notebook read for its structure: the parts, the test cells, and which test needs which part.

From a solution notebook this reads the structure nbgrader gives it: the answer cells
(the graded *parts*: nbgrader solution cells, with the functions, classes and
variables they define), the test cells (points, no solution) and the locked cells
between them. Each test cell *needs* the parts whose names it uses (in its code, in a
string such as `student.own("Sampling")`, or in its first line `# tests: NAME, NAME`),
directly or through the cells of the student's kernel that use them
(`tied_autoencoder = ... TiedConv2DTranspose(...)`). `benchmarks.adversarial_cases`
decides each submission's deserved points from it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from benchmarks.harness import ROOT

HEADER = re.compile(r"^#\s*(?:hidden\s+)?tests:\s*(.*)$")


def nbgrader_metadata(cell) -> dict:
    """A cell's nbgrader metadata (empty when it has none)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_test(cell) -> bool:
    """Whether `cell` is a test cell: a code cell with points that is no answer cell."""
    meta = nbgrader_metadata(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer(cell) -> bool:
    """Whether `cell` is an answer cell (an nbgrader solution cell with code)."""
    return cell.get("cell_type") == "code" and bool(nbgrader_metadata(cell).get("solution"))


def parse_source(source: str) -> ast.Module:
    """A cell's code as a syntax tree, its IPython magics and shell escapes blanked."""
    # IPython's magics and shell escapes are not Python.
    text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    return ast.parse(text)


def defined_names(tree: ast.Module) -> dict[str, str]:
    """The names a cell binds at its top level with `def`, `class` or an assignment: name -> kind.

    Imports are left out: `import keras` in an answer cell does not make keras part of the answer.
    """
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = "function"
        elif isinstance(node, ast.ClassDef):
            names[node.name] = "class"
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        names.setdefault(name.id, "variable")
    return names


def used_names(source: str) -> set[str]:
    """The names a cell of the student's kernel reads."""
    return {node.id for node in ast.walk(parse_source(source)) if isinstance(node, ast.Name)}


def graded_names(source: str, answer_names: set[str]) -> set[str]:
    """The names of the student's kernel a test cell reaches: the strings it asks for by name
    (`student.own("Sampling")`, `student.value("pca")`), and, among the names the answer cells define, those it
    holds as a string or lists in its first line (`# tests: NAME, NAME`).

    Its own variables are not the student's: a test cell runs in the checker, apart from the student's kernel.
    """
    tree = parse_source(source)
    asked = {
        argument.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("own", "value")
        for argument in node.args[:1]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
    }
    words = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    first = source.lstrip().splitlines()[0] if source.strip() else ""
    match = HEADER.match(first)
    if match:
        words |= set(re.split(r"[\s,]+", match.group(1)))
    return asked | (words & answer_names)


@dataclass(frozen=True)
class Part:
    """An answer cell: its grade_id, its place, its source and what it defines (name -> function/class/variable)."""

    grade_id: str
    index: int
    source: str
    defines: dict[str, str]

    @property
    def code_names(self) -> list[str]:
        """The functions and classes it defines (where code can be injected)."""
        return [name for name, kind in self.defines.items() if kind != "variable"]


@dataclass(frozen=True)
class TestCell:
    __test__ = False  # not a pytest class

    grade_id: str
    index: int
    points: float


@dataclass
class Assignment:
    """A solution notebook read for its structure: parts, test cells, and which test cells need which parts."""

    notebook: Path  # relative to solutions/, e.g. 01_02_representations/representations.ipynb
    parts: list[Part]
    tests: list[TestCell]
    needs: dict[str, frozenset[str]]  # test grade_id -> the parts it needs
    users: dict[str, list[int]]  # part grade_id -> the indices of the student's kernel's cells that use it
    ungraded_locked_before: list[str]  # test cells whose previous nbgrader cell is locked and not graded

    @property
    def name(self) -> str:
        return self.notebook.parts[0]

    @property
    def points(self) -> dict[str, float]:
        return {test.grade_id: test.points for test in self.tests}

    @property
    def total(self) -> float:
        return sum(self.points.values())

    def part(self, grade_id: str) -> Part:
        return next(part for part in self.parts if part.grade_id == grade_id)

    def losing(self, parts) -> dict[str, float]:
        """Rule 1: each test cell that needs one of `parts` gets 0, the others full points."""
        parts = set(parts)
        return {test.grade_id: 0.0 if self.needs[test.grade_id] & parts else test.points for test in self.tests}

    def stopping(self, parts) -> dict[str, float]:
        """Rule 2: as `losing`, and every test cell after the first cell of the student's kernel that uses one of
        `parts` (the kernel dies or hangs there) gets 0."""
        deserved = self.losing(parts)
        first = min((index for part in parts for index in self.users[part]), default=None)
        if first is not None:
            deserved.update({test.grade_id: 0.0 for test in self.tests if test.index > first})
        return deserved

    @property
    def code_parts(self) -> list[Part]:
        """The parts that define a function or a class, in the notebook's order."""
        return [part for part in self.parts if part.code_names]

    def combined(self, lost, stopped) -> dict[str, float]:
        """Rule 1 for the parts `lost` and rule 2 for the parts `stopped`, together: each test cell the least."""
        one, two = self.losing(lost), self.stopping(stopped)
        return {name: min(one[name], two[name]) for name in one}

    def isolated(self, grade_id: str) -> bool:
        """Whether no cell of the student's kernel uses the part before the last test cell: only tests call it."""
        last = max(test.index for test in self.tests)
        return not [index for index in self.users[grade_id] if index < last]

    def target(self) -> Part:
        """The part the one-part classes (crash, hang, memory hog, flood) go into: the first code part that only
        test cells call (`isolated`), failing that the first code part."""
        return next((part for part in self.code_parts if self.isolated(part.grade_id)), self.code_parts[0])

    def tests_needing(self, grade_id: str) -> int:
        return sum(grade_id in need for need in self.needs.values())


def read_assignment(notebook: Path, solutions: Path = ROOT / "solutions") -> Assignment:
    """Read `solutions/<notebook>`'s parts and test cells, and which test cells need which parts."""
    nb = nbformat.read(solutions / notebook, as_version=4)
    parts, tests, needs, users = [], [], {}, {}
    origin: dict[str, frozenset[str]] = {}  # name -> the parts its value comes from
    previous = None
    ungraded_locked_before = []
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_metadata(cell)
        if is_test(cell):
            if previous is not None and previous.get("locked") and not previous.get("grade"):
                ungraded_locked_before.append(meta["grade_id"])
            tests.append(TestCell(meta["grade_id"], index, float(meta["points"])))
            answer_names = {name for part in parts for name in part.defines}
            names = graded_names(cell.source, answer_names)
            needs[meta["grade_id"]] = frozenset().union(*(origin.get(name, frozenset()) for name in names))
        elif cell.cell_type == "code":
            tree = parse_source(cell.source)
            defines = defined_names(tree)
            came_from = frozenset().union(*(origin.get(name, frozenset()) for name in used_names(cell.source)))
            if is_answer(cell):
                part = Part(meta["grade_id"], index, cell.source, defines)
                parts.append(part)
                users[part.grade_id] = []
                came_from |= {part.grade_id}
            for used in came_from:
                if not (is_answer(cell) and used == meta.get("grade_id")):
                    users[used].append(index)
            for name in defines:
                origin[name] = came_from
        if "grade_id" in meta:
            previous = meta
    return Assignment(notebook, parts, tests, needs, users, ungraded_locked_before)


def solution_notebooks() -> list[Path]:
    """Every assignment's solution notebook, relative to solutions/."""
    return sorted(path.relative_to(ROOT / "solutions") for path in (ROOT / "solutions").glob("*/*.ipynb"))
