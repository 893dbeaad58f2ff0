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

The pieces: `graded_parts` (which parts a notebook grades), `package_code` (the package's definitions,
normalised), `statement_uses` (what one statement uses) and `code_scopes` (what code binds); this module
reads the notebook as one module and puts them together.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from dataclasses import dataclass, field

from autoaegan.grading.code_scopes import (
    bound_at_top,
    definitions,
    function_scope,
    module_imports,
    parse,
    strip_docstring,
    walk_outside_definitions,
)
from autoaegan.grading.graded_parts import (
    cell_source,
    code_cells,
    graded_parts,
    is_given,
    is_students,
    is_test,
)
from autoaegan.grading.package_code import (
    ALLOWED_MODULES,
    PACKAGE,
    in_package,
    normalise,
    package_copies,
    package_module_names,
)
from autoaegan.grading.statement_uses import DYNAMIC, StatementReader


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
        for cell in code_cells(cells):
            tree = parse(cell_source(cell))
            if tree is None:
                continue
            if is_test(cell):
                trusted_imports |= set(module_imports(tree, "__main__").values())
                continue
            if is_given(cell):
                trusted_imports |= set(module_imports(tree, "__main__").values())
            students = is_students(cell)
            for node in tree.body:
                statement = _Statement(node, students, bound_at_top(node))
                if isinstance(node, ast.ImportFrom):
                    statement.bound |= set(self._import_paths(node))
                self.statements.append(statement)
        # What the instructor's cells import from the package is not reuse, unless it is a graded part itself.
        self.allowed_paths = {
            path for path in trusted_imports if in_package(path) and path.rsplit(".", 1)[-1] not in self.parts
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
                for _, node in definitions(tree, ""):
                    self.given_dumps.add(normalise(node, self.imports).dump)

    # --- where names come from

    def _import_paths(self, node: ast.stmt) -> dict[str, str]:
        """The names an import statement binds, with their dotted paths (`from autoaegan.x import *` included)."""
        paths = module_imports(ast.Module(body=[node], type_ignores=[]), "__main__")
        if isinstance(node, ast.ImportFrom) and node.module and any(alias.name == "*" for alias in node.names):
            for name in package_module_names(self.root).get(node.module, ()):
                paths[name] = f"{node.module}.{name}"
        return paths

    def _note_origins(self, statement: _Statement) -> None:
        # A name rebound by the statement forgets where it came from, unless the statement says again.
        for name in statement.bound:
            self.origins.pop(name, None)
        for node in walk_outside_definitions(statement.node):
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
            if name in paths and in_package(paths[name]) and not self.allowed(paths[name]):
                uses.append(f"imported from the package ({paths[name]})")
            if "__main__" in paths.values():
                dynamic.append(DYNAMIC["__main__"])
            return uses, dynamic, loads
        reader = StatementReader(self, uses, dynamic, loads)
        reader.visit(statement)
        if dynamic:  # the finders of a statement that also runs code at run time: where that code came from
            dynamic += reader.source_readers
        taken = []  # what the part is, where the statement is no more than that
        if name is not None and isinstance(statement, ast.ClassDef):
            taken = [("subclasses the package's", path) for base in statement.bases for path in self.resolve(base, {})]
        elif name is not None and isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = strip_docstring(statement.body)
            if len(body) == 1 and isinstance(body[0], (ast.Return, ast.Expr)) and isinstance(body[0].value, ast.Call):
                taken = [
                    ("a thin wrapper around the package's", path)
                    for path in self.resolve(body[0].value.func, function_scope(statement))
                ]
        elif name is not None and isinstance(statement, ast.Assign):
            taken = [("is the package's", path) for path in self.resolve(statement.value, {})]
        taken = [(words, path) for words, path in taken if in_package(path) and not self.allowed(path)]
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
            for _, method in definitions(statement, statement.name):
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
