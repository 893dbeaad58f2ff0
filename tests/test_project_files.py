"""Project files that must agree with each other: pyproject, environment.yml, constraints, notebooks."""

import json
import re
import subprocess
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]


def normalised(requirements):
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in requirements}


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_has_the_same_dependencies_as_pyproject():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert normalised(pip_section) == normalised(pyproject()["project"]["dependencies"])


def test_environment_yml_python_is_requires_python():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    (python,) = [d for d in environment["dependencies"] if isinstance(d, str) and re.match(r"python\s*[<>=!~]", d)]
    # conda reads the same range syntax as pip: e.g. `python>=3.11,<3.14`.
    assert SpecifierSet(python.removeprefix("python")) == SpecifierSet(pyproject()["project"]["requires-python"])


def test_constraints_pin_every_direct_dependency_within_its_range():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            pins[requirement.name.lower().replace("_", "-")] = next(iter(requirement.specifier)).version
    project = pyproject()["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        requirement = Requirement(requirement)
        name = requirement.name.lower().replace("_", "-")
        assert name in pins, f"constraints.txt does not pin {name}: run `make constraints`"
        assert requirement.specifier.contains(pins[name]), (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject's range {requirement.specifier}"
        )


def committed_notebooks():
    listed = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in listed.stdout.split()]


def test_committed_notebooks_have_no_outputs_counts_or_widget_state():
    notebooks = committed_notebooks()
    assert notebooks, "no committed notebook found"
    dirty = []
    for path in notebooks:
        notebook = json.loads(path.read_text())
        if notebook.get("metadata", {}).get("widgets"):
            dirty.append(f"{path.relative_to(ROOT)}: saved widget state")
        for index, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
                dirty.append(f"{path.relative_to(ROOT)} cell {index}: outputs or execution count")
    assert not dirty, "committed notebooks must be clean:\n" + "\n".join(dirty)
