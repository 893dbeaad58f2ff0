"""A student's notebook cells run in the test's own process, as the training parts' checkers see them."""

from __future__ import annotations

import contextlib

from autoaegan.grading import training as grading_training
from autoaegan.grading import wire as grading_wire
from autoaegan.grading.bridge import student


@contextlib.contextmanager
def student_notebook(monkeypatch, prelude: str):
    """Yield `run(code)`, which runs `prelude + code` as a notebook's cell would: its functions are the student's own,
    in `__main__`, and the checkers find them there. Reports, handles and objects are cleared before and after."""
    namespace: dict = {"__name__": "__main__"}
    monkeypatch.setattr(grading_wire, "_namespace", lambda: namespace)
    monkeypatch.delenv(grading_training.TRAINING_SEED_VARIABLE, raising=False)
    grading_training.clear_reports()
    student.reset()  # as before each test cell: no handle of another test's objects

    def run(code: str) -> dict:
        exec(compile(prelude + code, "<cell>", "exec"), namespace)
        return namespace

    yield run
    grading_training.clear_reports()
    student.reset()
    grading_wire.OBJECTS.clear()
