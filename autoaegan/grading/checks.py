"""Checks for the test cells of the nbgrader exercises.

While autograding, test cells run in the checker, a trusted kernel apart from the
student's (`autoaegan.grading.checker`), on plain data the student's code returned
(`autoaegan.grading.bridge`); when a student runs the tests in their own notebook,
they run in that kernel. Either way the helpers here compare types as well as
values (an object whose `==` always answers True fails), say what was expected and
what came, check that an exercise function or class was written in the notebook
rather than imported from this package (`assert_own_implementation`, which
`student.own` runs in the student's kernel), and keep the source of hidden tests
out of the graded feedback.

They also refuse to grade once the tools they rely on were changed in the kernel
they run in: when this module is imported (chapter_setup imports it, in the locked
setup cell, before any of the student's cells run) it notes the functions of NumPy,
the builtins it uses and its own, and every check first makes sure they are still
those (`GradingTampered` otherwise). The comparisons of floats are written in plain
Python on the array's own values, not with `np.testing`, which a notebook can
replace.
"""

from __future__ import annotations

import builtins
import dis
import operator
import os
import reprlib
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import numpy as np

from autoaegan.grading.wire import StudentKernelError

PACKAGE = "autoaegan"

_short = reprlib.Repr()
_short.maxstring = 80
_short.maxother = 80
_short.maxlist = _short.maxtuple = 12


class HiddenTestFailure(AssertionError):
    """A hidden test failed; its message names the test but shows none of its code."""


class GradingTampered(AssertionError):
    """A function the tests rely on (NumPy's, a builtin, this module's) was replaced in the kernel."""


def describe(value) -> str:
    """Return a short description of `value` for messages: its repr, cut if long, and its type."""
    try:
        text = _short.repr(value)
    except Exception:  # a student's object whose repr itself fails
        text = "<unprintable>"
    return f"{text} (type {type(value).__name__})"


def _same_exactly(actual, expected) -> bool:
    # The types are compared first, so the comparison below only ever runs
    # the __eq__ of the expected value's builtin type, never the student's.
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, (list, tuple)):
        return len(actual) == len(expected) and all(map(_same_exactly, actual, expected))
    if isinstance(expected, dict):
        return actual.keys() == expected.keys() and all(_same_exactly(actual[k], expected[k]) for k in expected)
    return bool(actual == expected)


def expect_equal(actual, expected, what: str) -> None:
    """Fail unless `actual` has exactly the type and value of `expected` (recursing into lists, tuples, dicts).

    Meant for plain Python values: int, float, str, bool, None and containers of them.
    `what` names the thing checked, e.g. "encode_hailstone([6, 3, 10])".
    """
    _check_tools()
    if isinstance(expected, np.ndarray):
        raise TypeError("expect_equal compares plain Python values; use expect_close for NumPy arrays")
    if not _same_exactly(actual, expected):
        raise AssertionError(f"{what}: expected {describe(expected)}, got {describe(actual)}")


def _close(actual: float, expected: float, atol: float, rtol: float) -> bool:
    # Plain float arithmetic, as np.isclose computes it (NaN matches NaN), with nothing a notebook can replace.
    if actual == expected or (actual != actual and expected != expected):
        return True
    difference = actual - expected
    return (difference if difference >= 0 else -difference) <= atol + rtol * (expected if expected >= 0 else -expected)


def expect_close(actual, expected, what: str, *, atol: float = 1e-8, rtol: float = 1e-7) -> None:
    """Fail unless `actual` is a float NumPy array of `expected`'s shape whose values are close to it.

    Close means |actual - expected| <= atol + rtol * |expected| for every value, as
    `np.testing.assert_allclose` has it; the values are compared as Python floats.
    """
    _check_tools()
    expected = _ASARRAY(expected, dtype=float)
    if type(actual) is not _NDARRAY:
        raise AssertionError(f"{what}: expected a NumPy array of shape {expected.shape}, got {describe(actual)}")
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: expected shape {expected.shape}, got shape {actual.shape}")
    if actual.dtype.kind != "f":
        raise AssertionError(f"{what}: expected an array of floats, got dtype {actual.dtype}")
    # ndarray's own methods (a built-in type's, which no notebook can rebind) give the values as Python floats.
    got, want = actual.ravel().tolist(), expected.ravel().tolist()
    wrong = [index for index, (a, b) in enumerate(zip(got, want)) if not _close(a, b, atol, rtol)]
    if wrong:
        first = wrong[0]
        position = tuple(int(i) for i in _UNRAVEL(first, expected.shape)) if expected.shape else ()
        raise AssertionError(
            f"{what}\nNot equal to tolerance rtol={rtol:g}, atol={atol:g}\n"
            f"Mismatched elements: {len(wrong)} / {len(want)}; the first at index {position}: "
            f"expected {want[first]!r}, got {got[first]!r}"
        )


