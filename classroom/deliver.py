"""Deliver the course to student servers, without solutions/, and set up the nbgrader exchange.

Students get an allow-list of the repository (ALLOWED: the chapters, the README and
the licence), never `solutions/`, whose notebooks hold the answers and the hidden
tests; the exercises reach them through nbgrader's exchange (the Assignments tab).
The hub calls `pre_spawn_hook` before each server starts; it copies what is missing
into `~/autoaegan-course/` and never overwrites a file the student already has (their edits
win, as with nbgitpuller). For a hub that pulls with nbgitpuller instead,
`python classroom/deliver.py student-tree DEST` writes the same allow-list to DEST,
to be committed to the student-facing repository nbgitpuller pulls from.

`python classroom/deliver.py hub-tree DEST` writes what a hub serves from, readable by
every user: the same allow-list plus the hub's configuration (HUB_FILES). The hub runs
from there, never from the instructor's checkout, which only the instructor can read.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import stat
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = ("course", "README.md", "LICENSE")
# What the hub and every server read besides the course: the hub's configuration, this module, nbgrader's settings.
HUB_FILES = ("classroom/jupyterhub_config.py", "classroom/deliver.py", "classroom/jupyter/nbgrader_config.py")
COURSE_ID = "autoaegan"  # nbgrader's course id, as in classroom/jupyter/nbgrader_config.py and nbgrader_config.py
INSTRUCTOR_CHECKOUT = "autoaegan-instructor"  # the instructor's full checkout, in their home
COURSE_FOLDER = (
    "autoaegan-course"  # in a student's home; not "autoaegan", which would shadow the package in a kernel started there
)
# Text that only the instructor's notebooks hold: a delivered notebook with it is refused.
FORBIDDEN_MARKERS = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")
SKIPPED_PARTS = {"__pycache__", ".ipynb_checkpoints", ".git"}
# The nbgrader lab plugins only instructors need (the formgrader, assignment creation, the course list).
INSTRUCTOR_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)


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


def write_new_file(home: Path, target: Path, write) -> list[Path]:
    """Make `target` (under `home`) and its missing folders, calling `write(target)`; returns what was made.

    The hub runs this as root in a user's home, where the user may have left symbolic
    links to lead it elsewhere (`~/.jupyter` -> `/etc`): a target that exists, or whose way
    from `home` passes through a link, is left alone, and nothing is made.
    """
    home, target = Path(home), Path(target)
    current, missing = home, []
    for part in target.relative_to(home).parts:
        current = current / part
        if current.is_symlink():
            return []
        if not current.exists():
            missing.append(current)
    if not missing or missing[-1] != target:
        return []  # the file is there already: the user's copy wins
    for folder in missing[:-1]:
        folder.mkdir()
    write(target)
    return missing


def give_to(paths: list[Path], owner: int | None) -> None:
    """Make `owner` (a uid; None: leave them) the owner of `paths`, never following a link."""
    if owner is not None:
        for path in paths:
            os.chown(path, owner, -1, follow_symlinks=False)


def deliver_course(home: Path, source: Path = ROOT, owner: int | None = None) -> list[Path]:
    """Copy the students' files of `source` into `home`/autoaegan-course, leaving files that are there alone.

    `owner` (a uid) gets the copied files and the folders made, for a hub that runs as
    root and spawns servers as system users. Returns the paths copied.
    """
    Path(home).mkdir(parents=True, exist_ok=True)
    destination = Path(home) / COURSE_FOLDER
    copied = []
    for relative in student_files(source):
        target = destination / relative
        made = write_new_file(home, target, lambda path, relative=relative: shutil.copy2(source / relative, path))
        give_to(made, owner)
        copied += made[-1:]
    return copied


def ensure_exchange(root: Path, course_id: str | None = None, owner: int | None = None) -> Path:
    """Create nbgrader's exchange folder: every user writes in it, and no user removes or renames another's entries.

    nbgrader needs the folder writable by everyone (`chmod 777`); the sticky bit (1777, as
    /tmp) stops a student from renaming the instructor's course folder away and putting one
    of their own in its place, whose inbound folder would then collect the others'
    submissions. With `owner` (the instructor's uid, for a hub that runs as root), the
    course's folders are also made now, as nbgrader's first release would make them and
    owned by the instructor, so no student can take the course's name before that release:
    `outbound` readable by all, `inbound` writable but not listable (2733), `feedback`
    reachable by name only (0711).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o1777)
    if course_id and owner is not None:
        course = root / course_id
        for path, mode in (
            (course, 0o755),
            (course / "outbound", 0o755),
            (course / "inbound", 0o2733),
            (course / "feedback", 0o711),
        ):
            if not path.is_symlink() and not path.exists():
                path.mkdir()
            info = path.lstat()
            if not stat.S_ISDIR(info.st_mode):
                raise RuntimeError(
                    f"{path} should be a folder of the exchange and is not (a link or a file): remove it"
                )
            if info.st_uid not in (owner, 0):
                raise RuntimeError(
                    f"{path} belongs to uid {info.st_uid}, not to the instructor (uid {owner}): "
                    "someone made it before the course did; remove it and start the hub again"
                )
            os.chown(path, owner, -1, follow_symlinks=False)
            path.chmod(mode)
    return root


