"""The learner's tree: the files a learner gets (chapters, apps, exercises, README), and where they lie.

An installed wheel carries the tree in `autoaegan/student/` and JupyterLab's learner
settings in `autoaegan/learner_settings/` (the build copies them there: see `setup.py`).
An editable install (`pip install -e .`, as `make` does) has neither: there the same
files are read from the checkout that holds the package. `solutions/` is never part
of the tree: `student_files` lists only what `STUDENT_PATTERNS` names.

This module imports nothing outside the standard library, so that `setup.py` can load
it at build time.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # autoaegan/
# Where a built wheel keeps the tree and the learner's JupyterLab settings.
PACKAGED_TREE = PACKAGE_DIR / "student"
PACKAGED_SETTINGS = PACKAGE_DIR / "learner_settings"
# In a checkout: the repository that holds the package, and its learner settings (`make course` uses them too).
CHECKOUT = PACKAGE_DIR.parent
CHECKOUT_SETTINGS = Path("classroom", "learner")

# Glob patterns, relative to the tree's root, of the files a learner gets. Nothing else is copied:
# solutions/, tests/, benchmarks/ and classroom/ stay with the instructors.
STUDENT_PATTERNS = ("README.md", "course/*.ipynb", "course/apps/*", "exercises/**/*")
# Folders whose files are never copied, wherever they lie (editor and Python caches).
SKIPPED_PARTS = frozenset({".ipynb_checkpoints", "__pycache__"})
FIRST_CHAPTER = "course/00_start_here.ipynb"


def student_files(root: Path) -> list[str]:
    """The tree's files under `root`, as sorted POSIX paths relative to it (hidden files and caches left out)."""
    root = Path(root)
    found = set()
    for pattern in STUDENT_PATTERNS:
        for path in root.glob(pattern):
            relative = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") or part in SKIPPED_PARTS for part in relative.parts):
                found.add(relative.as_posix())
    return sorted(found)


def is_checkout(root: Path) -> bool:
    """Whether `root` is a checkout of the course (its pyproject and its first chapter are there)."""
    return (Path(root) / "pyproject.toml").is_file() and (Path(root) / FIRST_CHAPTER).is_file()


def student_tree_root() -> Path:
    """The folder whose `student_files` a learner gets: the wheel's copy, or else the checkout's files."""
    if (PACKAGED_TREE / FIRST_CHAPTER).is_file():
        return PACKAGED_TREE
    if is_checkout(CHECKOUT):
        return CHECKOUT
    raise FileNotFoundError(
        f"the course's files are neither in {PACKAGED_TREE} (an installed wheel) nor in a checkout at {CHECKOUT} "
        "(an editable install): reinstall autoaegan from its wheel"
    )


def learner_settings_dir() -> Path:
    """The Jupyter configuration folder that hides nbgrader's instructor tools (for `JUPYTER_CONFIG_PATH`)."""
    if (PACKAGED_SETTINGS / "jupyter_server_config.json").is_file():
        return PACKAGED_SETTINGS
    if (CHECKOUT / CHECKOUT_SETTINGS / "jupyter_server_config.json").is_file():
        return CHECKOUT / CHECKOUT_SETTINGS
    raise FileNotFoundError(
        f"the learner's JupyterLab settings are neither in {PACKAGED_SETTINGS} nor in {CHECKOUT / CHECKOUT_SETTINGS}: "
        "reinstall autoaegan from its wheel"
    )
