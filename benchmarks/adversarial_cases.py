"""Adversarial submissions made from any assignment's solution, each with the score it deserves, decided before grading.

Nothing here is written for one exercise. From a solution notebook it reads the
structure nbgrader gives it: the answer cells (the graded *parts*: nbgrader solution
cells, with the functions, classes and variables they define), the test cells (points,
no solution) and the locked cells between them. Each test cell *needs* the parts whose
names it uses (in its code, in a string such as `student.own("Sampling")`, or in its
first line `# tests: NAME, NAME`), directly or through the cells of the student's
kernel that use them (`tied_autoencoder = ... TiedConv2DTranspose(...)`).

Each class of submission is then made by rewriting the solution's answer cells with
`ast`, and its deserved points follow from one of two rules, stated with the class:

- `losing(parts)`: every test cell that needs one of `parts` gets 0, every other test
  cell its full points;
- `stopping(parts)`: the same, and when a cell of the student's own kernel (not a test)
  uses one of `parts`, that cell kills or hangs the kernel there, so every test cell
  after it gets 0 too (autograding marks the cells after a dead kernel as not run).

The classes (`CLASSES`): the solution; warnings and stderr in every function; test cells
deleted, moved and edited; a hunt for the instructor's files; results whose `==` is
always true; NumPy, Keras, the package and the builtins patched, by statements and by
names built at run time; functions that read the test's namespace; the package's code
imported, exec'd or rebuilt from its code object; a crash (`os._exit`), a hang that
swallows the interrupt, a memory hog and an output flood in one part. `combined_cases`
folds them into three submissions per assignment whose deserved points stay computable,
for the test suite.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "autoaegan"
HEADER = re.compile(r"^#\s*(?:hidden\s+)?tests:\s*(.*)$")
HUNT_NOTHING = "HUNT: found nothing"
HUNT_FOUND = "HUNT: found"

# ----- what a solution notebook holds ----------------------------------------------------------------------------


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def is_test(cell) -> bool:
    """Whether `cell` is a test cell: a code cell with points that is no answer cell."""
    meta = _nbgrader(cell)
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer(cell) -> bool:
    """Whether `cell` is an answer cell (an nbgrader solution cell with code)."""
    return cell.get("cell_type") == "code" and bool(_nbgrader(cell).get("solution"))


def _parse(source: str) -> ast.Module:
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
    return {node.id for node in ast.walk(_parse(source)) if isinstance(node, ast.Name)}


def graded_names(source: str, answer_names: set[str]) -> set[str]:
    """The names of the student's kernel a test cell reaches: the strings it asks for by name
    (`student.own("Sampling")`, `student.value("pca")`), and, among the names the answer cells define, those it
    holds as a string or lists in its first line (`# tests: NAME, NAME`).

    Its own variables are not the student's: a test cell runs in the checker, apart from the student's kernel.
    """
    tree = _parse(source)
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
        meta = _nbgrader(cell)
        if is_test(cell):
            if previous is not None and previous.get("locked") and not previous.get("grade"):
                ungraded_locked_before.append(meta["grade_id"])
            tests.append(TestCell(meta["grade_id"], index, float(meta["points"])))
            answer_names = {name for part in parts for name in part.defines}
            names = graded_names(cell.source, answer_names)
            needs[meta["grade_id"]] = frozenset().union(*(origin.get(name, frozenset()) for name in names))
        elif cell.cell_type == "code":
            tree = _parse(cell.source)
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


def package_definitions(package: Path = PACKAGE_DIR) -> dict[str, str]:
    """The package's top-level functions and classes, by name, each with its module (read from the source, not
    imported). The grading modules and the probes are left out: they are no exercise's answer."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package.parent).with_suffix("")
        module = ".".join(relative.parts).removesuffix(".__init__")
        if ".grading" in module or module.startswith("autoaegan.kernel"):
            continue
        try:
            tree = ast.parse(path.read_text())
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                found.setdefault(node.name, module)
    return found