def exchange_owner(instructors) -> int | None:
    """The uid that owns the course's folders in the exchange.

    The first listed instructor that exists, when run as root; None otherwise or when none exists.
    """
    if os.geteuid() != 0:
        return None
    for name in instructors:
        try:
            return pwd.getpwnam(name).pw_uid
        except KeyError:
            continue
    return None


def write_instructor_settings(home: Path) -> list[Path]:
    """Point an instructor's nbgrader at the course checkout `~/autoaegan-instructor` (with solutions/).

    Returns what was made.
    """
    text = (
        "# Written by classroom/deliver.py: the instructor's course folder, a full checkout of the course.\n"
        "import os\n\nc = get_config()  # noqa: F821\n"
        f'c.CourseDirectory.root = os.path.expanduser("~/{INSTRUCTOR_CHECKOUT}")\n'
    )
    return write_new_file(home, Path(home) / ".jupyter" / "nbgrader_config.py", lambda path: path.write_text(text))


def write_student_settings(home: Path) -> list[Path]:
    """Hide the instructor-only nbgrader plugins in a student's JupyterLab; returns what was made."""
    entries = ", ".join(f'"{plugin}": true' for plugin in INSTRUCTOR_PLUGINS)
    text = f'{{"disabledExtensions": {{{entries}}}}}\n'
    page_config = Path(home) / ".jupyter" / "labconfig" / "page_config.json"
    return write_new_file(home, page_config, lambda path: path.write_text(text))


def home_of(spawner) -> tuple[Path, int | None]:
    """The home folder of the spawner's user, and the uid to own the files (None when the hub's user owns them)."""
    if getattr(spawner, "home_dir", None):  # the simple test spawner keeps homes under a folder of its own
        return Path(spawner.home_dir), None
    entry = pwd.getpwnam(spawner.user.name)  # systemdspawner, LocalProcessSpawner: a system user per person
    return Path(entry.pw_dir), entry.pw_uid


def readable_by_others(path: Path) -> bool:
    """Whether a user who is neither the owner nor in the group can reach `path` and read it."""
    path = Path(path).absolute()
    try:
        for folder in reversed(path.parents):
            if not folder.stat().st_mode & stat.S_IXOTH:
                return False
        return bool(path.stat().st_mode & stat.S_IROTH)
    except OSError:
        return False


def editable_source(prefix: Path) -> Path | None:
    """The checkout an editable install of autoaegan in the Python environment `prefix` points to, or None."""
    for direct_url in sorted(Path(prefix).glob("lib/python3*/site-packages/autoaegan-*.dist-info/direct_url.json")):
        info = json.loads(direct_url.read_text())
        if info.get("dir_info", {}).get("editable"):
            return Path(unquote(urlparse(info["url"]).path))
    return None


