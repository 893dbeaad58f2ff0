"""Rewritings of a solution's answer cells, with `ast`, into the adversarial submissions' code.

Warnings and stderr in every function (`noisy`), results whose `==` is always true
(`always_equal`), functions that read the test's namespace (`reading_namespace`), a
hunt for the instructor's files (`hunting`), patches by statements and by names built
at run time (`patching`), the package's code imported, exec'd or rebuilt
(`package_code`), and the one-line crash, hang, memory hog and output flood.
`benchmarks.adversarial_cases` puts them together into the classes of submissions.
"""

from __future__ import annotations

import ast
from pathlib import Path

from benchmarks.adversarial_notebook import Part, parse_source
from benchmarks.harness import ROOT

PACKAGE_DIR = ROOT / "autoaegan"
HUNT_NOTHING = "HUNT: found nothing"
HUNT_FOUND = "HUNT: found"


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
    tree = parse_source(source)
    for function in _functions(tree, names):
        function.body.insert(_docstring_offset(function.body), ast.parse(statement).body[0])
    return prelude + ast.unparse(tree) + "\n"


def with_bodies(source: str, body: str, names=None, prelude: str = "") -> str:
    """`source` with the body of every function and method (of `names` only, if given) replaced by `body`."""
    tree = parse_source(source)
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
    for node in ast.walk(parse_source(source)):
        if isinstance(node, ast.Import) and any(alias.name.split(".")[0] == "keras" for alias in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "keras":
            return True
    return False


def noisy(source: str) -> str:
    """Warnings, stderr and descriptor-2 lines at every call of every function and method, and when the cell
    runs; Keras' own warnings too where the cell imports Keras."""
    tree = parse_source(source)
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
    tree = parse_source(source)
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
    tree = parse_source(source)
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
    tree = parse_source(part.source)
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
