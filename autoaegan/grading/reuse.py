"""Which graded parts of a submission take the package's code instead of the student's own, read from its source.

The package holds code that a graded part could take: a hailstone codec, principal angles,
layers and models close to what a part asks for. A submission that imports, wraps,
execs or rebuilds the package's code for a part gets 0 on that part and is flagged for
review (`autoaegan.grading.autograding.FlagForReview`). This module finds those parts by
reading the submitted notebook's cells with `ast`, in the grading process, without
running any of them: nothing the student's code does at run time can change what it
finds.

- The parts: each test cell grades the names it uses that the notebook's locked cells
  and test cells do not define (`TiedConv2DTranspose` in `test_tied_conv_autoencoder`), and those
  its first line lists, `# tests: NAME, NAME`.
- What is found, in the student's own cells (answer cells and cells they added):
  a part bound to the package's object (imported, aliased, `NAME = module.Thing`),
  a class that subclasses one of the package's, a function or class that uses the
  package's code (a thin wrapper, a method taken from it), code run or found at run time
  (`exec`, `eval`, `compile`, `__import__`, `importlib`, `inspect.getsource`, `.__file__`,
  `.__code__`, `sys.modules`, `globals()`, a string that names the package), and a
  definition that is the package's own modulo docstrings, comments, layout, type
  annotations and the names of its arguments and local variables, or nearly so.
  What a part's definition uses, through the student's helpers too, counts for that part;
  code run at run time at the notebook's top level counts for every part.
- What is not reuse: the package's modules the notebooks themselves use
  (`ALLOWED_MODULES`), and whatever the notebook's locked and test cells import from the
  package, unless that is a graded part itself.

This reads code as written. What it cannot see: code that reaches the package through a
route it does not know (a library that imports it, a file copied under another name); the
checks in the student's kernel (`autoaegan.grading.checks.assert_own_implementation`) and the
instructor's review remain for those.
"""

from __future__ import annotations

import ast
import builtins
import copy
import difflib
import functools
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

PACKAGE = "autoaegan"
# The package's modules a submission may use anywhere: loading the data, the figures, the setup and the checks.
ALLOWED_MODULES = (
    "autoaegan.grading.checks",
    "autoaegan.course.chapter_setup",
    "autoaegan.data",
    "autoaegan.figures",
    "autoaegan.profiles",
)
# A definition the same as one of the package's, once normalised, is a copy when it has at least this many
# statements or tokens of its normalised form: a short answer can be the package's by chance (the natural
# `DenseTranspose.call` is one line of 52 tokens, the same as the package's; its `get_config` too).
SAME_MIN_STATEMENTS = 3
SAME_MIN_TOKENS = 100
# One whose normalised form is this similar to the package's (difflib's ratio) is a copy from this many statements.
# Not for shorter ones: a Géron-style DCGAN generator, one statement, is 0.9 like the package's own Géron model.
SIMILAR_MIN_STATEMENTS = 6
SIMILARITY = 0.9
# The package's modules whose code is not a graded part's (the checks themselves, the allowed modules).
NOT_INDEXED = ("autoaegan.grading.checks", "autoaegan.grading.autograding", *ALLOWED_MODULES)