# ----- rewriting answer cells --------------------------------------------------------------------------------------


def _docstring_offset(body: list) -> int:
    first = body[0] if body else None
    return int(
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    )


def _functions(tree: ast.AST, names=None):
    """The functions and methods of `tree`: of every top-level definition, or of those named in `names`."""
    for node in tree.body:
        if names is not None and getattr(node, "name", None) not in names:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield inner


def at_every_call(source: str, statement: str, names=None, prelude: str = "") -> str:
    """`source` with `statement` run first in every function and method it defines (of `names` only, if given),
    after the docstring, and `prelude` before the cell's code."""
    tree = _parse(source)
    for function in _functions(tree, names):
        function.body.insert(_docstring_offset(function.body), ast.parse(statement).body[0])
    return prelude + ast.unparse(tree) + "\n"


def with_bodies(source: str, body: str, names=None, prelude: str = "") -> str:
    """`source` with the body of every function and method (of `names` only, if given) replaced by `body`."""
    tree = _parse(source)
    for function in _functions(tree, names):
        keep = function.body[: _docstring_offset(function.body)]
        function.body = keep + ast.parse(body).body
    return prelude + ast.unparse(tree) + "\n"


NOISE = '''import os as _noise_os
import sys as _noise_sys
import warnings as _noise_warnings


def _noise(name):
    """A warning, a line on stderr and a line written to file descriptor 2, as TensorFlow's C++ logs are."""
    _noise_warnings.warn(f"a student's own warning in {name}", UserWarning)
    print(f"a student's own line on stderr in {name}", file=_noise_sys.stderr)
    _noise_os.write(2, f"a line written to file descriptor 2 in {name}\\n".encode())


'''
# Keras 3's own UserWarnings for Geron-style code, where the answer cell imports Keras: `input_shape=` on a layer
# and `LeakyReLU(alpha=...)`, when the cell runs.
KERAS_NOISE = """import keras as _noise_keras

_noise_keras.layers.Dense(1, input_shape=(3,))
_noise_keras.layers.LeakyReLU(alpha=0.2)
"""
# At the end of each answer cell; the pause lets the kernel pass the descriptor's line on before the cell ends.
NOISE_AT_CELL_END = (
    '_noise("an answer cell")\n'
    'print("an answer cell writes to stderr", file=_noise_sys.stderr)\n'
    '__import__("time").sleep(0.2)\n'
)


def imports_keras(source: str) -> bool:
    """Whether the cell imports Keras (or names from it)."""
    for node in ast.walk(_parse(source)):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "keras" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "keras":
            return True
    return False


def noisy(source: str) -> str:
    """Warnings, stderr and descriptor-2 lines at every call of every function and method, and when the cell
    runs; Keras' own warnings too where the cell imports Keras."""
    tree = _parse(source)
    for function in _functions(tree):
        function.body.insert(_docstring_offset(function.body), ast.parse(f"_noise({function.name!r})").body[0])
    keras_noise = KERAS_NOISE if imports_keras(source) else ""
    return NOISE + ast.unparse(tree) + "\n" + keras_noise + NOISE_AT_CELL_END


ALWAYS_EQUAL = '''class _AlwaysEqual:
    """Equal to everything, and everything it gives back is one of its kind too."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__

    def __bool__(self):
        return True

    def __call__(self, *args, **kwargs):
        return _AlwaysEqual()

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _AlwaysEqual()

    def __getitem__(self, key):
        return _AlwaysEqual()

    def __len__(self):
        return 1

    def __iter__(self):
        return iter([_AlwaysEqual()])

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __pow__ = __call__
    __abs__ = __neg__ = __round__ = __call__


class _AlwaysEqualList(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


'''