def instructor_files_exposed(source: Path, server_command: str) -> list[str]:
    """What would let students read the instructor's files: solutions/ in the course source, an editable install."""
    problems = []
    if (Path(source) / "solutions").exists() and readable_by_others(Path(source) / "solutions"):
        problems.append(
            f"the course is delivered from {source}, whose solutions/ every user can read: serve from a hub tree "
            "(python classroom/deliver.py hub-tree /opt/autoaegan) and keep the checkout the instructor's (chmod 700)"
        )
    prefix = Path(server_command).parent.parent  # .../venv/bin/jupyterhub-singleuser -> .../venv
    checkout = editable_source(prefix)
    if checkout is not None:
        problems.append(
            f"the servers' Python ({prefix}) has autoaegan installed in editable mode from {checkout}: its path leads "
            "students to that checkout's solutions/ (or, the checkout being private, the package does not import); "
            'install it without -e: pip install -c constraints.txt ".[dev]"'
        )
    return problems


def make_pre_spawn_hook(source: Path, instructors: set[str]):
    """The hub's `Spawner.pre_spawn_hook`.

    It checks that nothing exposes the instructor's files, delivers the course and writes the settings.

    For a system user (a hub that runs as root), the home folder is made the user's own
    and closed to others (0700), and an instructor's checkout in it too: students must
    not read one another's work, nor the instructor's solutions, gradebook and submissions.
    """

    def pre_spawn_hook(spawner) -> None:
        home, owner = home_of(spawner)
        if owner is not None:
            problems = instructor_files_exposed(source, spawner.cmd[0])
            if problems:
                raise RuntimeError("refusing to start a server: " + "; ".join(problems))
            if not home.exists():
                home.mkdir(parents=True, mode=0o700)
                os.chown(home, owner, pwd.getpwuid(owner).pw_gid)
            home.chmod(0o700)
        home.mkdir(parents=True, exist_ok=True)
        deliver_course(home, source, owner)
        if spawner.user.name in instructors:
            give_to(write_instructor_settings(home), owner)
            checkout = home / INSTRUCTOR_CHECKOUT
            if owner is not None and checkout.is_dir() and not checkout.is_symlink():
                checkout.chmod(0o700)
        else:
            give_to(write_student_settings(home), owner)

    return pre_spawn_hook


def copy_tree(files: list[Path], source: Path, dest: Path, public: bool = False) -> None:
    """Copy `files` (relative to `source`) into `dest`.

    With `public`, folders get 0755 and files 0644, whatever the source's modes.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for relative in files:
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, target)
        if public:
            target.chmod(0o644)
            for folder in target.relative_to(dest).parents:
                (dest / folder).chmod(0o755)


def write_hub_tree(dest: Path, source: Path = ROOT) -> list[Path]:
    """Write what the hub serves from into `dest`, readable by every user: the students' files and HUB_FILES.

    Files the new tree does not hold any more are removed from its managed folders
    (`course/`, `classroom/`); anything else in `dest` (a virtual environment) is left alone.
    """
    source, dest = Path(source).resolve(), Path(dest).absolute()
    if dest == source or source in dest.resolve().parents:
        raise ValueError(f"the hub tree {dest} must be outside the checkout {source}, which only the instructor reads")
    files = student_files(source) + [Path(name) for name in HUB_FILES]
    for managed in ("course", "classroom"):
        for path in sorted((dest / managed).rglob("*"), reverse=True) if (dest / managed).is_dir() else []:
            if path.is_file() and path.relative_to(dest) not in files:
                path.unlink()
    copy_tree(files, source, dest, public=True)
    return files


def main(argv: list[str] | None = None) -> int:
    """`student-tree DEST`: the students' files (for nbgitpuller); `hub-tree DEST`: what the hub serves from."""
    parser = argparse.ArgumentParser(description="Deliver the course without solutions/.")
    sub = parser.add_subparsers(dest="command", required=True)
    tree = sub.add_parser("student-tree", help="copy the files students get into a folder")
    tree.add_argument("dest", type=Path)
    hub = sub.add_parser(
        "hub-tree", help="copy the students' files and the hub's configuration into a folder every user reads"
    )
    hub.add_argument("dest", type=Path)
    args = parser.parse_args(argv)
    if args.command == "hub-tree":
        files = write_hub_tree(args.dest)
    else:
        files = student_files(ROOT)
        copy_tree(files, ROOT, args.dest)
    print(f"wrote {len(files)} files to {args.dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
