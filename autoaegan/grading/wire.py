"""The wire between the checks and the student's kernel: plain data by value, other objects by handle.

`serve(request)` runs in the student's kernel (or in the same process, when the tests
run in the student's own notebook): it performs one request of `autoaegan.grading.bridge`
on the student's objects and answers in JSON. Values are encoded as plain data (None,
bools, numbers, strings, lists, tuples, dicts with string keys, NumPy arrays as `.npy`
bytes written without pickle, TensorFlow's eager tensors as arrays) or as handles,
numbers that stand for an object kept here. `decode` builds only plain data, so an
answer can never make the checker run the student's code.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import importlib
import io
import json
import reprlib
import sys

import numpy as np

import __main__

_short = reprlib.Repr()
_short.maxstring = _short.maxother = 80
_short.maxlist = _short.maxtuple = 8


class StudentError(Exception):
    """The student's code raised an exception; `kind` is its type's name, the message its text."""

    kind = "Exception"


class StudentKernelError(RuntimeError):
    """The student's kernel died, hung, refused the request, or answered with something that is not data."""


_ERROR_CLASSES: dict[tuple[str, str], type] = {}


def error_class(kind: str, builtin: str | None = None) -> type:
    """A StudentError subclass named after `kind` that is also the builtin exception `builtin` (default: `kind`).

    `builtin` is the nearest builtin class of the student's exception (a `class CapacityError(ValueError)`
    there is a ValueError here); any name that is no builtin exception gives Exception.
    """
    base = getattr(builtins, builtin or kind, None)
    if not (isinstance(base, type) and issubclass(base, Exception)) or issubclass(base, StudentKernelError):
        base = Exception
    key = (kind, base.__name__)
    if key not in _ERROR_CLASSES:
        _ERROR_CLASSES[key] = type(f"Student{kind}", (StudentError, base), {"kind": kind})
    return _ERROR_CLASSES[key]


def builtin_base(error: BaseException) -> str:
    """The name of the nearest builtin class in the type hierarchy of `error`."""
    return next(cls.__name__ for cls in type(error).__mro__ if getattr(builtins, cls.__name__, None) is cls)


# ----- the encoding: plain data, or handles ------------------------------------------------------------------------

PLAIN = (type(None), bool, int, float, str)


