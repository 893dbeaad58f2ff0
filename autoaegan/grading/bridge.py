"""The student's kernel, seen from the checks: calls by name in, plain data out.

While autograding, a test cell runs in a trusted process of its own (the checker,
see `autoaegan.grading.checker`), never in the student's kernel. Its code reaches
the student's functions and classes through `student`:

    from autoaegan.grading.bridge import student

    Sampling = student.own("Sampling")          # a class written in the notebook
    keras = student.module("keras")             # a module, imported in the student's kernel
    layer = Sampling()                          # made there; here, a `Remote` handle to it
    codings = layer([mean, log_var])            # NumPy arrays in, a NumPy array back

Each operation (`global`, `import`, `getattr`, `setattr`, `call`, `len`, `getitem`,
`list`, `data`, `isinstance`, `describe`) is one request to the student's kernel:
a JSON message whose arguments are plain data (None, bools, numbers, strings,
lists, tuples, dicts with string keys, NumPy arrays as `.npy` bytes written without
pickle) or handles to objects that already live there. The answer is plain data of
the same kinds, or a handle (a number, the object's type and a short repr) for
anything else: a layer, a model, a variable, a function. Nothing the student's code
returns is ever unpickled or run here, and nothing of the test (its code, its
expected values) goes there: only the inputs it passes.

Requests travel as the `user_expressions` of a silent execute request on the
student kernel's shell channel, so what the student's code prints while a check
calls it goes nowhere. An exception raised there comes back as a `StudentError`
that is also an instance of the builtin exception of the same name (a ValueError
there is a ValueError here); a kernel that dies, hangs past the time limit or
answers with something that is not data raises `StudentKernelError`, which fails
the test cell that was running.

Where no student kernel is named (`AUTOAEGAN_STUDENT_KERNEL` unset: the student
running the tests in JupyterLab, `nbgrader validate`), the same requests are
served in this very process, through the same encoding, so a test behaves the same
in both places.
"""

from __future__ import annotations

import ast
import json
import os
import time

import numpy as np
from jupyter_client import BlockingKernelClient

from autoaegan.grading.checks import GradingTampered
from autoaegan.grading.wire import (  # noqa: F401 (StudentError and serve are part of this module's interface)
    NotData,
    StudentError,
    StudentKernelError,
    _short,
    decode,
    encode,
    error_class,
    serve,
)

STUDENT_KERNEL_VARIABLE = "AUTOAEGAN_STUDENT_KERNEL"  # the student kernel's connection file, set by the grader
TIMEOUT_VARIABLE = "AUTOAEGAN_BRIDGE_TIMEOUT"  # seconds one call into the student's code may take
DEFAULT_TIMEOUT = 120.0
MAX_ANSWER_CHARS = 64 * 1024**2  # an answer larger than this is not data a test needs
HEARTBEAT_GRACE = 5.0  # seconds without a heartbeat after which the student's kernel counts as dead

# ----- the trusted side: the checks' view of the student's objects -------------------------------------------------


class Remote:
    """A stand-in for an object that lives in the student's kernel: attributes, calls, len, items, iteration."""

    __slots__ = ("_bridge", "_handle", "_type", "_repr")

    def __init__(self, bridge: StudentKernel, handle: int, type_name: str, text: str):
        object.__setattr__(self, "_bridge", bridge)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_repr", text)

    def __getattr__(self, name: str):
        if name in ("__name__", "__qualname__"):  # a function's or a class's name, for the tests' messages
            qualname = self.describe().get("qualname") or ""
            if not qualname:
                raise AttributeError(name)
            return qualname.rsplit(".", 1)[-1] if name == "__name__" else qualname
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._bridge.request({"op": "getattr", "h": self._handle, "name": name})

    def __setattr__(self, name: str, value) -> None:
        self._bridge.request({"op": "setattr", "h": self._handle, "name": name, "value": self._bridge.encode(value)})

    def __call__(self, *args, **kwargs):
        return self._bridge.call(self._handle, None, args, kwargs)

    def method(self, name: str, *args, **kwargs):
        """Call the method `name` with these arguments in one request (`obj.method('add', x)` is `obj.add(x)`)."""
        return self._bridge.call(self._handle, name, args, kwargs)

    def __len__(self) -> int:
        value = self._bridge.request({"op": "len", "h": self._handle})
        if type(value) is not int:
            raise StudentKernelError(f"len() answered {_short.repr(value)}, not an int")
        return value

    def __getitem__(self, key):
        return self._bridge.request({"op": "getitem", "h": self._handle, "key": self._bridge.encode(key)})

    def __iter__(self):
        items = self._bridge.request({"op": "list", "h": self._handle})
        return iter(items)

    def __array__(self, dtype=None, copy=None):
        array = self._bridge.request({"op": "data", "h": self._handle})
        if not isinstance(array, (np.ndarray, np.generic)):
            raise TypeError(f"{self!r} cannot be read as an array of numbers")
        return np.asarray(array, dtype=dtype)

    def isinstance_of(self, type_path: str) -> bool:
        """Whether the object is an instance of the class at `type_path` (e.g. 'keras.layers.Layer'), there."""
        return self._bridge.request({"op": "isinstance", "h": self._handle, "type": type_path}) is True

    def describe(self) -> dict:
        """Plain facts about the object: kind (class, function, object), module, qualname, type, mro."""
        return self._bridge.request({"op": "describe", "h": self._handle})

    @property
    def type_name(self) -> str:
        """The qualified name of the object's type, as the student's kernel reported it."""
        return self._type

    def __repr__(self) -> str:
        return f"<{self._repr} in the student's kernel>"


