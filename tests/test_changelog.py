"""CHANGELOG.md: its newest entry is the package's version, and every entry speaks to students and to instructors."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.version import Version

import autoaegan

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "CHANGELOG.md"
PARTS = ("### For students", "### For instructors")


def entries(text: str) -> dict[str, str]:
    """The changelog's entries, newest first: each `## VERSION` heading's version and the text under it."""
    pieces = re.split(r"^## +(\S+).*$", text, flags=re.MULTILINE)
    return dict(zip(pieces[1::2], pieces[2::2]))


def test_the_newest_entry_is_the_packages_version():
    newest = next(iter(entries(CHANGELOG.read_text())))
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert newest == declared, f"CHANGELOG.md's newest entry is {newest}, pyproject.toml's version {declared}"
    assert autoaegan.__version__ == declared, (
        f"autoaegan.__version__ is {autoaegan.__version__}, pyproject.toml says {declared}: reinstall the package "
        "(make test does when pyproject.toml changes)"
    )


def test_the_entries_run_from_newest_to_oldest_without_repeats():
    versions = [Version(version) for version in entries(CHANGELOG.read_text())]
    assert len(versions) >= 2
    assert versions == sorted(set(versions), reverse=True), f"versions out of order or repeated: {versions}"


def missing_parts(text: str) -> list[str]:
    """What the changelog `text` lacks: each entry needs a students' and an instructors' part, in that order, each
    with at least one item."""
    problems = []
    for version, body in entries(text).items():
        headings = tuple(re.findall(r"^### .*$", body, flags=re.MULTILINE))
        if headings != PARTS:
            problems.append(f"{version}: parts {headings}, expected {PARTS}")
            continue
        for part, items in zip(PARTS, re.split(r"^### .*$", body, flags=re.MULTILINE)[1:]):
            if not re.search(r"^- \S", items, flags=re.MULTILINE):
                problems.append(f"{version}: '{part}' lists nothing")
    return problems


def test_every_entry_has_a_students_and_an_instructors_part_each_with_items():
    assert missing_parts(CHANGELOG.read_text()) == []


def test_an_entry_without_an_instructors_part_or_with_an_empty_one_is_caught():
    students = "### For students\n\n- a new chapter\n"
    assert missing_parts(f"## 0.3.0\n\n{students}") == [f"0.3.0: parts ('### For students',), expected {PARTS}"]
    assert missing_parts(f"## 0.3.0\n\n{students}\n### For instructors\n\nNothing.\n") == [
        "0.3.0: '### For instructors' lists nothing"
    ]