def _array_text(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _is_tensor(value) -> bool:
    # TensorFlow's eager tensors (not its variables, which a test may need to assign to): data, by value.
    return type(value).__name__ == "EagerTensor" or type(value).__module__.startswith("jax")


def encode(value, handle_of, depth: int = 0):
    """`value` as JSON-able plain data; `handle_of(value)` gives the handle of anything that is not data."""
    if depth > 20:
        raise ValueError("nested more than 20 levels deep")
    kind = type(value)
    if kind in PLAIN:
        return {"v": value}
    if kind in (list, tuple):
        return {"list" if kind is list else "tuple": [encode(item, handle_of, depth + 1) for item in value]}
    if kind is dict and all(type(key) is str for key in value):
        return {"dict": {key: encode(item, handle_of, depth + 1) for key, item in value.items()}}
    if isinstance(value, np.ndarray) and value.dtype != object:
        return {"array": _array_text(np.asarray(value))}
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        return {"scalar": _array_text(np.asarray(value))}
    if _is_tensor(value):
        array = np.asarray(value)
        return {"array" if array.shape else "scalar": _array_text(array)}
    return handle_of(value)


class NotData(ValueError):
    pass


def decode(message, remote_of, depth: int = 0):
    """The value of an encoded message, built only from plain data; `remote_of(entry)` makes a handle's stand-in."""
    if depth > 20 or type(message) is not dict or len(message) not in (1, 3):
        raise NotData(f"not an encoded value: {_short.repr(message)}")
    if "v" in message and len(message) == 1:
        if type(message["v"]) not in PLAIN:
            raise NotData(f"not a plain value: {_short.repr(message['v'])}")
        return message["v"]
    if "list" in message or "tuple" in message:
        items = message.get("list", message.get("tuple"))
        if type(items) is not list:
            raise NotData("a list that is not a list")
        decoded = [decode(item, remote_of, depth + 1) for item in items]
        return decoded if "list" in message else tuple(decoded)
    if "dict" in message:
        if type(message["dict"]) is not dict:
            raise NotData("a dict that is not a dict")
        return {str(key): decode(item, remote_of, depth + 1) for key, item in message["dict"].items()}
    if "array" in message or "scalar" in message:
        text = message.get("array", message.get("scalar"))
        if type(text) is not str:
            raise NotData("an array that is not text")
        array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
        return array if "array" in message else array[()]
    if "h" in message:
        return remote_of(message)
    raise NotData(f"not an encoded value: {_short.repr(message)}")


# ----- the student's side: serving requests ------------------------------------------------------------------------


class _Objects:
    """The objects handed out as handles, by number; the same object always gets the same number."""

    def __init__(self):
        self.by_handle: dict[int, object] = {}
        self.by_id: dict[int, int] = {}

    def handle(self, value) -> dict:
        number = self.by_id.get(id(value))
        if number is None or self.by_handle.get(number) is not value:
            number = len(self.by_handle) + 1
            self.by_handle[number], self.by_id[id(value)] = value, number
        try:
            text = _short.repr(value)
        except Exception:
            text = "<unprintable>"
        return {"h": number, "type": f"{type(value).__module__}.{type(value).__qualname__}", "repr": text[:200]}

    def get(self, number) -> object:
        if type(number) is not int or number not in self.by_handle:
            raise LookupError(f"no object with handle {number!r} (handles end with each test cell)")
        return self.by_handle[number]

    def clear(self) -> None:
        self.by_handle.clear()
        self.by_id.clear()


OBJECTS = _Objects()


def _namespace() -> dict:
    """The student's namespace: IPython's user namespace, or a plain script's `__main__`."""
    try:  # IPython is optional: a plain script serves requests too
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:  # no IPython: a plain script
        shell = None
    if shell is not None:
        return shell.user_ns
    return vars(__main__)


def _resolve(path: str):
    """The object at a dotted path such as 'keras.layers.Layer': the longest importable module, then attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            value = getattr(value, name)
        return value
    raise ImportError(f"no module in {path!r}")


def _describe(value) -> dict:
    kind = "class" if isinstance(value, type) else "function" if callable(value) else "object"
    cls = value if isinstance(value, type) else type(value)
    return {
        "kind": kind,
        "module": str(getattr(value, "__module__", None) or ""),
        "qualname": str(getattr(value, "__qualname__", "") or ""),
        "type": f"{type(value).__module__}.{type(value).__qualname__}",
        "mro": [f"{base.__module__}.{base.__qualname__}" for base in getattr(cls, "__mro__", ())],
    }


def _perform(request: dict):
    def arg(entry):
        return decode(entry, lambda ref: OBJECTS.get(ref.get("h")))

    op = request.get("op")
    if op == "reset":
        OBJECTS.clear()
        return None
    if op == "global":
        namespace = _namespace()
        if request["name"] not in namespace:
            raise NameError(f"name {request['name']!r} is not defined")
        return namespace[request["name"]]
    if op == "import":
        return importlib.import_module(request["module"])
    target = OBJECTS.get(request.get("h"))
    if op == "getattr":
        return getattr(target, request["name"])
    if op == "setattr":
        setattr(target, request["name"], arg(request["value"]))
        return None
    if op == "call":
        function = getattr(target, request["name"]) if request.get("name") else target
        return function(*[arg(item) for item in request["args"]], **{k: arg(v) for k, v in request["kwargs"].items()})
    if op == "len":
        return len(target)
    if op == "getitem":
        return target[arg(request["key"])]
    if op == "list":
        return list(target)
    if op == "data":
        return np.asarray(target)
    if op == "isinstance":
        return isinstance(target, _resolve(request["type"]))
    if op == "describe":
        return _describe(target)
    raise ValueError(f"unknown operation {op!r}")


def serve(request_text: str) -> str:
    """Perform one request (JSON text) in this kernel and return the answer as JSON text: never raises.

    What the student's code writes to stderr (warnings, log lines) goes to stdout instead: a test
    cell's stderr would cost its points in nbgrader's validation, and only a failed check should.
    """
    try:
        request = json.loads(request_text)
        with contextlib.redirect_stderr(sys.stdout):
            value = _perform(request)
        try:
            return json.dumps({"ok": encode(value, OBJECTS.handle)})
        except (ValueError, TypeError) as error:
            return json.dumps({"error": {"kind": "TypeError", "message": f"the result is not data: {error}"}})
    except BaseException as error:  # the student's code may raise anything, SystemExit and KeyboardInterrupt too
        try:
            message = str(error)
        except Exception:
            message = "<unprintable message>"
        error_kind = {"kind": type(error).__name__, "builtin": builtin_base(error), "message": message[:2000]}
        return json.dumps({"error": error_kind})
