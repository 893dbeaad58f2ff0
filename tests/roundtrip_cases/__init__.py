"""The submissions that `tests/test_nbgrader_roundtrip.py` grades, one module per assignment.

Each module names its solution notebook (`NOTEBOOK`, relative to `solutions/`), the
planned points of every graded cell (`POINTS`) and its `SUBMISSIONS`: answers in other
styles, planned mistakes, models too small or copying, each with the exact points it
deserves, decided here before grading.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    """A submission: the release with `answers` in place of the solution's cells.

    `answers` maps a solution's grade_id to the whole cell's source.

    `deserved` lists the graded cells that do not get their full points, with the points
    they get; every other cell gets its full points. `messages` maps a graded cell to a
    piece of text that its failure must show (what was expected and what came). `why`
    says what the submission stands for.
    """

    answers: dict[str, str]
    deserved: dict[str, float] = field(default_factory=dict)
    why: str = ""
    messages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cases:
    """One assignment's round-trip cases."""

    notebook: Path
    points: dict[str, float]
    submissions: dict[str, Submission]

    def deserved(self, student: str) -> dict[str, float]:
        """The exact points of each graded cell that `student`'s submission deserves."""
        submission = self.submissions[student]
        unknown = set(submission.deserved) - set(self.points)
        if unknown:
            raise ValueError(f"{student}: deserved points for cells that are not graded: {sorted(unknown)}")
        return {grade_id: float(submission.deserved.get(grade_id, points)) for grade_id, points in self.points.items()}


def all_cases() -> dict[Path, Cases]:
    """Every assignment's cases, by solution notebook."""
    found = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        notebook = Path(module.NOTEBOOK)
        found[notebook] = Cases(notebook, {k: float(v) for k, v in module.POINTS.items()}, dict(module.SUBMISSIONS))
    return found
