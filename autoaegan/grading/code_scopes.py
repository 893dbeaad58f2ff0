"""What Python code binds and imports, read with `ast` without running it: the scopes that
`autoaegan.grading.reuse` needs to tell the student's names from the package's."""

from __future__ import annotations

import ast
from collections.abc import Iterator


def parse(source: str) -> ast.Module | None:
    """The cell's code as a module, IPython's magics and shell escapes left out; None when it is not Python."""
    text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def bound_anywhere(tree: ast.AST) -> set[str]:
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


def bound_at_top(statement: ast.stmt) -> set[str]:
    """The module-level names `statement` binds (a def's or class's name, not what its body binds)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names if alias.name != "*"}
    names = set()
    for node in walk_outside_definitions(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not statement:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name != "*")
    return names


def walk_outside_definitions(node: ast.AST) -> Iterator[ast.AST]:
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


def module_imports(tree: ast.Module, module: str) -> dict[str, str]:
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


def definitions(node: ast.AST, prefix: str) -> Iterator[tuple[str, ast.AST]]:
    """Every function and class defined in `node`, at any depth, with its dotted path under `prefix`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            path = f"{prefix}.{child.name}"
            yield path, child
            yield from definitions(child, path)
        elif not isinstance(child, ast.expr):
            yield from definitions(child, prefix)


def strip_docstring(body: list) -> list:
    """A body of statements without its docstring (`pass` when nothing else is left)."""
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return body or [ast.Pass()]


def function_scope(node) -> dict[str, set[str] | None]:
    """The names local to a function: its arguments and what it binds, with the paths its own imports name."""
    scope: dict[str, set[str] | None] = {}
    for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs, node.args.vararg, node.args.kwarg):
        if arg is not None:
            scope[arg.arg] = None
    declared = set()
    for child in walk_outside_definitions(node):
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
            for name, path in module_imports(module, "__main__").items():
                scope[name] = (scope.get(name) or set()) | {path}
    for name in declared:
        scope.pop(name, None)
    return scope