def always_equal(source: str) -> str:
    """Every function returns an object equal to everything; every class makes one; every variable is one."""
    tree = _parse(source)
    body = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.body = node.body[: _docstring_offset(node.body)] + ast.parse("return _AlwaysEqual()").body
            body.append(node)
        elif isinstance(node, ast.ClassDef):
            body.append(
                ast.parse(
                    f"class {node.name}(_AlwaysEqual):\n    def __init__(self, *args, **kwargs):\n        pass\n"
                ).body[0]
            )
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            body.append(ast.parse(" = ".join(ast.unparse(t) for t in targets) + " = _AlwaysEqualList()").body[0])
        else:
            body.append(node)
    tree.body = body
    return ALWAYS_EQUAL + ast.unparse(tree) + "\n"


NAMESPACE_READER = '''import gc as _peek_gc
import sys as _peek_sys

_PEEK_WANTED = ("expected", "expect", "want", "wanted", "reference", "target", "correct", "answer", "truth")
_PEEKED = []


def _peek():
    """What the test that calls expects, looked for in the callers' frames and then among every live object."""
    frame = _peek_sys._getframe(1)
    while frame is not None:
        for scope in (frame.f_locals, frame.f_globals):
            for key, value in list(scope.items()):
                if isinstance(key, str) and key.lower().startswith(_PEEK_WANTED) and not callable(value):
                    _PEEKED.append(key)
                    return value
        frame = frame.f_back
    if not _PEEKED:  # once per kernel: the heap is large
        _PEEKED.append("(gc searched)")
        for holder in _peek_gc.get_objects():
            if isinstance(holder, dict):
                for key in _PEEK_WANTED:
                    if key in holder and not callable(holder[key]):
                        _PEEKED.append(key)
                        return holder[key]
    return None


'''


def reading_namespace(source: str, names=None) -> str:
    """Every function and method (of `names`, if given) returns what it finds in the caller's namespace."""
    tree = _parse(source)
    for function in _functions(tree, names):
        keep = function.body[: _docstring_offset(function.body)]
        # __init__ must return None: it looks, and keeps what it found.
        body = "self._peeked = _peek()" if function.name == "__init__" and function.args.args else "return _peek()"
        function.body = keep + ast.parse(body).body
    return NAMESPACE_READER + ast.unparse(tree) + "\n"


def hunting(course_paths: list[str]) -> str:
    """Code that looks for the instructor's files by the package's path, the working directory and absolute paths,
    reads what it finds, and prints it (or that it found nothing)."""
    return f'''
import os as _hunt_os
import sys as _hunt_sys


def _hunt(absolute_paths):
    """Look for solutions/, the gradebook, other submissions and hidden tests; print what was found."""
    needle = "BEGIN " + "HIDDEN TESTS"  # built here, so this notebook does not hold it
    places = set(absolute_paths)
    try:
        import autoaegan
        package = _hunt_os.path.dirname(_hunt_os.path.realpath(autoaegan.__file__))
        places |= {{_hunt_os.path.join(package, "..", name) for name in ("solutions", "gradebook.db", "submitted",
                                                                       "autograded", "source", "release", ".git")}}
    except Exception as error:
        print("no package path:", type(error).__name__)
    here = _hunt_os.getcwd()
    for up in range(8):
        base = _hunt_os.path.join(here, *([".."] * up))
        places |= {{_hunt_os.path.join(base, name) for name in ("solutions", "gradebook.db", "submitted", "autograded",
                                                               "feedback", "source", "release", "exercises")}}
    places |= {{"/opt/autoaegan/solutions", "/srv/nbgrader", "/home", "/root", "/work", "/srv", "/opt"}}
    environment = (_hunt_sys.prefix, _hunt_sys.base_prefix)
    found, looked, budget = [], 0, 200_000
    for place in sorted(places):
        place = _hunt_os.path.normpath(place)
        if not _hunt_os.path.exists(place):
            continue
        walk = [(place, [], [""])] if _hunt_os.path.isfile(place) else _hunt_os.walk(place)
        for folder, folders, files in walk:
            folders[:] = [name for name in folders if not _hunt_os.path.join(folder, name).startswith(environment)]
            for name in files:
                looked += 1
                if looked > budget:
                    break
                path = _hunt_os.path.join(folder, name) if name else folder
                if path.endswith("gradebook.db"):
                    found.append(f"{{path}} (a gradebook)")
                elif path.endswith(".ipynb"):
                    try:
                        with open(path, errors="replace") as file:
                            text = file.read()
                    except OSError:
                        continue
                    if needle in text:
                        start = text.index(needle)
                        found.append(f"{{path}} holds hidden tests: {{text[start:start + 300]!r}}")
                    elif _hunt_os.sep + "submitted" + _hunt_os.sep in path:
                        found.append(f"{{path}} (a submission)")
    for line in found[:50]:
        print("{HUNT_FOUND}:", line)
    if not found:
        print("{HUNT_NOTHING} (" + str(looked) + " files looked at)")


_hunt({course_paths!r})
'''