# Where code comes from at run time, by the dotted path a name resolves to: the start of the path → what it does.
DYNAMIC = {
    "builtins.exec": "runs code built at run time (`exec`)",
    "builtins.eval": "runs code built at run time (`eval`)",
    "builtins.compile": "compiles code at run time (`compile`)",
    "builtins.__import__": "imports a module by a computed name (`__import__`)",
    "builtins.globals": "reaches names through `globals()`",
    "importlib": "imports modules by computed names (`importlib`)",
    "runpy": "runs a module's code (`runpy`)",
    "pkgutil": "reads a package's files (`pkgutil`)",
    "imp": "imports modules by computed names (`imp`)",
    "marshal": "loads code objects (`marshal`)",
    "linecache": "reads source files (`linecache`)",
    "sys.modules": "reaches modules through `sys.modules`",
    "inspect.getsource": "reads source code (`inspect.getsource`)",
    "inspect.getsourcelines": "reads source code (`inspect.getsourcelines`)",
    "inspect.findsource": "reads source code (`inspect.findsource`)",
    "inspect.getsourcefile": "finds source files (`inspect.getsourcefile`)",
    "inspect.getfile": "finds source files (`inspect.getfile`)",
    "inspect.getmodule": "finds modules at run time (`inspect.getmodule`)",
    "__main__": "writes names through the `__main__` module",
    "types.CodeType": "builds code objects (`types.CodeType`)",
    "types.FunctionType": "builds functions from code objects (`types.FunctionType`)",
}
# Attributes that lead to a module's file, a function's code or a namespace.
# Finders: readers of source code, modules' files and `sys.modules`. They count only beside code run at run time
# (`exec`, `compile`, `importlib`...) in the same statement: alone they read or look for files, which is a hunt for
# the instructor's (the sandbox's business, and the notebook's own code may log a path), not the package's code
# in a part. A part that takes the package's objects is found where it uses them.
SOURCE_READERS = (
    "inspect.getsource",
    "inspect.getsourcelines",
    "inspect.findsource",
    "inspect.getsourcefile",
    "inspect.getfile",
    "inspect.getmodule",
    "linecache",
    "sys.modules",
)
FINDER_ATTRIBUTES = ("__file__", "__path__", "__spec__", "__loader__", "__cached__")
# Functions that import a module by its name: named in full in the code (and not the package), they are imports.
IMPORTERS = ("builtins.__import__", "importlib.import_module", "importlib.__import__")
DYNAMIC_ATTRIBUTES = (
    "__file__",
    "__path__",
    "__spec__",
    "__loader__",
    "__cached__",
    "__code__",
    "__globals__",
    "__builtins__",
)
PACKAGE_STRING = re.compile(rf"\b{PACKAGE}\b|\.pyc?\b")
TEST_HEADER = re.compile(r"#\s*(?:hidden\s+)?tests?\s*:\s*(.*)")
IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# The methods of `autoaegan.grading.bridge.student` that fetch a name the student's answers define.
BRIDGE_LOOKUPS = ("own", "value")
# Names IPython puts in a notebook's namespace.
IPYTHON_NAMES = {"display", "get_ipython", "In", "Out", "exit", "quit", "_", "__", "___"}


@dataclass
class Reuse:
    """What `find_reuse` found: the reasons by graded part (only the parts found), and the test cells of each part."""

    findings: dict[str, list[str]] = field(default_factory=dict)
    graded_by: dict[str, list[str]] = field(default_factory=dict)

    def test_cells(self) -> list[str]:
        """The grade_ids of the test cells that grade a part with a finding: they get zero."""
        return sorted({grade_id for part in self.findings for grade_id in self.graded_by.get(part, [])})

    def describe(self) -> list[str]:
        """One line per part with a finding, for the instructor."""
        return [
            f"{part} ({', '.join(self.graded_by.get(part, []))}): {'; '.join(reasons)}"
            for part, reasons in self.findings.items()
        ]


# ----- cells ---------------------------------------------------------------------------------------------------------


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    value = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return value if isinstance(value, dict) else {}