class StudentKernel:
    """The student's objects, reached by requests; served locally or by a grading kernel's shell channel."""

    def __init__(self, connection_file: str | None = None, timeout: float | None = None):
        self.connection_file = connection_file
        self.timeout = timeout if timeout is not None else float(os.environ.get(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT))
        self._client = None
        self._remotes: dict[int, Remote] = {}
        self._used = False

    @classmethod
    def from_environment(cls) -> StudentKernel:
        """The kernel named by AUTOAEGAN_STUDENT_KERNEL (set by the grader), or this process when it is unset."""
        return cls(os.environ.get(STUDENT_KERNEL_VARIABLE) or None)

    @property
    def remote(self) -> bool:
        """Whether requests go to another process (autograding) rather than to this one."""
        return self.connection_file is not None

    # --- the public operations the tests use ---

    def own(self, name: str, **checks) -> Remote:
        """The function or class `name` that the notebook defines; an AssertionError that says why otherwise.

        Also runs `autoaegan.grading.checks.assert_own_implementation` on it in the student's kernel, with `checks`
        (`allowed=`, `forbidden=`): the package's code, imported, wrapped or rebuilt, is refused.
        """
        try:
            value = self.request({"op": "global", "name": name})
        except StudentError as error:
            raise AssertionError(f"{name} is not defined: run the cell that defines it ({error})") from None
        if not isinstance(value, Remote):
            raise AssertionError(f"{name} should be a function or a class written in the notebook, got {value!r}")
        facts = value.describe()
        if facts.get("kind") not in ("class", "function"):
            raise AssertionError(f"{name} should be a function or a class, got an object of type {facts.get('type')}")
        if facts.get("module") != "__main__":
            called = facts.get("qualname") or name  # the name the object has where it was written
            raise AssertionError(f"{called} comes from module {facts.get('module')!r}, not from this notebook")
        try:
            self.module("autoaegan.grading.checks").assert_own_implementation(value, **checks)
        except StudentError as error:
            if (
                error.kind == "GradingTampered"
            ):  # NumPy, a builtin or the checks replaced there: the notebook is flagged
                raise GradingTampered(str(error).removeprefix("GradingTampered: ")) from None
            raise AssertionError(str(error).removeprefix("AssertionError: ")) from None
        return value

    def value(self, name: str):
        """The notebook's global `name`: plain data, or a handle."""
        return self.request({"op": "global", "name": name})

    def module(self, name: str) -> Remote:
        """The module `name`, imported in the student's kernel (to build inputs there: layers, optimizers)."""
        return self.request({"op": "import", "module": name})

    def reset(self) -> None:
        """Forget every handle (each test cell starts with none)."""
        self._remotes.clear()
        if self._used:
            self._used = False
            self.request({"op": "reset"})

    # --- the machinery ---

    def encode(self, value):
        """`value` as a request argument: plain data, or a handle this bridge gave out."""

        def handle_of(item):
            if isinstance(item, Remote) and item._bridge is self:
                return {"h": item._handle}
            raise TypeError(
                f"only plain data (numbers, strings, lists, dicts, NumPy arrays) and the student's own objects can be "
                f"passed to the student's code, got {type(item).__name__}"
            )

        return encode(value, handle_of)

    def call(self, handle: int, name: str | None, args, kwargs):
        """Call the object `handle` (or its method `name`) with `args` and `kwargs`."""
        request = {
            "op": "call",
            "h": handle,
            "name": name,
            "args": [self.encode(item) for item in args],
            "kwargs": {str(key): self.encode(item) for key, item in kwargs.items()},
        }
        return self.request(request)

    def request(self, request: dict):
        """Send one request and decode its answer: plain data, a `Remote`, or a raised `StudentError`."""
        self._used = True
        text = json.dumps(request, allow_nan=True)
        answer_text = self._send(text) if self.remote else serve(text)
        try:
            answer = json.loads(answer_text)
            if type(answer) is not dict or len(answer) != 1:
                raise NotData("the answer is not one result")
            if "error" in answer:
                error = answer["error"]
                if type(error) is not dict or type(error.get("kind")) is not str:
                    raise NotData("an error without a kind")
                kind = error["kind"] if error["kind"].isidentifier() else "Exception"
                builtin = error.get("builtin") if type(error.get("builtin")) is str else None
                raise error_class(kind, builtin)(f"{kind}: {str(error.get('message', ''))[:2000]}")
            return decode(answer["ok"], self._remote_of)
        except StudentError:
            raise  # the student's own exception, as it came: a ValueError is one here too
        except (NotData, ValueError, KeyError, TypeError, OSError) as error:
            raise StudentKernelError(
                f"the student's kernel answered with something that is not data: {error}"
            ) from None

    def _remote_of(self, entry: dict) -> Remote:
        number = entry.get("h")
        if type(number) is not int:
            raise NotData("a handle that is not a number")
        if number not in self._remotes:
            self._remotes[number] = Remote(self, number, str(entry.get("type", "")), str(entry.get("repr", "")))
        return self._remotes[number]

    def _connect(self):
        if self._client is None:
            client = BlockingKernelClient(connection_file=self.connection_file)
            client.load_connection_file()
            client.start_channels(iopub=False, stdin=False, hb=True, control=False)
            self._client = client
        return self._client

    def _send(self, text: str) -> str:
        client = self._connect()
        expression = f"__import__('autoaegan.grading.wire', fromlist=['serve']).serve({text!r})"
        msg_id = client.execute(
            "", silent=True, store_history=False, user_expressions={"answer": expression}, allow_stdin=False
        )
        deadline = last_beat = time.monotonic()
        deadline += self.timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise StudentKernelError(f"the student's code did not answer within {self.timeout:g} s")
            if client.is_alive():
                last_beat = now
            elif now - last_beat > HEARTBEAT_GRACE:
                raise StudentKernelError("the student's kernel died while running the student's code")
            try:
                reply = client.get_shell_msg(timeout=min(deadline - now, 1.0))
            except Exception:  # queue.Empty: nothing yet
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
        content = reply.get("content", {})
        result = content.get("user_expressions", {}).get("answer", {})
        if content.get("status") != "ok" or result.get("status") != "ok":
            reason = result.get("ename") or content.get("ename") or "no answer"
            raise StudentKernelError(f"the student's kernel refused the request ({reason})")
        literal = result.get("data", {}).get("text/plain", "")
        if type(literal) is not str or len(literal) > MAX_ANSWER_CHARS:
            raise StudentKernelError("the student's kernel answered with something that is not data (too large)")
        try:
            answer = ast.literal_eval(literal)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            answer = None
        if type(answer) is not str:
            raise StudentKernelError("the student's kernel answered with something that is not data")
        return answer

    def close(self) -> None:
        """Close the connection to the student's kernel, if any."""
        if self._client is not None:
            self._client.stop_channels()
            self._client = None


student = StudentKernel.from_environment()


def _before_each_cell(*_) -> None:
    # The handles of the cell before are gone; a student kernel that no longer answers fails the cell, not this.
    try:
        student.reset()
    except Exception:
        student._remotes.clear()


def _register_cell_hook() -> None:
    try:  # IPython is optional: a plain script imports this module too
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and _before_each_cell not in shell.events.callbacks.get("pre_run_cell", []):
        shell.events.register("pre_run_cell", _before_each_cell)


_register_cell_hook()