def patching(by_name: bool) -> str:
    """Code that patches NumPy's comparisons, Keras' conversion, the package's checks and the bridge's server in the
    student's kernel, and builtins: by plain statements, or (`by_name`) with names built at run time, which no
    reading of the code finds."""
    if not by_name:
        return """import builtins
import numpy as np
import keras
import autoaegan.grading.checks
import autoaegan.grading.wire

np.testing.assert_allclose = lambda *args, **kwargs: None
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
keras.ops.convert_to_numpy = lambda value: np.zeros(1)
autoaegan.grading.checks.assert_own_implementation = lambda *args, **kwargs: None
autoaegan.grading.checks.expect_close = lambda *args, **kwargs: None
autoaegan.grading.wire.serve = lambda text: '{"ok": {"v": true}}'
builtins.isinstance = lambda *args: True


"""
    return """import sys
import importlib

_numpy = importlib.import_module("num" + "py")
setattr(getattr(_numpy, "test" + "ing"), "assert_" + "allclose", lambda *args, **kwargs: None)
setattr(_numpy, "all" + "close", lambda *args, **kwargs: True)
_ops = getattr(importlib.import_module("ker" + "as"), "op" + "s")
setattr(_ops, "convert_to_" + "numpy", lambda value: _numpy.zeros(1))
_grading = importlib.import_module("auto" + "aegan.grad" + "ing")
setattr(_grading, "assert_own_" + "implementation", lambda *args, **kwargs: None)
_wire = importlib.import_module("auto" + "aegan.grading_" + "wire")
_real_serve = getattr(_wire, "ser" + "ve")


def _lenient_serve(text, _real=_real_serve):
    # The package's own-implementation check always passes; everything else is answered as usual.
    if "assert_own_" + "implementation" in text:
        return '{"ok": {"v": null}}'
    return _real(text)


setattr(_wire, "ser" + "ve", _lenient_serve)
_builtins = importlib.import_module("built" + "ins")
_real_isinstance = _builtins.isinstance
setattr(_builtins, "is" + "instance", lambda obj, kinds: True if kinds is float else _real_isinstance(obj, kinds))


"""


def package_code(part: Part, package: dict[str, str], how: str) -> str:
    """The part's answer with each function or class the package defines under its name taken from the package:
    `imported`, `exec`d from the package's source, or `rebuilt` from its code object (a class from its source)."""
    tree = _parse(part.source)
    body = []
    for node in tree.body:
        name = getattr(node, "name", None)
        if name in package and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            module = package[name]
            if how == "imported":
                code = f"from {module} import {name}\n"
            elif how == "rebuilt" and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                code = (
                    f"import types as _types\nimport {module} as _package_module\n\n"
                    f"{name} = _types.FunctionType(_package_module.{name}.__code__, "
                    f"{{**vars(_package_module), '__name__': '__main__'}}, {name!r}, "
                    f"_package_module.{name}.__defaults__)\n"
                )
            else:  # exec'd from the package's source, in the notebook's namespace
                code = (
                    f"import inspect as _inspect\nimport {module} as _package_module\n\n"
                    f"exec(compile(_inspect.getsource(_package_module.{name}), '<cell>', 'exec'), "
                    f"{{**vars(_package_module), '__name__': '__main__'}}, _namespace := {{}})\n"
                    f"{name} = _namespace[{name!r}]\n"
                )
            body.extend(ast.parse(code).body)
        else:
            body.append(node)
    tree.body = body
    return ast.unparse(tree) + "\n"