def expect_scalar(actual, expected: float, what: str, *, atol: float = 1e-8, rtol: float = 1e-7) -> None:
    """Fail unless `actual` is one float close to `expected`.

    One float is a Python float, a NumPy float, or a float array or tensor of shape ()
    (a Keras loss or regularizer returns a scalar tensor). Its value is read with
    `np.asarray` before any comparison, so an object whose `==` always answers True
    does not pass. Ints and bools are refused: they show a computation that dropped
    its fractional part.
    """
    _check_tools()
    try:
        value = _ASARRAY(actual)
    except Exception:  # a student's object that NumPy cannot read
        value = None
    _check_tools()  # reading the value ran the object's own __array__
    if value is None or type(value) is not _NDARRAY or value.shape != () or value.dtype.kind != "f":
        shape = "" if value is None else f" of shape {value.shape} and dtype {value.dtype}"
        raise AssertionError(
            f"{what}: expected one float (a Python float or a tensor of shape ()) close to {expected!r}, "
            f"got {describe(actual)}{shape}"
        )
    if not _close(float(value), float(expected), atol, rtol):
        raise AssertionError(f"{what}: expected {float(expected)!r}, got {float(value)!r}")


def expect_raises(exception: type[BaseException], func: Callable, *args, **kwargs) -> BaseException:
    """Call `func(*args, **kwargs)`, fail unless it raises `exception`, and return the exception raised."""
    _check_tools()
    call = f"{getattr(func, '__name__', 'the function')}({', '.join(map(_short.repr, args))})"
    try:
        result = func(*args, **kwargs)
    except exception as error:
        return error
    except Exception as error:
        raise AssertionError(
            f"{call} should raise {exception.__name__}, but it raised {type(error).__name__}: {error}"
        ) from error
    raise AssertionError(f"{call} should raise {exception.__name__}, but it returned {describe(result)}")


def _package_origin(value) -> str | None:
    """Return the module of this package that `value` comes from (a module, function, class or instance), or None."""
    if isinstance(value, types.ModuleType):
        name = value.__name__
    else:
        try:
            name = getattr(value, "__module__", None)
        except Exception:
            return None
    if isinstance(name, str) and (name == PACKAGE or name.startswith(PACKAGE + ".")):
        return name
    return None


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


def _uses(
    func: types.FunctionType, allowed: set[str], forbidden: set[str], seen: set[int], module: str
) -> Iterator[tuple[str, str]]:
    """Yield (what, where) for each use of the package or of a forbidden name by `func` and the helpers it calls.

    `where` is the package module used, or "" for a forbidden name. The helpers
    followed are functions, and classes defined in `module` (the notebook).
    """
    if id(func) in seen:
        return
    seen.add(id(func))
    referenced: dict[str, object] = {}
    for cell, name in zip(func.__closure__ or (), func.__code__.co_freevars):
        try:
            referenced[name] = cell.cell_contents
        except ValueError:  # a closure cell not filled yet
            pass
    for index, default in enumerate(func.__defaults__ or ()):
        referenced[f"default argument {index + 1}"] = default
    referenced.update(func.__kwdefaults__ or {})
    for code in _code_objects(func.__code__):
        if _in_package(code.co_filename):
            # A function built around the package's own code object (types.FunctionType(f.__code__, ...)).
            yield f"the code of {code.co_name}", f"{PACKAGE}, {os.path.basename(code.co_filename)}"
        for name in forbidden.intersection(code.co_names):
            yield name, ""
        for constant in code.co_consts:
            if isinstance(constant, str) and (constant == PACKAGE or constant.startswith(PACKAGE + ".")):
                yield repr(constant), constant
        for instruction in dis.get_instructions(code):
            if instruction.opname == "IMPORT_NAME":
                imported = instruction.argval
                if imported == PACKAGE or imported.startswith(PACKAGE + "."):
                    yield f"import {imported}", imported
            elif instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
                name = instruction.argval
                if name in func.__globals__:
                    referenced[name] = func.__globals__[name]
                elif hasattr(builtins, name):
                    referenced[name] = getattr(builtins, name)
    for name, value in referenced.items():
        if name in allowed:
            continue
        origin = _package_origin(value)
        if origin is not None:
            yield name, origin
        elif getattr(value, "__name__", None) in forbidden:
            yield f"{name}, which is {value.__name__}", ""
        elif isinstance(value, types.FunctionType):
            yield from _uses(value, allowed, forbidden, seen, module)
        elif isinstance(value, type) and value.__module__ == module:
            yield from _class_uses(value, allowed, forbidden, seen, module)


