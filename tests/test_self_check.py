"""`python -m autoaegan.grading.self_check NOTEBOOK`: the self-learner's Validate, from a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]


def exercise(tmp_path: Path, answer: str) -> Path:
    """A one-part exercise notebook in nbgrader's format, answered with `answer`."""
    cells = [
        new_code_cell(
            answer,
            metadata={
                "nbgrader": {
                    "solution": True,
                    "grade": False,
                    "locked": False,
                    "grade_id": "double",
                    "schema_version": 3,
                }
            },
        ),
        new_code_cell(
            "# tests: double\nassert double(2) == 4, f'double(2) should be 4, got {double(2)!r}'",
            metadata={
                "nbgrader": {
                    "solution": False,
                    "grade": True,
                    "locked": True,
                    "points": 1,
                    "grade_id": "test_double",
                    "schema_version": 3,
                }
            },
        ),
    ]
    path = tmp_path / "exercise.ipynb"
    nbformat.write(
        new_notebook(
            cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        ),
        path,
    )
    return path


def self_check(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autoaegan.grading.self_check", str(path)],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_correct_answer_passes(tmp_path):
    done = self_check(exercise(tmp_path, "def double(x):\n    return 2 * x\n"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Every test cell passed" in done.stdout


def test_a_wrong_answer_is_listed_with_its_message(tmp_path):
    done = self_check(exercise(tmp_path, "def double(x):\n    return x + 1\n"))
    assert done.returncode == 1
    assert "FAILED  # tests: double" in done.stdout
    assert "double(2) should be 4, got 3" in done.stdout


def test_a_missing_notebook_is_named(tmp_path):
    done = self_check(tmp_path / "nowhere.ipynb")
    assert done.returncode == 2 and "no such notebook" in done.stderr