CRASH = "__import__('os')._exit(1)"
HANG = """
while True:  # waits forever, and swallows the interrupt sent at the time limit
    try:
        __import__("time").sleep(0.1)
    except KeyboardInterrupt:
        pass
"""
MEMORY_HOG = "_workspace = __import__('numpy').ones(3 * 1024**3 // 8)  # 3 GiB, more than a grading kernel may have"
FLOOD_CALL = 'print("a line at every call, to flood the output")'
FLOOD_CELL = '\nfor _line in range(300_000):\n    print("flooding the output, line", _line)\n'


# ----- the cases -----------------------------------------------------------------------------------------------------


@dataclass
class Case:
    """One submission: its class, what it does, its answers, its layout changes, and what it deserves."""

    student: str
    kind: str  # the class (see CLASSES)
    what: str
    answers: dict[str, str]  # answer cell grade_id -> source; the answer cells not named stay as released
    deserved: dict[str, float]  # test cell grade_id -> points, decided before grading
    flagged: bool = False  # should be flagged for review
    hostile: bool = False  # needs the short per-cell time limit (it hangs)
    deletes: tuple[str, ...] = ()  # test cells deleted
    moves: tuple[str, ...] = ()  # test cells moved to the top, in this order
    edits: dict[str, str] = field(default_factory=dict)  # test cells rewritten
    expect_in_output: tuple[str, ...] = ()  # text the autograded notebook's answer cells must show
    forbid_in_output: tuple[str, ...] = ()  # text they must not show

    def submission(self, release) -> nbformat.NotebookNode:
        """The release as this student hands it in."""
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            grade_id = _nbgrader(cell).get("grade_id")
            if grade_id in self.answers and is_answer(cell):
                cell.source = self.answers[grade_id]
            if grade_id in self.edits:
                cell.source = self.edits[grade_id]
        by_id = {_nbgrader(cell).get("grade_id"): cell for cell in nb.cells}
        moved = [by_id[name] for name in self.moves]
        kept = [cell for cell in nb.cells if _nbgrader(cell).get("grade_id") not in set(self.deletes) | set(self.moves)]
        if moved:
            scratch = nbformat.v4.new_code_cell('scratch = "a cell of my own, among the moved tests"\nprint(scratch)')
            moved = moved[:1] + [scratch] + moved[1:]
        nb.cells = moved + kept
        return nb


def solution(assignment: Assignment) -> dict[str, str]:
    return {part.grade_id: part.source for part in assignment.parts}