def _members(cls: type) -> Iterator[tuple[str, object]]:
    """Yield (name, value) for each member of the body of `cls`; static, class and property members as functions."""
    for name, value in vars(cls).items():
        if isinstance(value, (staticmethod, classmethod)):
            yield name, value.__func__
        elif isinstance(value, property):
            for accessor in (value.fget, value.fset, value.fdel):
                if accessor is not None:
                    yield name, accessor
        else:
            yield name, value


def _class_uses(
    cls: type, allowed: set[str], forbidden: set[str], seen: set[int], module: str
) -> Iterator[tuple[str, str]]:
    """Yield (what, where) for each use of the package or of a forbidden name by the class `cls`.

    That is: its base classes, the members of its body (a method taken from the
    package counts), and whatever its methods use, followed as `_uses` does.
    """
    if id(cls) in seen:
        return
    seen.add(id(cls))
    for base in cls.__mro__[1:]:
        origin = _package_origin(base)
        if origin is not None:
            yield f"base class {base.__qualname__}", origin
        elif base.__name__ in forbidden:
            yield f"base class {base.__name__}", ""
        elif base.__module__ == module:
            yield from _class_uses(base, allowed, forbidden, seen, module)
    for name, value in _members(cls):
        origin = _package_origin(value)
        if origin is not None and name != "__module__":
            yield f"{cls.__name__}.{name}", origin
        elif isinstance(value, types.FunctionType) and value.__module__ == module:
            yield from _uses(value, allowed, forbidden, seen, module)
        elif isinstance(value, type) and value.__module__ == module:
            yield from _class_uses(value, allowed, forbidden, seen, module)


def assert_own_implementation(
    obj, *, module: str = "__main__", allowed: Iterable[str] = (), forbidden: Iterable[str] = ()
) -> None:
    """Fail unless `obj`, a function or a class, was written in the notebook and uses nothing from the package.

    A function must be a plain `def` (or lambda) whose `__module__` is `module`
    (`"__main__"` in a notebook), and neither it, nor its closures and default
    arguments, nor the notebook functions and classes it calls may use a module,
    function, class or object of the package, except the global names listed in
    `allowed`. A class must be written with `class` in the notebook; it may not
    subclass a class of the package nor take a method from it, and its methods are
    checked as functions are. Names in `forbidden` (say, the library function that
    the exercise asks to write) may not be used at all, as a global, as an
    attribute or as a base class.
    This catches imports, subclasses and thin wrappers; it is a guard for honest work, not a sandbox.
    """
    _check_tools()
    name = getattr(obj, "__name__", None) or describe(obj)
    is_class = isinstance(obj, type)
    if not is_class and not isinstance(obj, types.FunctionType):
        raise AssertionError(
            f"{name} must be a function written with `def` (or a class written with `class`) in this notebook, "
            f"got {describe(obj)}"
        )
    kind, keyword = ("class", "class") if is_class else ("function", "def")
    if obj.__module__ != module:
        raise AssertionError(
            f"{name} comes from module {obj.__module__!r}, not from this notebook: "
            f"write the {kind} yourself with `{keyword}` in the notebook instead of importing it"
        )
    find_uses = _class_uses if is_class else _uses
    uses = list(dict.fromkeys(find_uses(obj, set(allowed), set(forbidden), set(), module)))
    from_package = [f"`{used}` (from {origin})" for used, origin in uses if origin]
    if from_package:
        raise AssertionError(
            f"{name} must be your own code, but it uses the {PACKAGE} package: {', '.join(from_package)}. "
            "Write the computation yourself."
        )
    if uses:
        listed = ", ".join(f"`{used}`" for used, _ in uses)
        raise AssertionError(
            f"{name} must be your own code, but it uses {listed}, which this exercise asks you to write"
        )


def _show_briefly(shell, etype, value, tb, tb_offset=None):
    # Only the exception line ("Minimal" mode, as with %xmode Minimal): IPython's
    # usual traceback prints the lines around the failing one, the hidden test code.
    mode = shell.InteractiveTB.mode
    shell.InteractiveTB.set_mode("Minimal")
    try:
        shell.showtraceback((etype, value, tb))
    finally:
        shell.InteractiveTB.set_mode(mode)


def _show_hidden_failures_briefly() -> None:
    """In IPython, display a `HiddenTestFailure` as its message alone, without source lines."""
    try:  # IPython is optional: a plain script imports this module too
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or HiddenTestFailure in shell.custom_exceptions:
        return
    if shell.custom_exceptions:
        return  # another handler is installed: leave it alone
    shell.set_custom_exc((HiddenTestFailure,), _show_briefly)


