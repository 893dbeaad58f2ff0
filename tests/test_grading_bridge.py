"""The bridge between the checks and the student's code (autoaegan/grading/bridge.py), and the checker that uses it.

The encoding takes plain data only; a hostile answer (pickles, object arrays,
forged handles, huge or malformed text) is refused as "not data"; exceptions come
back as the builtin of the same name. Then, with real kernels: a notebook whose
test cells run in the checker, against a student's kernel that prints, crashes,
hangs and raises, in which only the test cell that met the trouble fails.
"""

from __future__ import annotations

import base64
import io
import json
import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from autoaegan.grading import bridge as grading_bridge  # noqa: E402
from autoaegan.grading import wire as grading_wire  # noqa: E402
from autoaegan.grading.bridge import Remote, StudentError, StudentKernel, StudentKernelError  # noqa: E402


@pytest.fixture
def local(monkeypatch):
    """A bridge served in this process, over a namespace of the test's own."""
    namespace: dict = {}
    monkeypatch.setattr(grading_wire, "_namespace", lambda: namespace)
    bridge = StudentKernel(None)
    yield bridge, namespace
    grading_wire.OBJECTS.clear()


class Counter:
    def __init__(self, start):
        self.count = start

    def add(self, amount):
        self.count += amount
        return self.count

    def __len__(self):
        return self.count


def test_plain_data_crosses_by_value(local):
    bridge, namespace = local
    array = np.arange(6, dtype="float32").reshape(2, 3)
    namespace["value"] = {"a": [1, 2.5, None, True, "x"], "b": (array, np.float32(1.5))}
    got = bridge.value("value")
    assert got["a"] == [1, 2.5, None, True, "x"]
    assert isinstance(got["b"], tuple)
    np.testing.assert_array_equal(got["b"][0], array)
    assert got["b"][0] is not array, "arrays cross as copies"
    assert got["b"][1].dtype == np.float32 and float(got["b"][1]) == 1.5


def test_other_objects_cross_as_handles_with_attributes_calls_and_identity(local):
    bridge, namespace = local
    namespace["Counter"] = Counter
    counter = bridge.value("Counter")(3)
    assert isinstance(counter, Remote) and counter.type_name.endswith("Counter")
    assert counter.add(2) == 5 and counter.count == 5 and len(counter) == 5
    assert counter.method("add", amount=1) == 6
    namespace["same"] = namespace["other"] = object()
    assert bridge.value("same") is bridge.value("other"), "the same object is the same handle"
    assert counter.describe()["kind"] == "object"


def test_what_the_students_code_writes_to_stderr_goes_to_stdout(local, capsys):
    bridge, namespace = local

    def warns(x):
        print("UserWarning: input_shape is deprecated", file=sys.stderr)
        sys.stderr.write("to stderr\n")
        return x

    namespace["warns"] = warns
    assert bridge.value("warns")(2) == 2
    printed = capsys.readouterr()
    assert "input_shape is deprecated" in printed.out and "to stderr" in printed.out and printed.err == ""


def test_a_local_object_cannot_be_passed(local):
    bridge, namespace = local
    namespace["f"] = lambda x: x
    with pytest.raises(TypeError, match="only plain data"):
        bridge.value("f")(np.random.default_rng(0))


def test_the_students_exceptions_are_the_builtins_of_the_same_name(local):
    bridge, namespace = local

    def refuse(x):
        raise ValueError(f"bad input {x}")

    namespace["refuse"] = refuse
    with pytest.raises(ValueError, match="bad input 3") as caught:
        bridge.value("refuse")(3)
    assert isinstance(caught.value, StudentError) and caught.value.kind == "ValueError"

    class CapacityError(ValueError):
        pass

    def too_full():
        raise CapacityError("full")

    namespace["too_full"] = too_full
    with pytest.raises(ValueError, match="CapacityError: full"):
        bridge.value("too_full")()
    with pytest.raises(AssertionError, match="not defined"):
        bridge.own("missing")


def test_own_refuses_objects_and_code_from_elsewhere(local):
    bridge, namespace = local
    namespace["number"] = 3
    namespace["imported"] = np.mean
    with pytest.raises(AssertionError, match="should be a function or a class"):
        bridge.own("number")
    with pytest.raises(AssertionError, match="not from this notebook"):
        bridge.own("imported")


def _answer(bridge, monkeypatch, text: str):
    monkeypatch.setattr(grading_bridge, "serve", lambda request: text)
    return bridge.value("anything")