def rearranged(
    assignment: Assignment, student: str = "rearranged", answers: dict[str, str] | None = None, broken=None
) -> Case:
    """Test cells deleted, moved and edited: the test cells after an ungraded locked cell and every second other one
    deleted, the rest moved to the top in reverse order, except those of the `broken` parts, edited to print that
    they pass, and one in three of the others, edited to fail. All are put back and graded as released, and the
    notebook is flagged. By default the last code part is left as released and is the broken one."""
    if answers is None:
        released = assignment.code_parts[-1].grade_id
        answers = {grade_id: source for grade_id, source in solution(assignment).items() if grade_id != released}
        broken, what = [released], f"`{released}` as released; test cells deleted, moved and edited"
    else:
        what = "test cells deleted, moved and edited"
    names = [test.grade_id for test in assignment.tests]
    deletes, moves, edits = [], [], {}
    for number, name in enumerate(names):
        if name in assignment.ungraded_locked_before or number % 2:
            deletes.append(name)
        elif assignment.needs[name] & set(broken):
            edits[name] = 'print("this test passes")\n'
        elif number % 3 == 0:
            edits[name] = 'raise AssertionError("this test cell was edited")\n'
        else:
            moves.append(name)
    return Case(
        student,
        "rearranged",
        what,
        answers,
        assignment.losing(broken),
        flagged=True,
        deletes=tuple(deletes),
        moves=tuple(moves[::-1]),
        edits=edits,
    )


CLASSES = {
    "solution": "the solution",
    "noisy": "warnings, stderr and descriptor-2 lines in every function and answer cell",
    "rearranged": "a part as released; test cells deleted, moved and edited",
    "hunt": "the solution, hunting for the instructor's files and printing them",
    "always_equal": "results whose == is always true",
    "patched": "NumPy, Keras, the package, the bridge and builtins patched; answers as released",
    "patched_by_name": "the same patches with names built at run time; the package's code",
    "namespace": "functions that return what they find in the test's namespace",
    "package_imported": "the package's code imported for its parts",
    "package_exec": "the package's code exec'd from its source",
    "package_rebuilt": "the package's code rebuilt from its code object",
    "crash": "os._exit(1) in one part",
    "hang": "a hang that swallows the interrupt, in one part",
    "memory_hog": "a 3 GiB allocation in one part",
    "flood": "300,000 printed lines, and a line per call, in one part",
}


