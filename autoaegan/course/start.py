"""`python -m autoaegan.course DIR`: copy the learner's tree into DIR and open JupyterLab on chapter 00.

For a learner who installed the wheel with pip and has no checkout of the course. The
tree is the chapters, their apps, the exercises and the README (`autoaegan.course.student_tree`);
JupyterLab gets the learner's settings, which hide nbgrader's instructor tools, as
`make course` does. A file already in DIR that differs from the course's is never
overwritten: the command says which and stops, unless told to keep them (`--keep`).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autoaegan.course.student_tree import FIRST_CHAPTER, learner_settings_dir, student_files, student_tree_root

SHOWN_CONFLICTS = 10


@dataclass(frozen=True)
class CopyPlan:
    """What copying the tree into a folder does: the files to copy, those there as shipped, and those that differ."""

    source: Path
    target: Path
    missing: tuple[str, ...]
    unchanged: tuple[str, ...]
    differing: tuple[str, ...]


class EditedFilesError(RuntimeError):
    """The target folder holds files that differ from the course's; nothing was copied."""


def plan_copy(target: Path, source: Path | None = None) -> CopyPlan:
    """Compare the tree at `source` (default: the installed course) with what `target` already holds."""
    source = student_tree_root() if source is None else Path(source)
    target = Path(target).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} is a file: expected a folder for the course (new or an earlier copy)")
    missing, unchanged, differing = [], [], []
    for name in student_files(source):
        there = target / name
        if not there.exists():
            missing.append(name)
        elif there.is_file() and filecmp.cmp(source / name, there, shallow=False):
            unchanged.append(name)
        else:
            differing.append(name)
    return CopyPlan(source, target, tuple(missing), tuple(unchanged), tuple(differing))


def describe_conflicts(plan: CopyPlan, command: str) -> str:
    """The message that says which files would be overwritten and how to go on."""
    shown = "\n".join(f"  {name}" for name in plan.differing[:SHOWN_CONFLICTS])
    more = len(plan.differing) - SHOWN_CONFLICTS
    if more > 0:
        shown += f"\n  ... and {more} more"
    return (
        f"{plan.target} already holds {len(plan.differing)} file(s) of the course that differ from this version's "
        f"(your edits, or notebooks saved with their outputs):\n{shown}\n"
        "Nothing was copied or changed. To go on:\n"
        f"  - keep your files and copy only what is missing: {command} {shlex.quote(str(plan.target))} --keep\n"
        f"  - or get a fresh copy in a new folder: {command} NEW_FOLDER"
    )


def copy_student_tree(target: Path, *, keep: bool = False, source: Path | None = None) -> CopyPlan:
    """Copy the learner's tree into `target`; return the plan that was carried out.

    Files already there as shipped are left alone. Files that differ are never
    overwritten: with `keep=False` nothing is copied and `EditedFilesError` says
    which they are; with `keep=True` they stay as they are and only the missing
    files are copied.
    """
    plan = plan_copy(target, source)
    if plan.differing and not keep:
        raise EditedFilesError(describe_conflicts(plan, "python -m autoaegan.course"))
    for name in plan.missing:
        destination = plan.target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(plan.source / name, destination)
    return plan


def jupyterlab_command(folder: Path, extra: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The command and environment that open the learner's JupyterLab on chapter 00 of the copy in `folder`."""
    settings = str(learner_settings_dir())
    environment = dict(os.environ)
    earlier = environment.get("JUPYTER_CONFIG_PATH")
    environment["JUPYTER_CONFIG_PATH"] = settings + (os.pathsep + earlier if earlier else "")
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={folder}",
        f"--LabApp.default_url=/lab/tree/{FIRST_CHAPTER}",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")  # containers often run as root, which JupyterLab refuses without it
    return command + list(extra or []), environment


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: copy the tree into DIR, then open JupyterLab unless `--no-lab`."""
    parser = argparse.ArgumentParser(
        prog="python -m autoaegan.course",
        description="Copy the course (chapters, apps, exercises, README) into DIR and open JupyterLab on chapter 00.",
    )
    parser.add_argument("folder", metavar="DIR", type=Path, help="where your copy of the course goes (made if missing)")
    parser.add_argument(
        "--keep", action="store_true", help="keep files you changed in DIR as they are and copy only the missing ones"
    )
    parser.add_argument("--no-lab", action="store_true", help="only copy; do not open JupyterLab")
    args, lab_arguments = parser.parse_known_args(argv)
    try:
        plan = copy_student_tree(args.folder, keep=args.keep)
    except (EditedFilesError, NotADirectoryError, FileNotFoundError) as problem:
        print(problem, file=sys.stderr)
        return 1
    print(
        f"The course is in {plan.target}: {len(plan.missing)} file(s) copied, "
        f"{len(plan.unchanged)} already there" + (f", {len(plan.differing)} of yours kept" if plan.differing else "")
    )
    if args.no_lab:
        return 0
    command, environment = jupyterlab_command(plan.target, lab_arguments)
    return subprocess.call(command, env=environment, cwd=plan.target)


if __name__ == "__main__":
    sys.exit(main())
