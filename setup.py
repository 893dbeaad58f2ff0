"""Build hook: the wheel carries the learner's tree and JupyterLab settings (see autoaegan/course/student_tree.py).

Everything else about the package is in pyproject.toml. `python -m autoaegan.course DIR`
copies the tree from the installed wheel; an editable install (`pip install -e .`) reads
the checkout instead, so the copy is skipped there.
"""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def load_student_tree():
    """autoaegan/course/student_tree.py, loaded alone: the package's dependencies are not there at build time."""
    spec = importlib.util.spec_from_file_location(
        "autoaegan_student_tree", HERE / "autoaegan" / "course" / "student_tree.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithStudentTree(build_py):
    """build_py, then the learner's tree into autoaegan/student/ and its JupyterLab settings into
    autoaegan/learner_settings/."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        tree = load_student_tree()
        student = tree.student_files(HERE)
        if tree.FIRST_CHAPTER not in student:
            raise RuntimeError(f"no {tree.FIRST_CHAPTER} under {HERE}: the learner's tree cannot be built")
        settings = HERE / tree.CHECKOUT_SETTINGS
        copies = {
            tree.PACKAGED_TREE.name: (HERE, student),
            tree.PACKAGED_SETTINGS.name: (
                settings,
                [p.relative_to(settings) for p in settings.rglob("*") if p.is_file()],
            ),
        }
        for folder, (source, files) in copies.items():
            target = Path(self.build_lib) / "autoaegan" / folder
            shutil.rmtree(target, ignore_errors=True)  # an earlier build's files never reach this wheel
            for name in files:
                destination = target / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / name, destination)


setup(cmdclass={"build_py": BuildPyWithStudentTree})