def cases(assignment: Assignment, course_paths: list[str], package: dict[str, str] | None = None) -> list[Case]:
    """Every class of `CLASSES` for `assignment`, one case each. `course_paths`: the absolute paths of the
    instructor's files the hunt is told of (the course copy's solutions/, gradebook, submitted/)."""
    package = package_definitions() if package is None else package
    answers = solution(assignment)
    parts = assignment.parts
    everything = [part.grade_id for part in parts]
    first = parts[0].grade_id
    borrowed = [part for part in assignment.code_parts if any(name in package for name in part.code_names)]
    target = assignment.target()
    crash_target = target.grade_id
    made = [
        Case("solution", "solution", CLASSES["solution"], answers, assignment.losing([])),
        Case("noisy", "noisy", CLASSES["noisy"], {g: noisy(s) for g, s in answers.items()}, assignment.losing([])),
        rearranged(assignment),
        Case(
            "hunt",
            "hunt",
            CLASSES["hunt"],
            {**answers, first: answers[first] + hunting(course_paths)},
            assignment.losing([]),
            expect_in_output=(HUNT_NOTHING,),
            forbid_in_output=(HUNT_FOUND + ":",),
        ),
        Case(
            "always_equal",
            "always_equal",
            CLASSES["always_equal"],
            {g: always_equal(s) for g, s in answers.items()},
            assignment.losing(everything),
        ),
        Case(
            "patched",
            "patched",
            CLASSES["patched"],
            {first: patching(False) + released_stub(parts[0])},
            assignment.losing(everything),
            flagged=True,
        ),
        Case(
            "patched_by_name",
            "patched_by_name",
            CLASSES["patched_by_name"],
            {
                **{part.grade_id: package_code(part, package, "rebuilt") for part in borrowed},
                first: patching(True)
                + (package_code(parts[0], package, "rebuilt") if parts[0] in borrowed else released_stub(parts[0])),
            },
            assignment.losing(everything),
            flagged=True,
        ),
        Case(
            "namespace",
            "namespace",
            CLASSES["namespace"],
            {g: reading_namespace(s) for g, s in answers.items()},
            assignment.losing([part.grade_id for part in assignment.code_parts]),
        ),
    ]
    for how in ("imported", "exec", "rebuilt"):
        # Code exec'd at the notebook's top level counts for every part (grading_reuse cannot know, without
        # running it, which names it defines): `exec` does that, and so does `rebuilt` for a class (package_code
        # rebuilds a function from its code object in the statement that binds it, a class from its source with
        # exec). An import, or a function rebuilt, counts for the parts that take it.
        classes = any(
            isinstance(node, ast.ClassDef) and node.name in package
            for part in borrowed
            for node in _parse(part.source).body
        )
        tops = how == "exec" or (how == "rebuilt" and classes)
        lost = everything if tops else [part.grade_id for part in borrowed]
        if not borrowed:  # the package defines no part's name: nothing to take, the case is the solution
            made.append(
                Case(
                    f"package_{how}",
                    f"package_{how}",
                    CLASSES[f"package_{how}"] + ": none (the package defines no part's name)",
                    answers,
                    assignment.losing([]),
                )
            )
            continue
        made.append(
            Case(
                f"package_{how}",
                f"package_{how}",
                CLASSES[f"package_{how}"]
                + ": "
                + ", ".join(f"`{name}`" for part in borrowed for name in part.code_names if name in package),
                {**answers, **{part.grade_id: package_code(part, package, how) for part in borrowed}},
                assignment.losing(lost),
                flagged=True,
            )
        )
    made += [
        Case(
            "crash",
            "crash",
            f"os._exit(1) in `{crash_target}`",
            {**answers, crash_target: at_every_call(answers[crash_target], CRASH)},
            assignment.stopping([crash_target]),
            flagged=True,
        ),
        Case(
            "hang",
            "hang",
            f"a hang that swallows the interrupt, in `{crash_target}`",
            {**answers, crash_target: at_every_call(answers[crash_target], HANG)},
            assignment.stopping([crash_target]),
            flagged=True,
            hostile=True,
        ),
        Case(
            "memory_hog",
            "memory_hog",
            f"a 3 GiB allocation in `{crash_target}`",
            {**answers, crash_target: at_every_call(answers[crash_target], MEMORY_HOG)},
            assignment.losing([crash_target]),
        ),
        Case(
            "flood",
            "flood",
            f"300,000 printed lines, and a line per call, in `{crash_target}`",
            {**answers, crash_target: at_every_call(answers[crash_target], FLOOD_CALL) + FLOOD_CELL},
            assignment.losing([]),
        ),
    ]
    return made


def released_stub(part: Part) -> str:
    """The part's answer as released: each solution region replaced by `raise NotImplementedError()`."""
    lines, inside, out = part.source.splitlines(), False, []
    for line in lines:
        if "### BEGIN SOLUTION" in line:
            inside = True
            out.append(line.split("###")[0] + "raise NotImplementedError()")
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out) + "\n"


