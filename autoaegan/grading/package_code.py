"""The package's own code as the grader indexes it: every function, method and class normalised
(docstrings, annotations and local names out), and whether a submitted definition is one of them."""

from __future__ import annotations

import ast
import copy
import difflib
import functools
import os
import re
from dataclasses import dataclass

import autoaegan
from autoaegan.grading.code_scopes import definitions, module_imports, strip_docstring, walk_outside_definitions

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


def in_package(path: str) -> bool:
    """Whether the dotted `path` is the package or inside it."""
    return path == PACKAGE or path.startswith(PACKAGE + ".")


@dataclass(frozen=True)
class Definition:
    """A function, method or class, normalised: `dump` compares exactly, `tokens` by similarity."""

    path: str
    kind: str  # "function" or "class"
    dump: str
    tokens: tuple[str, ...]
    statements: int


@functools.lru_cache(maxsize=4)
def package_definitions(root: str | None = None) -> tuple[Definition, ...]:
    """Every function, method and class of the package's modules under `root` (the installed package by default),
    normalised; read once per process."""
    if root is None:
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
            imports = module_imports(tree, module if filename != "__init__.py" else module + ".__init__")
            for qualified, node in definitions(tree, module):
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
        for child in walk_outside_definitions(node):
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
        node.body = strip_docstring(node.body)
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
        node.body = strip_docstring(node.body)
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