def _npy(array, allow_pickle=False) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(
    "answer",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"ok": {"v": {"nested": "dict as a plain value"}}}),
        json.dumps({"ok": {"array": _npy(np.array([object()], dtype=object), allow_pickle=True)}}),
        json.dumps({"ok": {"array": base64.b64encode(pickle.dumps([1, 2])).decode()}}),
        json.dumps({"ok": {"h": "1"}}),
        json.dumps({"ok": {"eval": "__import__('os')"}}),
        json.dumps({"error": "no kind"}),
    ],
    ids=["text", "list", "dict-in-v", "object-array", "pickle", "handle-text", "unknown", "error-without-kind"],
)
def test_an_answer_that_is_not_data_is_refused(local, monkeypatch, answer):
    bridge, _ = local
    with pytest.raises(StudentKernelError, match="not data"):
        _answer(bridge, monkeypatch, answer)


def test_a_result_that_is_not_data_comes_back_as_a_handle_or_an_error(local):
    bridge, namespace = local
    namespace["objects"] = np.array([object(), 1], dtype=object)
    assert isinstance(bridge.value("objects"), Remote), "an object array is no data: a handle"
    namespace["keys"] = {1: "x"}
    assert isinstance(bridge.value("keys"), Remote), "a dict with other keys than strings is no data: a handle"


# ----- with real kernels: the checker and the student's kernel ----------------------------------------------------

STUDENT_CELL = """
import numpy as np

def double(x):
    print("the student's print")
    return 2 * np.asarray(x)

def crash():
    import os
    os._exit(1)

def hang():
    while True:
        pass

def refuse():
    raise ValueError("no")

def peek():
    import inspect
    return [name for frame in inspect.stack() for name in (*frame.frame.f_locals, *frame.frame.f_globals)
            if name == "expected_secret"]
"""


def _test_cell(grade_id: str, body: str):
    source = f"# tests: {grade_id}\nfrom autoaegan.grading.bridge import student\n{body}\n"
    return new_code_cell(
        source,
        metadata={"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": grade_id, "points": 1}},
    )


def test_only_the_test_cell_that_met_a_crash_or_a_hang_fails(monkeypatch):
    from autoaegan.grading.autograding import GradingExecute

    monkeypatch.setenv("AUTOAEGAN_GRADING_SANDBOX", "off")  # the sandbox has tests of its own
    double = 'out = student.own("double")([1.0, 2.0])\nassert list(out) == [2.0, 4.0], out\nprint("checked", out)'
    nb = new_notebook(
        cells=[
            new_code_cell(STUDENT_CELL),
            _test_cell("first", double),
            _test_cell("crash", 'student.own("crash")()'),
            _test_cell("after_crash", double),
            _test_cell("hang", 'student.own("hang")()'),
            _test_cell("after_hang", double),
            _test_cell("refuse", 'student.own("refuse")()'),
            _test_cell(
                "secret", 'expected_secret = [2.0, 4.0]\nfound = student.own("peek")()\nassert found == [], found'
            ),
        ]
    )
    with tempfile.TemporaryDirectory() as folder:
        nb, resources = GradingExecute(timeout=15).preprocess(nb, {"metadata": {"path": folder}})
    errors = {
        cell.metadata["nbgrader"]["grade_id"]: [
            output.ename for output in cell.outputs if output.output_type == "error"
        ]
        for cell in nb.cells[1:]
    }
    assert errors["first"] == [] and errors["after_crash"] == [] and errors["after_hang"] == [], errors
    assert errors["crash"] == ["StudentKernelError"] and errors["hang"] == ["StudentKernelError"], errors
    assert errors["refuse"] == ["StudentValueError"], errors
    printed = "".join(output.get("text", "") for cell in nb.cells for output in cell.outputs)
    assert "checked" in printed and "the student's print" not in printed, printed
    review = " ".join(resources["autoaegan_review"])
    assert "died" in review and "restarted" in review and "stopped answering" in review, review


def test_a_test_cell_of_many_calls_leaves_the_next_student_cell_working(monkeypatch):
    from autoaegan.grading.autograding import GradingExecute

    monkeypatch.setenv("AUTOAEGAN_GRADING_SANDBOX", "off")
    many = 'f = student.own("double")\nfor _ in range(1500):\n    f([1.0])\nprint("done")'
    nb = new_notebook(
        cells=[
            new_code_cell(STUDENT_CELL),
            _test_cell("many", many),
            new_code_cell("print('the student cell after ran')"),
        ]
    )
    with tempfile.TemporaryDirectory() as folder:
        nb, resources = GradingExecute(timeout=30).preprocess(nb, {"metadata": {"path": folder}})
    assert [output.get("text") for output in nb.cells[2].outputs] == ["the student cell after ran\n"], nb.cells[
        2
    ].outputs
    assert not resources["autoaegan_review"], resources["autoaegan_review"]