def combined_cases(
    assignment: Assignment, course_paths: list[str], package: dict[str, str] | None = None
) -> list[Case]:
    """Every class folded into three submissions whose deserved points stay computable (for the test suite):

    - `mixed`: warnings and stderr everywhere, the hunt, a flood in one part, the namespace read in another and
      always-equal results in a third (as many as there are code parts): rule 1 on the last two, not flagged;
    - `hostile`: the test cells deleted, moved and edited with a part as released, the package's code imported
      for a part it has (exec'd code costs every part: the full matrix has it), a crash in one part, a hang in the part the fewest
      test cells need, a memory hog in another: rule 2 on all of those, flagged;
    - `patched`: the patches by statements and by names built at run time, with the package's code or the
      answers as released: 0 everywhere, flagged.
    """
    package = package_definitions() if package is None else package
    answers = solution(assignment)
    code = [part.grade_id for part in assignment.code_parts]
    pick = iter(code)
    flood_part = next(pick)
    namespace_part = next(pick, None)
    equal_part = next(pick, None)
    mixed_answers = {g: noisy(s) for g, s in answers.items()}
    mixed_answers[flood_part] = noisy(at_every_call(answers[flood_part], FLOOD_CALL) + FLOOD_CELL)
    lost = []
    if namespace_part:
        mixed_answers[namespace_part] = noisy(reading_namespace(answers[namespace_part]))
        lost.append(namespace_part)
    if equal_part:
        mixed_answers[equal_part] = always_equal(answers[equal_part])
        lost.append(equal_part)
    # The hunt prints in a cell of its own part, not after the flood, which uses up the cell's output.
    hunt_part = [part.grade_id for part in assignment.parts if part.grade_id != flood_part][-1]
    mixed_answers[hunt_part] += hunting(course_paths)
    mixed = Case(
        "mixed",
        "mixed",
        f"noisy everywhere; hunt; flood in `{flood_part}`; namespace read in "
        f"`{namespace_part}`; always-equal `{equal_part}`",
        mixed_answers,
        assignment.losing(lost),
        expect_in_output=(HUNT_NOTHING, "an answer cell writes to stderr"),
        forbid_in_output=(HUNT_FOUND + ":",),
    )

    # One part per role, while parts last: a hang where it costs least, the package's code, a crash, a memory hog.
    isolated = [part.grade_id for part in assignment.code_parts if assignment.isolated(part.grade_id)]
    roles: dict[str, str] = {}
    if isolated:
        roles["hang"] = min(isolated, key=assignment.tests_needing)
    borrowable = [
        part.grade_id
        for part in assignment.code_parts
        if part.grade_id not in roles.values() and any(name in package for name in part.code_names)
    ]
    if borrowable:
        roles["package"] = borrowable[0]
    for role in ("crash", "memory_hog"):
        left = [grade_id for grade_id in isolated if grade_id not in roles.values()]
        if left:
            roles[role] = left[0]
    hostile_answers = dict(answers)
    for role, grade_id in roles.items():
        if role == "package":
            hostile_answers[grade_id] = package_code(assignment.part(grade_id), package, "imported")
        else:
            statement = {"hang": HANG, "crash": CRASH, "memory_hog": MEMORY_HOG}[role]
            hostile_answers[grade_id] = at_every_call(answers[grade_id], statement)
    layout = rearranged(assignment, "hostile", hostile_answers, list(roles.values()))
    hostile = Case(
        "hostile",
        "hostile",
        "test cells deleted, moved and edited; "
        + "; ".join(f"{role.replace('_', ' ')} in `{grade_id}`" for role, grade_id in roles.items()),
        hostile_answers,
        assignment.combined(lost=list(roles.values()), stopped=[roles[r] for r in ("hang", "crash") if r in roles]),
        flagged=True,
        hostile=True,
        deletes=layout.deletes,
        moves=layout.moves,
        edits=layout.edits,
    )

    first_part = assignment.parts[0]
    patched_answers = {first_part.grade_id: patching(False) + patching(True) + released_stub(first_part)}
    patched = Case(
        "patched",
        "patched",
        "NumPy, Keras, the package, the bridge and builtins patched, by statements "
        "and by names built at run time; answers as released",
        patched_answers,
        assignment.losing([part.grade_id for part in assignment.parts]),
        flagged=True,
    )
    return [mixed, hostile, patched]


# ----- grading in a copy of the course -------------------------------------------------------------------------------


def feedback_text(page: str) -> str:
    """A feedback page as plain text: tags, styles and scripts removed, entities decoded, spaces normalised."""
    import html

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


# ----- grading in a copy of the course -------------------------------------------------------------------------------

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
    from nbgrader.api import Gradebook, MissingEntry

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


def solution_notebooks() -> list[Path]:
    """Every assignment's solution notebook, relative to solutions/."""
    return sorted(path.relative_to(ROOT / "solutions") for path in (ROOT / "solutions").glob("*/*.ipynb"))
