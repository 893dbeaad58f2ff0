"""The supported Pythons agree everywhere: pyproject, environment.yml, the constraints files, make, CI, chapter 00.

pyproject.toml's `requires-python` is the source. The oldest supported Python installs with
`constraints.txt`, each newer one with `constraints-3.X.txt`; the Makefile picks the file of the
venv's Python, and `.ci/run` runs the fast subset on every supported Python but the oldest.
environment.yml's Python is checked against requires-python in tests/test_project_files.py.
"""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from autoaegan.course import environment_check

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REQUIRES_PYTHON = SpecifierSet(PYPROJECT["project"]["requires-python"])
# Every 3.X that requires-python admits, oldest first.
SUPPORTED = [f"3.{minor}" for minor in range(50) if REQUIRES_PYTHON.contains(f"3.{minor}.0")]


def constraints_file(version: str) -> Path:
    """The constraints file that `version` installs with: constraints.txt for the oldest, constraints-3.X.txt after."""
    return ROOT / ("constraints.txt" if version == SUPPORTED[0] else f"constraints-{version}.txt")


def pins(path: Path) -> dict[str, str]:
    """The `name==version` pins of a constraints file, by normalised name."""
    found = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{path.name}: {line!r} is not a pin (name==version)"
            found[requirement.name.lower().replace("_", "-")] = specifier.version
    return found


def test_requires_python_is_a_closed_range_of_at_least_three_versions():
    assert SUPPORTED == [f"3.{minor}" for minor in range(int(SUPPORTED[0][2:]), int(SUPPORTED[-1][2:]) + 1)]
    assert {"3.11", "3.12", "3.13"} <= set(SUPPORTED), SUPPORTED


def test_this_python_is_supported():
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in SUPPORTED


def test_each_supported_python_has_its_constraints_file_and_no_other_version_has_one():
    for version in SUPPORTED:
        assert constraints_file(version).is_file(), (
            f"Python {version} has no {constraints_file(version).name}: "
            f"make constraints PYTHON=python{version} VENV=.venv-{version}"
        )
    versioned = sorted(path.name for path in ROOT.glob("constraints-*.txt"))
    assert versioned == [constraints_file(version).name for version in SUPPORTED[1:]]


@pytest.mark.parametrize("version", SUPPORTED)
def test_each_constraints_file_says_its_python_and_pins_tensorflow_and_keras(version):
    path = constraints_file(version)
    assert (
        path.read_text()
        .splitlines()[0]
        .startswith(f"# Pinned versions that make and CI install with on Python {version}.")
    )
    pinned = pins(path)
    for name in ("tensorflow", "keras"):
        assert name in pinned, f"{path.name} does not pin {name}"


@pytest.mark.parametrize("version", SUPPORTED)
def test_each_constraints_file_pins_every_direct_dependency_within_its_range(version):
    path = constraints_file(version)
    pinned = pins(path)
    project = PYPROJECT["project"]
    extras = [requirement for group in project.get("optional-dependencies", {}).values() for requirement in group]
    for requirement in map(Requirement, project["dependencies"] + extras):
        name = requirement.name.lower().replace("_", "-")
        assert name in pinned, (
            f"{path.name} does not pin {name}: make constraints PYTHON=python{version} VENV=.venv-{version}"
        )
        assert requirement.specifier.contains(pinned[name]), (
            f"{path.name} pins {name}=={pinned[name]}, outside pyproject's range {requirement.specifier}"
        )


def make_variable(name: str) -> list[str]:
    """The words of a `NAME := ...` line of the Makefile."""
    (line,) = [line for line in (ROOT / "Makefile").read_text().splitlines() if re.match(rf"{name}\s*:?=", line)]
    return line.split("=", 1)[1].split()


def test_the_makefile_supports_the_same_pythons():
    assert make_variable("PYTHONS") == SUPPORTED


def run_make(*arguments: str) -> subprocess.CompletedProcess:
    """`make ARGUMENTS` at the repository root."""
    return subprocess.run(
        ["make", "--no-print-directory", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, MAKEFLAGS=""),
        timeout=60,
    )


@pytest.mark.parametrize("version", SUPPORTED)
def test_the_makefile_installs_each_python_with_its_constraints_file(tmp_path, version):
    # A stand-in interpreter that answers `version` to the Makefile's version question.
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\necho {version}\n")
    python.chmod(0o755)
    venv = tmp_path / "venv"
    done = run_make("-n", f"{venv}/.installed", f"VENV={venv}", f"PYTHON={python}")
    assert done.returncode == 0, done.stderr
    (install,) = [line for line in done.stdout.splitlines() if "pip install" in line and "-e" in line]
    assert f" -c {constraints_file(version).name} " in install


def test_the_makefile_refuses_an_unsupported_python_and_names_the_supported_ones(tmp_path):
    # This interpreter is made unsupported by declaring other versions supported.
    venv = tmp_path / "venv"
    done = run_make(f"{venv}/bin/python", f"VENV={venv}", f"PYTHON={sys.executable}", "PYTHONS=3.8 3.9")
    assert done.returncode != 0
    found = ".".join(map(str, sys.version_info[:3]))
    assert (
        f"autoaegan needs Python 3.8 or 3.9; found {found}: set PYTHON=/path/to/python3.8 (or python3.9)" in done.stderr
    )
    assert not venv.exists()


def test_ci_runs_the_subset_on_every_supported_python_but_the_oldest():
    ci = (ROOT / ".ci" / "run").read_text()
    (subset_pythons,) = re.findall(r'^SUBSET_PYTHONS="([^"]*)"', ci, flags=re.M)
    assert subset_pythons.split() == SUPPORTED[1:]
    assert re.search(r"^\s*make test-subset .*VENV=", ci, flags=re.M)
    assert re.search(r"^\S*\s*make test\s*$", ci, flags=re.M), ".ci/run must still run the README's `make test`"


def test_chapter_00_checks_for_the_same_pythons():
    assert [f"{major}.{minor}" for major, minor in environment_check.SUPPORTED_PYTHONS] == SUPPORTED
    for version in SUPPORTED:
        assert environment_check.check_python((*map(int, version.split(".")), 0)).level == environment_check.OK
    older, newer = f"3.{int(SUPPORTED[0][2:]) - 1}", f"3.{int(SUPPORTED[-1][2:]) + 1}"
    for version in (older, newer):
        check = environment_check.check_python((*map(int, version.split(".")), 0))
        assert check.level == environment_check.WARNING
        assert " or ".join([", ".join(SUPPORTED[:-1]), SUPPORTED[-1]]) in check.detail