@contextmanager
def hidden_tests(description: str) -> Iterator[None]:
    """Run a block of hidden tests; any failure becomes a `HiddenTestFailure` naming only `description`.

    The original error is dropped on purpose: its message or traceback could show
    the hidden inputs and expected values in the student's feedback.
    """
    _check_tools()
    try:
        yield
    except (GradingTampered, StudentKernelError):
        raise  # their messages name what was replaced, or that the student's kernel stopped: nothing of the test
    except Exception as error:
        kind = "a check failed" if isinstance(error, AssertionError) else f"the code raised {type(error).__name__}"
        _show_hidden_failures_briefly()
        raise HiddenTestFailure(f"hidden tests failed: {description} ({kind})") from None


# --- The tools the checks rely on, as they were when this module was imported. ---

_ASARRAY = np.asarray
_NDARRAY = np.ndarray
_UNRAVEL = np.unravel_index
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # autoaegan/
# The builtins the checks and the test cells call; IPython rebinds others (display, exit), never these.
_BUILTINS = (
    "abs",
    "all",
    "any",
    "bool",
    "callable",
    "dict",
    "enumerate",
    "float",
    "getattr",
    "hasattr",
    "id",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "object",
    "range",
    "repr",
    "round",
    "set",
    "sorted",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
)


def _in_package(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)


def _looks_replaced(value) -> bool:
    """True for a value defined in a notebook or a console rather than in a library (what a patch leaves)."""
    try:
        module = getattr(value, "__module__", None)
        code = getattr(value, "__code__", None)
    except Exception:
        return True
    if module == "__main__":
        return True
    filename = getattr(code, "co_filename", "") if isinstance(code, types.CodeType) else ""
    return filename.startswith("<") or "ipykernel_" in filename


def _public(namespace: dict) -> dict:
    return {name: value for name, value in namespace.items() if not name.startswith("__") and callable(value)}


def _take_snapshot() -> tuple[list, list[str]]:
    """Note the callables of NumPy (and numpy.testing, numpy.linalg), the builtins above and this module.

    Returns the notes, as (namespace, name, value, code) tuples, and the names that
    already look replaced now (a notebook cell run before this module was imported).
    """
    namespaces = {"numpy": vars(np), "builtins": vars(builtins), __name__: globals()}
    for sub in ("testing", "linalg"):
        module = sys.modules.get(f"numpy.{sub}") or getattr(np, sub, None)
        if isinstance(module, types.ModuleType):
            namespaces[f"numpy.{sub}"] = vars(module)
    notes, suspicious = [], []
    for label, namespace in namespaces.items():
        names = _BUILTINS if label == "builtins" else _public(namespace)
        for name in names:
            if name not in namespace:
                continue
            value = namespace[name]
            code = getattr(value, "__code__", None) if isinstance(value, types.FunctionType) else None
            notes.append((namespace, f"{label}.{name}", value, code))
            if label != __name__ and _looks_replaced(value):
                suspicious.append(f"{label}.{name}")
    return notes, suspicious


def _check_tools() -> None:
    """Fail with GradingTampered if a noted function was rebound, or its code replaced, since the import."""
    # The fast path runs in C (map, operator.is_), with references taken at import: a few microseconds, so the
    # hidden tests can check thousands of values; and neither a rebound builtin nor a student's __eq__ is used.
    if (
        not _SUSPICIOUS
        and _ALL(_ALL(_MAP(_IS, _MAP(namespace.get, names), values)) for namespace, names, values in _FAST)
        and _ALL(_MAP(_IS, _MAP(_GET_CODE, _FUNCTIONS), _CODES))
    ):
        return
    changed = list(_SUSPICIOUS)
    for namespace, label, value, code in _SNAPSHOT:
        current = namespace.get(label.rsplit(".", 1)[1], _MISSING)
        if current is not value or (code is not None and value.__code__ is not code):
            changed.append(label)
    shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
    raise GradingTampered(
        f"the tools the tests rely on were changed in this kernel ({shown} replaced): the tests cannot "
        "check your work. Remove the code that changes them, restart the kernel and run the notebook again."
    )


_MISSING = object()
_SNAPSHOT, _SUSPICIOUS = _take_snapshot()
_ALL, _MAP, _IS, _GET_CODE = all, map, operator.is_, operator.attrgetter("__code__")
_FAST = []
for _namespace in {id(entry[0]): entry[0] for entry in _SNAPSHOT}.values():
    _entries = [entry for entry in _SNAPSHOT if entry[0] is _namespace]
    _FAST.append(
        (_namespace, tuple(entry[1].rsplit(".", 1)[1] for entry in _entries), tuple(entry[2] for entry in _entries))
    )
del _namespace, _entries
_FUNCTIONS = tuple(entry[2] for entry in _SNAPSHOT if entry[3] is not None)
_CODES = tuple(entry[3] for entry in _SNAPSHOT if entry[3] is not None)
