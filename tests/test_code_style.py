"""The code's form, checked by its tools: ruff (lint and format, configured in pyproject.toml), import-linter
(the package's layers and no cycles, `[tool.importlinter]`), and the size of a module."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MAX_MODULE_LINES = 500
SIZED_FOLDERS = ("autoaegan", "benchmarks", "classroom")


def run_tool(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_finds_nothing_to_fix():
    result = run_tool("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, f"ruff check found problems (expected none):\n{result.stdout[-4000:]}{result.stderr}"


def test_ruff_format_leaves_every_file_as_it_is():
    result = run_tool("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, (
        f"files that `ruff format` would change (expected none; run `ruff format`):\n{result.stdout[-4000:]}"
        f"{result.stderr}"
    )


def test_ruff_covers_the_chapters_and_leaves_the_generated_exercises_out():
    listed = run_tool("ruff", "check", "--no-cache", "--show-files", ".").stdout
    assert str(ROOT / "course" / "09_dcgan.ipynb") in listed, "ruff should check the chapter notebooks in course/"
    assert str(ROOT / "exercises") not in listed, "ruff should leave exercises/ (what nbgrader generates) out"


def test_the_package_keeps_its_layers_and_has_no_cycles():
    result = run_tool("lint-imports", "--no-cache")
    assert result.returncode == 0, (
        f"import-linter: a contract of pyproject.toml's [tool.importlinter] is broken (expected all kept):\n"
        f"{result.stdout[-6000:]}{result.stderr}"
    )


@pytest.mark.parametrize("folder", SIZED_FOLDERS)
def test_no_module_is_over_500_lines(folder):
    long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines in {folder}/ (expected none): {long}"
