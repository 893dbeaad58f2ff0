"""Deliver the course to student servers, without solutions/, and set up the nbgrader exchange.

Students get an allow-list of the repository (ALLOWED: the chapters, the README and
the licence), never `solutions/`, whose notebooks hold the answers and the hidden
tests; the exercises reach them through nbgrader's exchange (the Assignments tab).
The hub calls `pre_spawn_hook` before each server starts; it copies what is missing
into `~/autoaegan-course/` and never overwrites a file the student already has (their edits
win, as with nbgitpuller). For a hub that pulls with nbgitpuller instead,
`python classroom/deliver.py student-tree DEST` writes the same allow-list to DEST,
to be committed to the student-facing repository nbgitpuller pulls from.
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = ("course", "README.md", "LICENSE")
COURSE_FOLDER = "autoaegan-course"  # in a student's home; not "autoaegan", which would shadow the package in a kernel started there
# Text that only the instructor's notebooks hold: a delivered notebook with it is refused.
FORBIDDEN_MARKERS = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".git"}
# The nbgrader lab plugins only instructors need (the formgrader, assignment creation, the course list).
INSTRUCTOR_PLUGINS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list")


def student_files(source: Path = ROOT) -> list[Path]:
    """The files of `source` that students get, relative to it; fails if a notebook among them holds answers."""
    files = []
    for name in ALLOWED:
        top = source / name
        candidates = [top] if top.is_file() else sorted(path for path in top.rglob("*") if path.is_file())
        for path in candidates:
            relative = path.relative_to(source)
            if SKIPPED_PARTS.intersection(relative.parts) or any(part.startswith(".") for part in relative.parts):
                continue
            if path.suffix == ".ipynb":
                text = path.read_text(encoding="utf-8", errors="replace")
                found = [marker for marker in FORBIDDEN_MARKERS if marker in text]
                if found:
                    raise ValueError(f"{relative} holds {found[0]!r}: an instructor's notebook must not reach students")
            files.append(relative)
    return files


def deliver_course(home: Path, source: Path = ROOT, owner: int | None = None) -> list[Path]:
    """Copy the students' files of `source` into `home`/autoaegan, leaving files that are there alone.

    `owner` (a uid) gets the copied files and folders, for a hub that runs as root and
    spawns servers as system users. Returns the paths copied.
    """
    destination = Path(home) / COURSE_FOLDER
    copied = []
    for relative in student_files(source):
        target = destination / relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, target)
        copied.append(target)
    if owner is not None:
        for path in [destination, *destination.rglob("*")]:
            os.chown(path, owner, -1)
    return copied


def ensure_exchange(root: Path) -> Path:
    """Create nbgrader's exchange folder, world-writable as nbgrader needs (students write their submissions)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o777)
    return root


def write_instructor_settings(home: Path) -> None:
    """Point an instructor's nbgrader at the course checkout `~/autoaegan-instructor` (with solutions/)."""
    config = Path(home) / ".jupyter" / "nbgrader_config.py"
    if not config.exists():
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            "# Written by classroom/deliver.py: the instructor's course folder, a full checkout of the course.\n"
            "import os\n\nc = get_config()  # noqa: F821\n"
            'c.CourseDirectory.root = os.path.expanduser("~/autoaegan-instructor")\n'
        )


def write_student_settings(home: Path) -> None:
    """Hide the instructor-only nbgrader plugins in a student's JupyterLab."""
    page_config = Path(home) / ".jupyter" / "labconfig" / "page_config.json"
    if not page_config.exists():
        page_config.parent.mkdir(parents=True, exist_ok=True)
        entries = ", ".join(f'"{plugin}": true' for plugin in INSTRUCTOR_PLUGINS)
        page_config.write_text(f'{{"disabledExtensions": {{{entries}}}}}\n')


def home_of(spawner) -> tuple[Path, int | None]:
    """The home folder of the spawner's user, and the uid to own the files (None when the hub's user owns them)."""
    if getattr(spawner, "home_dir", None):  # the local test spawner keeps homes under a folder of its own
        return Path(spawner.home_dir), None
    entry = pwd.getpwnam(spawner.user.name)  # systemdspawner: a system user per student
    return Path(entry.pw_dir), entry.pw_uid


def make_pre_spawn_hook(source: Path, instructors: set[str]):
    """The hub's `Spawner.pre_spawn_hook`: deliver the course, and write each user's settings."""

    def pre_spawn_hook(spawner) -> None:
        home, owner = home_of(spawner)
        home.mkdir(parents=True, exist_ok=True)
        deliver_course(home, source, owner)
        if spawner.user.name in instructors:
            write_instructor_settings(home)
        else:
            write_student_settings(home)
        if owner is not None:
            for path in [home / ".jupyter", *(home / ".jupyter").rglob("*")]:
                os.chown(path, owner, -1)

    return pre_spawn_hook


def main(argv: list[str] | None = None) -> int:
    """`student-tree DEST`: write the students' files to DEST (for a repository nbgitpuller pulls from)."""
    parser = argparse.ArgumentParser(description="Deliver the course without solutions/.")
    sub = parser.add_subparsers(dest="command", required=True)
    tree = sub.add_parser("student-tree", help="copy the files students get into a folder")
    tree.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    files = student_files(ROOT)
    for relative in files:
        (args.dest / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, args.dest / relative)
    print(f"wrote {len(files)} files to {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
