"""What one statement of a submission uses, read with `ast`: the package's objects, code found or run at
run time (`exec`, `importlib`, `inspect.getsource`...), and the global names it loads."""

from __future__ import annotations

import ast
import re

from autoaegan.grading.code_scopes import function_scope, module_imports, strip_docstring
from autoaegan.grading.package_code import PACKAGE, in_package

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


def run_time_use(path: str) -> str | None:
    """What using the dotted `path` does at run time (`DYNAMIC`'s words), or None for an ordinary name."""
    for start, what in DYNAMIC.items():
        if path == start or path.startswith(start + "."):
            return what
    return None


class StatementReader(ast.NodeVisitor):
    """Reads one statement: the package's objects it uses, code it finds or runs at run time, the globals it loads.
    `notebook` (`autoaegan.grading.reuse`'s) resolves names to dotted paths and says which paths are allowed."""

    def __init__(self, notebook, uses: list, dynamic: list, loads: set):
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
            what = run_time_use(path)
            if what and any(path == reader or path.startswith(reader + ".") for reader in SOURCE_READERS):
                self.source_readers.append(what)
            elif what:
                self.dynamic.append(what)
            elif in_package(path) and not self.notebook.allowed(path):
                self.uses.append(f"uses the package's {path}")
        return bool(paths)

    def visit_FunctionDef(self, node):
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in (*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]):
            self.visit(default)
        self.scopes.append(function_scope(node))
        for statement in strip_docstring(node.body):
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
        for statement in strip_docstring(node.body):
            self.visit(statement)

    def visit_Import(self, node):
        if "__main__" in module_imports(ast.Module(body=[node], type_ignores=[]), "__main__").values():
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
            if any(in_package(path) or run_time_use(path) for path in targets):
                self.dynamic.append(f"reaches the package through a computed name (`{node.func.id}`)")
        if self._judge(node):  # getattr(module, "name")
            for argument in node.args[:1]:
                self.visit(argument)
            return
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and PACKAGE_STRING.search(node.value):
            self.source_readers.append(f"names the package or a source file in a string ({node.value[:60]!r})")
