"""`python -m autoaegan.course DIR`: the learner's tree (never solutions/), copied without overwriting a learner's
edits, and the JupyterLab it opens has the learner's settings. (tests/test_wheel.py runs it from the wheel.)"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autoaegan.course import start as course
from autoaegan.course.student_tree import (
    CHECKOUT_SETTINGS,
    FIRST_CHAPTER,
    learner_settings_dir,
    student_files,
    student_tree_root,
)

ROOT = Path(__file__).resolve().parents[1]


def test_the_tree_holds_the_chapters_apps_exercises_and_readme_only():
    files = student_files(ROOT)
    assert "README.md" in files
    assert {name for name in files if name.startswith("course/") and name.count("/") == 1} == {
        f"course/{path.name}" for path in ROOT.glob("course/*.ipynb")
    }
    assert {"course/apps/latent_explorer.ipynb", "course/apps/voila.json"} <= set(files)
    assert {name for name in files if name.startswith("exercises/")} == {
        path.relative_to(ROOT).as_posix() for path in ROOT.glob("exercises/*/*.ipynb")
    }
    assert {name.split("/")[0] for name in files} == {"README.md", "course", "exercises"}


def test_the_tree_never_takes_solutions_hidden_files_or_caches(tmp_path):
    for name in (
        "README.md",
        "course/00_start_here.ipynb",
        "course/.ipynb_checkpoints/00_start_here-checkpoint.ipynb",
        "course/apps/__pycache__/x.pyc",
        "exercises/a/a.ipynb",
        "exercises/a/.secret",
        "solutions/a/a.ipynb",
        "solutions/INSTRUCTOR_GUIDE.md",
        "tests/test_a.py",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    assert student_files(tmp_path) == ["README.md", "course/00_start_here.ipynb", "exercises/a/a.ipynb"]


def test_an_editable_install_reads_the_checkout():
    # make installs with `pip install -e .`: no packaged copy, the checkout's own files.
    assert student_tree_root() == ROOT
    assert learner_settings_dir() == ROOT / CHECKOUT_SETTINGS


def test_a_copy_holds_the_whole_tree_and_a_second_run_changes_nothing(tmp_path):
    target = tmp_path / "course copy"
    first = course.copy_student_tree(target)
    assert list(first.missing) == student_files(ROOT) and not first.differing
    assert student_files(target) == student_files(ROOT)
    assert not (target / "solutions").exists()
    second = course.copy_student_tree(target)
    assert not second.missing and not second.differing and list(second.unchanged) == student_files(ROOT)


def test_a_learners_edited_file_is_never_overwritten(tmp_path):
    target = tmp_path / "mine"
    course.copy_student_tree(target)
    edited = target / "exercises" / "06_variational" / "variational.ipynb"
    edited.write_text('{"my": "answers"}')
    (target / FIRST_CHAPTER).unlink()

    with pytest.raises(course.EditedFilesError) as refused:
        course.copy_student_tree(target)
    message = str(refused.value)
    assert "exercises/06_variational/variational.ipynb" in message and "Nothing was copied" in message
    assert f"{target} --keep" in message and "NEW_FOLDER" in message
    assert not (target / FIRST_CHAPTER).exists(), "a refused copy must copy nothing"
    assert edited.read_text() == '{"my": "answers"}'

    kept = course.copy_student_tree(target, keep=True)
    assert kept.missing == (FIRST_CHAPTER,) and kept.differing == ("exercises/06_variational/variational.ipynb",)
    assert (target / FIRST_CHAPTER).read_bytes() == (ROOT / FIRST_CHAPTER).read_bytes()
    assert edited.read_text() == '{"my": "answers"}'


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    target = tmp_path / "a file"
    target.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="expected a folder"):
        course.plan_copy(target)


def test_the_command_line_copies_refuses_and_says_how_to_go_on(tmp_path):
    target = tmp_path / "learner"
    run = [sys.executable, "-m", "autoaegan.course.start", str(target), "--no-lab"]
    done = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{len(student_files(ROOT))} file(s) copied" in done.stdout
    (target / "README.md").write_text("my notes")
    refused = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "README.md" in refused.stderr and "--keep" in refused.stderr
    kept = subprocess.run(run + ["--keep"], capture_output=True, text=True, timeout=120)
    assert kept.returncode == 0 and "1 of yours kept" in kept.stdout
    assert (target / "README.md").read_text() == "my notes"


def test_jupyterlab_opens_chapter_00_with_the_learner_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "/somewhere/else")
    command, environment = course.jupyterlab_command(tmp_path, ["--no-browser"])
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path}" in command and command[-1] == "--no-browser"
    assert f"--LabApp.default_url=/lab/tree/{FIRST_CHAPTER}" in command
    settings, earlier = environment["JUPYTER_CONFIG_PATH"].split(os.pathsep)
    assert earlier == "/somewhere/else"
    server = json.loads((Path(settings) / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    page = json.loads((Path(settings) / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
