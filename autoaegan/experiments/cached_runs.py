"""Results of long experiment runs kept on disk, one JSON file per run, so that a stopped experiment resumes.

A run's result holds the `settings` it was made with; a later call reuses it only
when those settings are the same, and only when its companion files (samples) exist.
"""

from __future__ import annotations

import json
from pathlib import Path


def earlier_result(path: Path, settings: dict, *companions: Path) -> dict | None:
    """The result a finished run with these `settings` saved at `path` (its `companions` present too), or None."""
    if not path.is_file() or not all(companion.is_file() for companion in companions):
        return None
    result = json.loads(path.read_text())
    return result if result.get("settings") == settings else None


def save_result(path: Path, result: dict) -> None:
    """Write a run's `result` (its `settings` inside) to `path`, creating the folder."""
    if "settings" not in result:
        raise ValueError(f"a run's result must hold its settings, to be reused; got the keys {sorted(result)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")


def write_summary(folder: Path, name: str, summary: dict) -> Path:
    """Write an experiment's `summary` as the recording `name` (`folder/name.json`), creating the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(summary, indent=1) + "\n")
    return path
