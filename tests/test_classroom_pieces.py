"""The classroom's small pieces, without a hub or nbgrader: the kernel limits, the tampering scan, the delivery."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from autoaegan.grading.autograding import (  # noqa: E402
    HideHiddenTestOutputs,
    LimitedKernelManager,
    LimitOutputSize,
    tampering,
)
from classroom.deliver import deliver_course, student_files  # noqa: E402

ALLOCATE = (
    "import numpy as np\n"
    "try:\n"
    "    np.ones({size} // 8)\n"
    "    print('allocated')\n"
    "except MemoryError:\n"
    "    print('MemoryError')\n"
)


@pytest.mark.parametrize(("size", "printed"), [(3 * 1024**3, "MemoryError"), (256 * 1024**2, "allocated")])
def test_the_kernel_limit_turns_an_oversized_allocation_into_a_memory_error(size, printed):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autoaegan.grading.kernel_limits",
            "--data",
            str(2 * 1024**3),
            "--",
            sys.executable,
            "-c",
            ALLOCATE.format(size=size),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == printed


def test_the_kernel_command_goes_through_the_limits():
    manager = LimitedKernelManager(kernel_name="python3")
    command = manager.format_kernel_cmd()
    assert command[:3] == [sys.executable, "-m", "autoaegan.grading.kernel_limits"]
    assert command[command.index("--data") + 1] == str(manager.memory_limit)
    assert "ipykernel_launcher" in " ".join(command[command.index("--") + 1 :])


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None\n",
        "from numpy import testing\ntesting.assert_allclose = print\n",
        "import autoaegan.grading.checks as g\ng.expect_equal = lambda *a: None\n",
        "import numpy\nsetattr(numpy, 'allclose', lambda *a, **k: True)\n",
        "import sys\nsys.modules['numpy'] = None\n",
        "def f():\n    pass\nf.__code__ = (lambda: 1).__code__\n",
        "import builtins\nbuiltins.isinstance = lambda *a: True\n",
        "__builtins__.len = lambda x: 0\n",
        "import keras\nkeras.ops.convert_to_numpy = lambda x: 0\n",
        "import tensorflow as tf\ntf.GradientTape = None\n",
    ],
)
def test_the_scan_finds_code_that_rewrites_the_tools(source):
    assert tampering([source]), source


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\nnp.set_printoptions(precision=3)\nx = np.zeros(3)\nx[0] = 1\n",
        "class Model:\n    def __init__(self):\n        self.weights = 1\n",
        "import os\nos.environ['X'] = '1'\n",
        "%matplotlib inline\nimport numpy as np\n",
        "this is not python",
        "import keras\nlayer = keras.layers.Dense(3)\nlayer.trainable = False\n",
    ],
)
def test_the_scan_leaves_ordinary_code_alone(source):
    assert tampering([source]) == []


def test_output_is_capped_in_characters_as_well_as_lines():
    cell = nbformat.v4.new_code_cell("print('x' * 10**6)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 10**6)]
    cell, _ = LimitOutputSize().preprocess_cell(cell, {}, 0)
    assert len(cell.outputs[0].text) < 25_000 and "Output truncated (1,000,000 characters)" in cell.outputs[0].text


def test_feedback_keeps_one_line_per_error_of_a_hidden_test_cell_and_redacts_hidden_code_elsewhere():
    hidden_line = "assert secret_check(answer) == 42"
    visible = nbformat.v4.new_code_cell("answer = 41")
    visible.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=f"caller said: {hidden_line}\nordinary line"),
        nbformat.v4.new_output("display_data", data={"text/plain": f"{hidden_line}", "image/png": "iVBOR"}),
        nbformat.v4.new_output("error", ename="ValueError", evalue=f"{hidden_line}", traceback=[hidden_line, "tb"]),
    ]
    hidden = nbformat.v4.new_code_cell(f"### BEGIN HIDDEN TESTS\n{hidden_line}\n### END HIDDEN TESTS")
    hidden.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="printed inside a hidden test"),
        nbformat.v4.new_output("error", ename="AssertionError", evalue="expected 42, got 41", traceback=["tb"]),
    ]
    nb = nbformat.v4.new_notebook(cells=[visible, hidden])
    nb, _ = HideHiddenTestOutputs().preprocess(nb, {})
    note = "(a line of hidden test code was removed here)"
    stream, display, error = nb.cells[0].outputs
    assert stream.text == f"{note}\nordinary line", f"expected the hidden line redacted, got {stream.text!r}"
    assert display.data["text/plain"] == note and display.data["image/png"] == "iVBOR"
    assert error.evalue == note and error.traceback == [note, "tb"]
    [only] = nb.cells[1].outputs
    assert only.output_type == "error" and only.evalue == "(details hidden: this cell holds hidden tests)"


def test_students_get_the_chapters_and_never_an_instructors_notebook(tmp_path):
    files = student_files(ROOT)
    assert Path("course/00_start_here.ipynb") in files and Path("README.md") in files
    assert not [path for path in files if path.parts[0] in ("solutions", "exercises", "tests", "autoaegan")]
    source = tmp_path / "source"
    (source / "course").mkdir(parents=True)
    (source / "course" / "leak.ipynb").write_text('{"cells": [{"source": "### BEGIN SOLUTION"}]}')
    with pytest.raises(ValueError, match="must not reach students"):
        student_files(source)


def test_delivery_keeps_the_students_own_edits(tmp_path):
    home = tmp_path / "home"
    first = deliver_course(home)
    assert first
    chapter = home / "autoaegan-course" / "course" / "00_start_here.ipynb"
    chapter.write_text("the student's edits")
    assert deliver_course(home) == []
    assert chapter.read_text() == "the student's edits"


def test_make_course_gives_the_learner_settings_that_hide_the_instructor_plugins():
    import json
    from pathlib import Path

    from classroom.deliver import INSTRUCTOR_PLUGINS

    root = Path(__file__).resolve().parents[1]
    learner = root / "classroom" / "learner"
    page_config = json.loads((learner / "labconfig" / "page_config.json").read_text())
    assert set(page_config["disabledExtensions"]) == set(INSTRUCTOR_PLUGINS)
    server = json.loads((learner / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]
    assert server == {"nbgrader.server_extensions.formgrader": False, "nbgrader.server_extensions.course_list": False}
    makefile = (root / "Makefile").read_text()
    assert 'JUPYTER_CONFIG_PATH="$(CURDIR)/classroom/learner' in makefile
    assert "$(LEARNER_CONFIG) $(BIN)/jupyter lab" in makefile


def test_the_hub_tree_holds_the_course_and_the_hubs_configuration_readable_by_all_and_no_solutions(tmp_path):
    from classroom.deliver import HUB_FILES, write_hub_tree

    tree = tmp_path / "opt"
    (tree / "course").mkdir(parents=True)
    (tree / "course" / "removed_chapter.ipynb").write_text("{}")  # from an older tree: removed
    (tree / "venv").mkdir()
    (tree / "venv" / "kept").write_text("")  # not the tree's: left alone
    files = write_hub_tree(tree)
    written = sorted(
        path.relative_to(tree) for path in tree.rglob("*") if path.is_file() and path.parts[-2:] != ("venv", "kept")
    )
    assert written == sorted(files) and (tree / "venv" / "kept").exists()
    assert {Path(name) for name in HUB_FILES} <= set(written) and Path("course/00_start_here.ipynb") in written
    assert not [path for path in written if path.parts[0] in ("solutions", "exercises", "autoaegan", "tests")]
    assert all((tree / path).stat().st_mode & 0o777 == 0o644 for path in written)
    assert all(
        folder.stat().st_mode & 0o777 == 0o755
        for folder in [tree, *tree.rglob("*")]
        if folder.is_dir() and folder.name != "venv"
    )
    with pytest.raises(ValueError, match="must be outside the checkout"):
        write_hub_tree(ROOT / "build" / "hub-tree")


def test_the_exchange_is_sticky_and_its_course_folders_belong_to_the_instructor(tmp_path):
    import os

    from classroom.deliver import ensure_exchange

    owner = os.getuid()
    root = ensure_exchange(tmp_path / "exchange", "autoaegan", owner)
    assert root.stat().st_mode & 0o7777 == 0o1777
    modes = {name: (root / "autoaegan" / name).stat().st_mode & 0o7777 for name in ("outbound", "inbound", "feedback")}
    assert modes == {"outbound": 0o755, "inbound": 0o2733, "feedback": 0o711}
    (root / "autoaegan" / "inbound").rmdir()
    (root / "autoaegan" / "inbound").symlink_to(tmp_path)  # a trap: the hub must not chown or chmod through it
    with pytest.raises(RuntimeError, match="should be a folder of the exchange"):
        ensure_exchange(root, "autoaegan", owner)
    if owner == 0:  # a course folder someone else made first is refused
        taken = tmp_path / "taken"
        (taken / "autoaegan").mkdir(parents=True)
        os.chown(taken / "autoaegan", 12345, 12345)
        with pytest.raises(RuntimeError, match="belongs to uid 12345"):
            ensure_exchange(taken, "autoaegan", 0)


def test_delivery_follows_no_link_a_user_left_in_the_way(tmp_path):
    from classroom.deliver import write_student_settings

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    (home / "autoaegan-course").mkdir(parents=True)
    elsewhere.mkdir()
    (home / "autoaegan-course" / "course").symlink_to(elsewhere)
    (home / ".jupyter").symlink_to(elsewhere)
    copied = deliver_course(home)
    assert copied and not [path for path in copied if path.parts[len(home.parts) + 1] == "course"]
    assert write_student_settings(home) == []
    assert list(elsewhere.iterdir()) == []


def test_the_hub_refuses_a_course_source_or_a_python_that_exposes_the_instructors_files(tmp_path):
    import shutil
    import tempfile

    from classroom.deliver import editable_source, instructor_files_exposed

    venv = Path(sys.prefix)
    singleuser = str(venv / "bin" / "jupyterhub-singleuser")
    # The repository's .venv (make's) is an editable install of this checkout.
    assert editable_source(venv).resolve() == ROOT
    assert any("editable mode" in problem for problem in instructor_files_exposed(tmp_path, singleuser))
    public = Path(tempfile.mkdtemp())  # under /tmp, reachable by every user once opened
    try:
        public.chmod(0o755)
        (public / "solutions").mkdir(mode=0o755)
        (public / "solutions").chmod(0o755)
        fake_venv = public / "venv"
        (fake_venv / "bin").mkdir(parents=True)
        assert [
            problem
            for problem in instructor_files_exposed(public, str(fake_venv / "bin" / "jupyterhub-singleuser"))
            if "every user can read" in problem
        ]
        public.chmod(0o700)  # the instructor's checkout, closed: nothing exposed
        assert instructor_files_exposed(public, str(fake_venv / "bin" / "jupyterhub-singleuser")) == []
    finally:
        shutil.rmtree(public)