def _is_test(cell) -> bool:
    meta = _nbgrader(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def _is_given(cell) -> bool:
    """A locked cell of the instructor's that is not a test (the setup, given code)."""
    meta = _nbgrader(cell)
    return bool(meta.get("locked")) and not meta.get("solution") and not meta.get("grade")


def _is_students(cell) -> bool:
    return not _is_test(cell) and not _is_given(cell)


def _code_cells(cells) -> list:
    return [cell for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def parse(source: str) -> ast.Module | None:
    """The cell's code as a module, IPython's magics and shell escapes left out; None when it is not Python."""
    text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _bound_anywhere(tree: ast.AST) -> set[str]:
    """Every name `tree` binds, at any depth (a rough scope: enough to tell a test's own names from the student's)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _bound_at_top(statement: ast.stmt) -> set[str]:
    """The module-level names `statement` binds (a def's or class's name, not what its body binds)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names if alias.name != "*"}
    names = set()
    for node in _walk_outside_definitions(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not statement:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*")
    return names


def _walk_outside_definitions(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk`, not entering the bodies of the functions and classes inside `node` (their names are yielded)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and isinstance(
            current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(current))))


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
    first line lists as `# tests: NAME, NAME`; a first line in prose (`# hidden tests: fade_in on tensors`) names those of its words that the answer cells define, as released
    (`given`, their sources) or as answered.
    """
    code = _code_cells(cells)
    trees = [(cell, parse(_source(cell))) for cell in code]
    defined = set(dir(builtins)) | IPYTHON_NAMES
    answered = set()  # what the answer cells (as given, and as answered) define: a header's prose names them
    answers = [tree for cell, tree in trees if _nbgrader(cell).get("solution")]
    for tree in [parse(source) for source in given] + answers:
        if tree is not None:
            answered |= {
                name
                for statement in tree.body
                if not isinstance(statement, (ast.Import, ast.ImportFrom))
                for name in _bound_at_top(statement)
            }
    for cell, tree in trees:
        if tree is not None and _is_given(cell):
            defined |= {name for statement in tree.body for name in _bound_at_top(statement)}
    parts: dict[str, list[str]] = {}
    for cell, tree in trees:
        grade_id = _nbgrader(cell).get("grade_id")
        if not _is_test(cell) or not isinstance(grade_id, str):
            continue
        names = []
        header = TEST_HEADER.match(_source(cell).lstrip().split("\n", 1)[0])
        if header:  # `# tests: DenseTranspose, fade_in` or `# hidden tests: fade_in on tensors, ...`
            listed = [item.strip() for item in header.group(1).split(",")]
            if all(IDENTIFIER.fullmatch(item) for item in listed):
                names += listed
            else:
                names += [word for word in IDENTIFIER.findall(header.group(1)) if word in answered]
        if tree is not None:
            own = defined | _bound_anywhere(tree)  # the test's own names, and the notebook's given ones
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


# ----- the package's definitions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    """A function, method or class, normalised: `dump` compares exactly, `tokens` by similarity."""

    path: str
    kind: str  # "function" or "class"
    dump: str
    tokens: tuple[str, ...]
    statements: int


def _module_imports(tree: ast.Module, module: str) -> dict[str, str]:
    """The names a module's imports bind, with the dotted path each names (relative imports resolved)."""
    names = {}
    package_parts = module.split(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package_parts[: len(package_parts) - node.level]
                base = ".".join(parent + ([node.module] if node.module else []))
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
    return names


def _definitions(node: ast.AST, prefix: str) -> Iterator[tuple[str, ast.AST]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            path = f"{prefix}.{child.name}"
            yield path, child
            yield from _definitions(child, path)
        elif not isinstance(child, ast.expr):
            yield from _definitions(child, prefix)


@functools.lru_cache(maxsize=4)
def package_definitions(root: str | None = None) -> tuple[Definition, ...]:
    """Every function, method and class of the package's modules under `root` (the installed package by default),
    normalised; read once per process."""
    if root is None:
        import autoaegan

        root = os.path.dirname(os.path.abspath(autoaegan.__file__))
    found = []
    for folder, _, files in sorted(os.walk(root)):
        for filename in sorted(files):
            if not filename.endswith(".py"):
                continue
            path = os.path.join(folder, filename)
            relative = os.path.relpath(path, os.path.dirname(root))[: -len(".py")]
            module = relative.replace(os.sep, ".").removesuffix(".__init__")
            try:
                with open(path, encoding="utf-8") as file:
                    tree = ast.parse(file.read())
            except (OSError, SyntaxError, ValueError):
                continue
            if any(module.startswith(prefix) for prefix in NOT_INDEXED):
                continue
            imports = _module_imports(tree, module if filename != "__init__.py" else module + ".__init__")
            for qualified, node in _definitions(tree, module):
                found.append(normalise(node, imports, qualified))
    return tuple(found)


@functools.lru_cache(maxsize=4)
def _package_index(root: str | None) -> tuple[dict[str, list[Definition]], tuple[Definition, ...]]:
    definitions = package_definitions(root)
    by_dump: dict[str, list[Definition]] = {}
    for definition in definitions:
        by_dump.setdefault(definition.dump, []).append(definition)
    return by_dump, definitions


@functools.lru_cache(maxsize=4)
def package_module_names(root: str | None = None) -> dict[str, set[str]]:
    """The names each of the package's modules defines at its top level (for `from autoaegan.x import *`)."""
    names: dict[str, set[str]] = {}
    for definition in package_definitions(root):
        module, _, name = definition.path.rpartition(".")
        names.setdefault(module, set()).add(name)
    return names


# ----- normalising a definition --------------------------------------------------------------------------------------


def _strip_docstring(body: list) -> list:
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return body or [ast.Pass()]


class _Normaliser(ast.NodeTransformer):
    """Docstrings, decorators and annotations out; arguments and locals renamed in order; imported names spelled
    by their full path; the definition's own name left out."""

    def __init__(self, imports: dict[str, str]):
        self.imports = imports
        self.scopes: list[dict[str, str]] = []

    def _local_names(self, node) -> list[str]:
        names = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
        names += [node.args.vararg.arg] if node.args.vararg else []
        names += [arg.arg for arg in node.args.kwonlyargs]
        names += [node.args.kwarg.arg] if node.args.kwarg else []
        declared = set()
        for child in _walk_outside_definitions(node):
            if isinstance(child, (ast.Global, ast.Nonlocal)):
                declared.update(child.names)
            elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.append(child.id)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
                names.append(child.name)
            elif isinstance(child, ast.ExceptHandler) and child.name:
                names.append(child.name)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names += [(alias.asname or alias.name).split(".")[0] for alias in child.names]
        ordered = [name for name in dict.fromkeys(names) if name not in declared]
        return ordered

    def visit_FunctionDef(self, node):
        scope = {name: f"v{index}" for index, name in enumerate(self._local_names(node))}
        # A nested function is one of its parent's locals; a method keeps its name (the API: call, build...).
        node.name = self.scopes[-1].get(node.name, node.name) if self.scopes else node.name
        node.decorator_list, node.returns = [], None
        if hasattr(node, "type_params"):
            node.type_params = []
        node.body = _strip_docstring(node.body)
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg, node.args.kwarg):
            if arg is not None:
                arg.annotation = None
                arg.arg = scope.get(arg.arg, arg.arg)
        self.scopes.append(scope)
        self.generic_visit(node)
        self.scopes.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        node.name = self.scopes[-1].get(node.name, node.name) if self.scopes else node.name
        node.decorator_list = []
        if hasattr(node, "type_params"):
            node.type_params = []
        node.body = _strip_docstring(node.body)
        self.generic_visit(node)
        return node

    def visit_AnnAssign(self, node):
        if node.value is None:
            return None
        return self.visit(ast.Assign(targets=[node.target], value=node.value, lineno=0))

    def visit_Name(self, node):
        for scope in reversed(self.scopes):
            if node.id in scope:
                return ast.Name(id=scope[node.id], ctx=node.ctx)
        if node.id in self.imports:
            return ast.Name(id=self.imports[node.id], ctx=node.ctx)
        return node

    def visit_Expr(self, node):
        # A string standing alone as a statement is a comment in effect.
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None
        return self.generic_visit(node)


def normalise(node: ast.AST, imports: dict[str, str], path: str = "") -> Definition:
    """`node`, a function or class definition, normalised for comparison; `imports` maps the names its module
    imports to their dotted paths."""
    tree = copy.deepcopy(node)
    tree.name = "_"  # a copy under another name is still a copy
    tree = _Normaliser(imports).visit(tree)
    ast.fix_missing_locations(tree)
    dump = ast.dump(tree, annotate_fields=False)
    tokens = tuple(re.findall(r"[A-Za-z_]\w*|'[^']*'|-?\d+(?:\.\d+)?", dump))
    statements = sum(isinstance(child, ast.stmt) for child in ast.walk(tree)) - 1
    kind = "class" if isinstance(node, ast.ClassDef) else "function"
    return Definition(path, kind, dump, tokens, statements)


def package_copies(definition: Definition, root: str | None = None) -> list[str]:
    """How `definition` is the package's code: the same as (or nearly the same as) a package definition."""
    by_dump, everything = _package_index(root)
    if definition.statements >= SAME_MIN_STATEMENTS or len(definition.tokens) >= SAME_MIN_TOKENS:
        same = [other.path for other in by_dump.get(definition.dump, []) if other.kind == definition.kind]
        if same:
            return [f"the same code as the package's {same[0]} (up to names, docstrings and layout)"]
    if definition.statements < SIMILAR_MIN_STATEMENTS:
        return []
    size = len(definition.tokens)
    best = (0.0, "")
    for other in everything:
        if other.kind != definition.kind or other.statements < SIMILAR_MIN_STATEMENTS:
            continue
        # difflib's ratio is at most 2 min / (a + b): skip what cannot reach the threshold.
        if 2 * min(size, len(other.tokens)) / (size + len(other.tokens)) < SIMILARITY:
            continue
        matcher = difflib.SequenceMatcher(None, definition.tokens, other.tokens, autojunk=False)
        if matcher.real_quick_ratio() < SIMILARITY or matcher.quick_ratio() < SIMILARITY:
            continue
        ratio = matcher.ratio()
        if ratio > best[0]:
            best = (ratio, other.path)
    if best[0] >= SIMILARITY:
        return [f"nearly the same code as the package's {best[1]} (similarity {best[0]:.2f})"]
    return []


# ----- reading the student's code ------------------------------------------------------------------------------------


def _in_package(path: str) -> bool:
    return path == PACKAGE or path.startswith(PACKAGE + ".")


def _dynamic(path: str) -> str | None:
    for start, what in DYNAMIC.items():
        if path == start or path.startswith(start + "."):
            return what
    return None


@dataclass
class _Statement:
    node: ast.stmt
    students: bool
    bound: set[str]


class _Notebook:
    """The notebook's code cells as one module: where each name comes from, and what each statement uses."""

    def __init__(self, cells, parts: Iterable[str], root: str | None, given: Iterable[str]):
        self.root = root
        self.parts = set(parts)
        self.statements: list[_Statement] = []
        trusted_imports: set[str] = set()
        for cell in _code_cells(cells):
            tree = parse(_source(cell))
            if tree is None:
                continue
            if _is_test(cell):
                trusted_imports |= set(_module_imports(tree, "__main__").values())
                continue
            if _is_given(cell):
                trusted_imports |= set(_module_imports(tree, "__main__").values())
            students = _is_students(cell)
            for node in tree.body:
                statement = _Statement(node, students, _bound_at_top(node))
                if isinstance(node, ast.ImportFrom):
                    statement.bound |= set(self._import_paths(node))
                self.statements.append(statement)
        # What the instructor's cells import from the package is not reuse, unless it is a graded part itself.
        self.allowed_paths = {
            path for path in trusted_imports if _in_package(path) and path.rsplit(".", 1)[-1] not in self.parts
        }
        self.origins: dict[str, set[str]] = {}
        for statement in self.statements:
            self._note_origins(statement)
        self.imports = {name: sorted(paths)[0] for name, paths in self.origins.items() if len(paths) == 1}
        # The given code of the answer cells, as released: matching it is no copy of the package's.
        self.given_dumps = set()
        for source in given:
            tree = parse(source)
            if tree is not None:
                for _, node in _definitions(tree, ""):
                    self.given_dumps.add(normalise(node, self.imports).dump)

    # --- where names come from

    def _import_paths(self, node: ast.stmt) -> dict[str, str]:
        """The names an import statement binds, with their dotted paths (`from autoaegan.x import *` included)."""
        paths = _module_imports(ast.Module(body=[node], type_ignores=[]), "__main__")
        if isinstance(node, ast.ImportFrom) and node.module and any(alias.name == "*" for alias in node.names):
            for name in package_module_names(self.root).get(node.module, ()):
                paths[name] = f"{node.module}.{name}"
        return paths

    def _note_origins(self, statement: _Statement) -> None:
        # A name rebound by the statement forgets where it came from, unless the statement says again.
        for name in statement.bound:
            self.origins.pop(name, None)
        for node in _walk_outside_definitions(statement.node):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for name, path in self._import_paths(node).items():
                    self.origins.setdefault(name, set()).add(path)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                paths = self.resolve(node.value, {})
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and paths:
                        self.origins.setdefault(target.id, set()).update(paths)

    def resolve(self, node: ast.AST, local: dict[str, set[str] | None]) -> set[str]:
        """The dotted paths (`autoaegan.models.variational.latent_loss`, `importlib`) an expression names."""
        if isinstance(node, ast.Name):
            if node.id in local:
                return set(local[node.id] or ())
            if node.id in self.origins:
                return set(self.origins[node.id])
            if hasattr(builtins, node.id) and not any(node.id in s.bound for s in self.statements):
                return {f"builtins.{node.id}"}
            return set()
        if isinstance(node, ast.Attribute):
            return {f"{path}.{node.attr}" for path in self.resolve(node.value, local)}
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and self.resolve(node.func, local) == {"builtins.getattr"}
        ):
            return {f"{path}.{node.args[1].value}" for path in self.resolve(node.args[0], local)}
        return set()

    def allowed(self, path: str) -> bool:
        """Whether using the package's `path` is allowed (not reuse)."""
        if path == PACKAGE:
            return True  # the bare package: what is taken from it is judged
        return any(
            path == module or path.startswith(module + ".") for module in (*ALLOWED_MODULES, *self.allowed_paths)
        )

    # --- what a statement uses

    def read(self, statement: ast.stmt, name: str | None) -> tuple[list[str], list[str], set[str]]:
        """What `statement` uses: (reasons of package use, reasons of code found at run time, the global names it
        loads). `name`, a part the statement binds, words the reasons."""
        uses, dynamic, loads = [], [], set()
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            # An import binds; what is taken from it is judged where it is used, a part imported here.
            paths = self._import_paths(statement)
            if name in paths and _in_package(paths[name]) and not self.allowed(paths[name]):
                uses.append(f"imported from the package ({paths[name]})")
            if "__main__" in paths.values():
                dynamic.append(DYNAMIC["__main__"])
            return uses, dynamic, loads
        reader = _Reader(self, uses, dynamic, loads)
        reader.visit(statement)
        if dynamic:  # the finders of a statement that also runs code at run time: where that code came from
            dynamic += reader.source_readers
        taken = []  # what the part is, where the statement is no more than that
        if name is not None and isinstance(statement, ast.ClassDef):
            taken = [("subclasses the package's", path) for base in statement.bases for path in self.resolve(base, {})]
        elif name is not None and isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = _strip_docstring(statement.body)
            if len(body) == 1 and isinstance(body[0], (ast.Return, ast.Expr)) and isinstance(body[0].value, ast.Call):
                taken = [
                    ("a thin wrapper around the package's", path)
                    for path in self.resolve(body[0].value.func, _function_scope(statement))
                ]
        elif name is not None and isinstance(statement, ast.Assign):
            taken = [("is the package's", path) for path in self.resolve(statement.value, {})]
        taken = [(words, path) for words, path in taken if _in_package(path) and not self.allowed(path)]
        said = {f"uses the package's {path}" for _, path in taken}
        uses = [f"{words} {path}" for words, path in taken] + [use for use in uses if use not in said]
        return list(dict.fromkeys(uses)), list(dict.fromkeys(dynamic)), loads

    def binder(self, name: str) -> _Statement | None:
        """The student's statement that binds `name` last (the one the tests see), or None."""
        binders = [statement for statement in self.statements if name in statement.bound]
        if not binders or not binders[-1].students:
            return None
        return binders[-1]

    def copies(self, statement: ast.stmt) -> list[str]:
        """How a definition, or one of its methods, is the package's code rebuilt."""
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return []
        found = []
        definition = normalise(statement, self.imports)
        if definition.dump not in self.given_dumps:
            found += package_copies(definition, self.root)
        if isinstance(statement, ast.ClassDef) and not found:
            for _, method in _definitions(statement, statement.name):
                normalised = normalise(method, self.imports)
                if normalised.dump not in self.given_dumps:
                    found += [f"{method.name}: {reason}" for reason in package_copies(normalised, self.root)]
        return found

    def part_reasons(self, part: str) -> list[str]:
        """Why `part` is the package's code: what its definition, and the student's helpers it uses, take."""
        start = self.binder(part)
        if start is None:
            return []
        reasons, seen, queue = [], set(), [(start, part, None)]
        while queue:
            statement, name, via = queue.pop(0)
            if id(statement.node) in seen:
                continue
            seen.add(id(statement.node))
            uses, dynamic, loads = self.read(statement.node, name if statement is start else None)
            found = uses + dynamic + self.copies(statement.node)
            reasons += [reason if via is None else f"{reason} (in `{via}`, which it uses)" for reason in found]
            for loaded in sorted(loads):
                helper = self.binder(loaded)
                if helper is not None and not isinstance(helper.node, (ast.Import, ast.ImportFrom)):
                    queue.append((helper, loaded, loaded if via is None else via))
        return list(dict.fromkeys(reasons))

    def top_level_dynamic(self) -> list[str]:
        """Code found or run at run time by statements at the notebook's top level that bind no part."""
        found = []
        for statement in self.statements:
            if not statement.students or isinstance(
                statement.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
            ):
                continue
            if any(self.binder(part) is statement for part in statement.bound & self.parts):
                continue
            _, dynamic, loads = self.read(statement.node, None)
            for loaded in sorted(loads):  # the student's functions it calls
                helper = self.binder(loaded)
                if helper is not None and isinstance(helper.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    dynamic += [f"{what} (in `{loaded}`)" for what in self.read(helper.node, None)[1]]
            found += [f"at the top level of the notebook: {what}" for what in dynamic]
        return list(dict.fromkeys(found))


def _function_scope(node) -> dict[str, set[str] | None]:
    """The names local to a function: its arguments and what it binds, with the paths its own imports name."""
    scope: dict[str, set[str] | None] = {}
    for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg, node.args.kwarg):
        if arg is not None:
            scope[arg.arg] = None
    declared = set()
    for child in _walk_outside_definitions(node):
        if isinstance(child, (ast.Global, ast.Nonlocal)):
            declared.update(child.names)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            scope.setdefault(child.id, None)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child is not node:
            scope.setdefault(child.name, None)
        elif isinstance(child, ast.ExceptHandler) and child.name:
            scope.setdefault(child.name, None)
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            module = ast.Module(body=[child], type_ignores=[])
            for name, path in _module_imports(module, "__main__").items():
                scope[name] = (scope.get(name) or set()) | {path}
    for name in declared:
        scope.pop(name, None)
    return scope


class _Reader(ast.NodeVisitor):
    """Reads one statement: the package's objects it uses, code it finds or runs at run time, the globals it loads."""

    def __init__(self, notebook: _Notebook, uses: list, dynamic: list, loads: set):
        self.notebook, self.uses, self.dynamic, self.loads = notebook, uses, dynamic, loads
        self.scopes: list[dict[str, set[str] | None]] = []
        self.source_readers: list[str] = []  # count only where the statement also reaches the package

    @property
    def local(self) -> dict[str, set[str] | None]:
        merged: dict[str, set[str] | None] = {}
        for scope in self.scopes:
            merged.update(scope)
        return merged

    def _judge(self, node: ast.AST) -> bool:
        """Note what `node` (a name or an attribute chain) names; True when it named something."""
        paths = self.notebook.resolve(node, self.local)
        for path in sorted(paths):
            what = _dynamic(path)
            if what and any(path == reader or path.startswith(reader + ".") for reader in SOURCE_READERS):
                self.source_readers.append(what)
            elif what:
                self.dynamic.append(what)
            elif _in_package(path) and not self.notebook.allowed(path):
                self.uses.append(f"uses the package's {path}")
        return bool(paths)

    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in (*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]):
            self.visit(default)
        self.scopes.append(_function_scope(node))
        for statement in _strip_docstring(node.body):
            self.visit(statement)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.scopes.append({arg.arg: None for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)})
        self.visit(node.body)
        self.scopes.pop()

    def visit_ClassDef(self, node):
        for expression in (*node.decorator_list, *node.bases, *[keyword.value for keyword in node.keywords]):
            self.visit(expression)
        for statement in _strip_docstring(node.body):
            self.visit(statement)

    def visit_Import(self, node):
        if "__main__" in _module_imports(ast.Module(body=[node], type_ignores=[]), "__main__").values():
            self.dynamic.append(DYNAMIC["__main__"])

    visit_ImportFrom = visit_Import

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.local:
                self.loads.add(node.id)
            self._judge(node)

    def visit_Attribute(self, node):
        if node.attr in FINDER_ATTRIBUTES:
            self.source_readers.append(f"reads `.{node.attr}`")
        elif node.attr in DYNAMIC_ATTRIBUTES:
            self.dynamic.append(f"reads `.{node.attr}`")  # a function's code or namespace, taken as it is
        if not self._judge(node):
            self.visit(node.value)
        else:  # the chain named something: its root is still a name the statement loads
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id not in self.local:
                self.loads.add(root.id)

    def visit_Call(self, node):
        called = self.notebook.resolve(node.func, self.local)
        first = node.args[0] if node.args else None
        if (
            called & set(IMPORTERS)
            and isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and not PACKAGE_STRING.search(first.value)
        ):
            # A module named in full, not the package (`__import__("time")`): an import like any other.
            for argument in (*node.args[1:], *[keyword.value for keyword in node.keywords]):
                self.visit(argument)
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id not in self.local:
                self.loads.add(root.id)
            return
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "delattr", "hasattr")
            and len(node.args) >= 2
            and not isinstance(node.args[1], ast.Constant)
        ):
            targets = self.notebook.resolve(node.args[0], self.local)
            if any(_in_package(path) or _dynamic(path) for path in targets):
                self.dynamic.append(f"reaches the package through a computed name (`{node.func.id}`)")
        if self._judge(node):  # getattr(module, "name")
            for argument in node.args[:1]:
                self.visit(argument)
            return
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and PACKAGE_STRING.search(node.value):
            self.source_readers.append(f"names the package or a source file in a string ({node.value[:60]!r})")


def find_reuse(cells, *, given: Iterable[str] = (), root: str | None = None) -> Reuse:
    """Which graded parts of a notebook's `cells` (nbformat cells, as submitted) take the package's code.

    `given` holds the sources of the answer cells as released (their given code, the class's `__init__` say, is
    no copy); `root` the package's folder (the installed package by default). Reads the code; never runs it.
    """
    given = list(given)
    parts = graded_parts(cells, given)
    notebook = _Notebook(cells, parts, root, given)
    everywhere = notebook.top_level_dynamic()
    findings = {}
    for part in parts:
        reasons = notebook.part_reasons(part) + everywhere
        if reasons:
            findings[part] = list(dict.fromkeys(reasons))
    return Reuse(findings, parts)
