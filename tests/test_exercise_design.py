"""The assignments' design rules (issue 18): each graded part goes past its chapter under a name of its own, and each
assignment ends with one training part, graded by what the trained model does on data the student's code never sees."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted(path.relative_to(ROOT / "solutions") for path in (ROOT / "solutions").glob("*/*.ipynb"))
IDS = [path.parts[0] for path in SOLUTIONS]
REPORT_CALL = re.compile(r"\b(autoencoder_report|generator_report|denoiser_report)\(\s*\"(\w+)\"")


def code_cells(path: Path):
    return [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def chapter_definitions() -> set[str]:
    """Every function and class that the chapters (and the appendix) define in their code cells."""
    names = set()
    for path in sorted((ROOT / "course").glob("*.ipynb")):
        for cell in code_cells(path):
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            names |= {
                node.name
                for node in ast.walk(tree)
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            }
    return names


def graded_names(path: Path) -> set[str]:
    """The names the test cells grade: `student.own("NAME")` and the training reports' functions."""
    names = set()
    for cell in code_cells(path):
        if cell.metadata.get("nbgrader", {}).get("grade") and not cell.metadata["nbgrader"].get("solution"):
            names |= set(re.findall(r"student\.own\(\s*\"(\w+)\"", cell.source))
            names |= {name for _, name in REPORT_CALL.findall(cell.source)}
    return names


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=IDS)
def test_no_graded_name_is_one_the_chapters_define(notebook):
    graded = graded_names(ROOT / "solutions" / notebook)
    assert graded, f"{notebook}: no test cell grades a name through student.own or a training report"
    clashes = sorted(graded & chapter_definitions())
    assert not clashes, f"{notebook} grades names the chapters define (and print the code of): {clashes}"


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=IDS)
def test_each_assignment_has_one_training_part_with_a_budget_in_steps(notebook):
    functions = set()
    for cell in code_cells(ROOT / "solutions" / notebook):
        for _, name in REPORT_CALL.findall(cell.source):
            functions.add(name)
            assert re.search(r"steps=\s*[\d_]+", cell.source), f"{notebook}: {name}'s report should state steps="
    assert len(functions) == 1, f"{notebook} should have one training part, got {sorted(functions)}"
