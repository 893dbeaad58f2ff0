"""The grading kernel's sandbox (autoaegan/grading/sandbox.py): what it binds, and that a student's code finds nothing.

Three levels: the bwrap command built from paths (no bwrap needed); a grading kernel
started by `LimitedKernelManager` in a mock course, which hunts for the instructor's
files with and without the sandbox (the routes are real: without it, they all work);
and `nbgrader autograde` with the course's configuration on a submission of
01_02_representations whose first answer cell hunts by every route, then earns its
full score.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from autoaegan.grading import sandbox as grading_sandbox  # noqa: E402
from autoaegan.grading.autograding import LimitedKernelManager, sandbox_wanted  # noqa: E402
from autoaegan.grading.sandbox import SandboxLayout, bwrap_command, layout_for  # noqa: E402

ASSIGNMENT = "01_02_representations"
NOTEBOOK = "representations.ipynb"
needs_sandbox = pytest.mark.needs("bwrap")

# ----- the command builder ----------------------------------------------------------------------------------------

LAYOUT = SandboxLayout(
    workdir="/srv/course/autograded/ada/A",
    runtime_dir="/tmp/autoaegan-kernel-x",
    read_only=("/home/grader/.pyenv/versions/3.11.7", "/srv/course/.venv", "/srv/course/autoaegan", "/data/fmnist"),
    masked=("/srv/course/autograded/ada/A/a.ipynb", "/etc/shadow", "/etc/ssh"),
    system=(("/usr", None), ("/lib", "usr/lib"), ("/etc", None)),
    home="/home/grader",
    directories=frozenset({"/etc/ssh"}),
)


def mounts(command: list[str]) -> list[tuple[str, ...]]:
    """The mount options of a bwrap command, in order, each with its arguments."""
    arity = {"--ro-bind": 2, "--bind": 2, "--symlink": 2, "--tmpfs": 1, "--proc": 1, "--dev": 1}
    found, index = [], 0
    while index < len(command) and command[index] != "--":
        option = command[index]
        if option in arity:
            found.append((option, *command[index + 1 : index + 1 + arity[option]]))
            index += arity[option]
        index += 1
    return found


def test_the_command_binds_the_submission_read_write_and_the_environment_read_only():
    command = bwrap_command(LAYOUT, ["python", "-m", "ipykernel_launcher"])
    found = mounts(command)
    assert ("--bind", LAYOUT.workdir, LAYOUT.workdir) in found
    assert ("--bind", LAYOUT.runtime_dir, LAYOUT.runtime_dir) in found
    for path in LAYOUT.read_only:
        assert ("--ro-bind", path, path) in found
    assert ("--ro-bind", "/usr", "/usr") in found and ("--symlink", "usr/lib", "/lib") in found
    # The notebooks (the autograded one holds the hidden tests) and /etc's secrets are masked.
    assert ("--ro-bind", "/dev/null", "/srv/course/autograded/ada/A/a.ipynb") in found
    assert ("--ro-bind", "/dev/null", "/etc/shadow") in found and ("--tmpfs", "/etc/ssh") in found
    assert command[command.index("--chdir") + 1] == LAYOUT.workdir
    assert command[command.index("--") + 1 :] == ["python", "-m", "ipykernel_launcher"]


def test_the_command_binds_nothing_else():
    found = mounts(bwrap_command(LAYOUT, ["true"]))
    sources = {mount[1] for mount in found if mount[0] in ("--bind", "--ro-bind")}
    allowed = {LAYOUT.workdir, LAYOUT.runtime_dir, *LAYOUT.read_only, "/usr", "/etc", "/dev/null"}
    assert sources == allowed
    # Not the course around the submission, its gradebook, solutions/ or other students' work; not / itself.
    for path in (
        "/",
        "/srv",
        "/srv/course",
        "/srv/course/solutions",
        "/srv/course/gradebook.db",
        "/srv/course/submitted",
        "/srv/course/autograded",
        "/home/grader",
        "/tmp",
    ):
        assert path not in sources


def test_the_command_isolates_the_kernel():
    command = bwrap_command(LAYOUT, ["true"])
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent", "--new-session"):
        assert flag in command
    assert command[command.index("--cap-drop") + 1] == "ALL"
    assert ("--proc", "/proc") in mounts(command) and ("--dev", "/dev") in mounts(command)
    assert command[command.index("--remount-ro") + 1] == "/"


def test_each_mount_comes_after_the_folder_it_lies_in():
    found = mounts(bwrap_command(LAYOUT, ["true"]))
    targets = [mount[-1] for mount in found]
    # The private /tmp and home first, then what is bound inside them; the folders before the masks inside them.
    assert targets.index("/tmp") < targets.index(LAYOUT.runtime_dir)
    assert targets.index("/home/grader") < targets.index("/home/grader/.pyenv/versions/3.11.7")
    assert targets.index(LAYOUT.workdir) < targets.index("/srv/course/autograded/ada/A/a.ipynb")
    assert targets.index("/etc") < targets.index("/etc/shadow")


def test_the_layout_of_this_machine_binds_the_package_folder_not_the_repository(tmp_path, monkeypatch):
    data = tmp_path / "fashion-mnist"
    data.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (data / name).write_bytes(b"x")
    work = tmp_path / "course" / "autograded" / "ada" / ASSIGNMENT
    work.mkdir(parents=True)
    (work / NOTEBOOK).write_text("{}")
    (work / "helper.py").write_text("")
    layout = layout_for(str(work), str(tmp_path / "run"), env={**os.environ, "AUTOAEGAN_DATA": str(data)})
    assert str(ROOT / "autoaegan") in layout.read_only
    assert str(data) in layout.read_only
    assert os.path.abspath(sys.prefix) in layout.read_only
    for path in layout.read_only:
        assert path != str(ROOT) and not path.startswith(str(ROOT / "solutions"))
    assert str(work / NOTEBOOK) in layout.masked and str(work / "helper.py") not in layout.masked
    # The test set is held out: the grader may score a trained model on it.
    assert {str(data / "t10k-images-idx3-ubyte.gz"), str(data / "t10k-labels-idx1-ubyte.gz")} <= set(layout.masked)
    assert str(data / "train-images-idx3-ubyte.gz") not in layout.masked


def test_without_bwrap_autograding_refuses_in_one_line(monkeypatch):
    reason = grading_sandbox.unavailable_reason("no-such-bwrap")
    assert reason == "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    monkeypatch.setattr(grading_sandbox, "unavailable_reason", lambda: reason)
    monkeypatch.delenv(grading_sandbox.SWITCH, raising=False)
    with pytest.raises(grading_sandbox.SandboxUnavailable) as refused:
        sandbox_wanted(True)
    message = str(refused.value)
    assert "\n" not in message and reason in message and "AUTOAEGAN_GRADING_SANDBOX=off" in message


def test_without_user_namespaces_the_refusal_says_what_bwrap_said(tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    reason = grading_sandbox.unavailable_reason(str(fake))
    assert "No permissions to creating new namespace" in reason and "user namespaces" in reason


@pytest.mark.parametrize("how", ["trait", "environment"])
def test_grading_without_the_sandbox_needs_an_explicit_option_and_warns(monkeypatch, caplog, how):
    import autoaegan.grading.kernels as grading_kernels

    monkeypatch.setattr(grading_sandbox, "unavailable_reason", lambda: "bubblewrap (bwrap) is not installed")
    monkeypatch.setattr(grading_kernels, "_warned_unsandboxed", False)
    if how == "environment":
        monkeypatch.setenv(grading_sandbox.SWITCH, "off")
    with caplog.at_level(logging.WARNING):
        assert sandbox_wanted(how == "environment") is False
    assert "WITHOUT the sandbox" in caplog.text


# ----- the hunt for the instructor's files ----------------------------------------------------------------------------

HUNT = '''
def _hunt(course, repository, port):
    """Try every route to the instructor's files; return {route: 'ok ...' or 'error: ...'}."""
    import os, socket
    from pathlib import Path
    import autoaegan

    def attempt(action):
        try:
            return "ok " + str(action())[:60].replace("\\n", " ")
        except BaseException as error:
            return f"error: {type(error).__name__}"

    def read(path):
        with open(path, "rb") as file:
            return len(file.read())

    def content(path):
        size = read(path)
        if not size:
            raise FileNotFoundError(f"{path} is empty")
        return size

    def connect(address):
        with socket.create_connection(address, timeout=3) as connection:
            connection.sendall(b"stolen")
            return "connected"

    def through_proc():
        found = []
        for pid in [name for name in os.listdir("/proc") if name.isdigit()]:
            for path in (f"/proc/{pid}/cwd/solutions", f"/proc/{pid}/cwd/../../../solutions",
                         f"/proc/{pid}/root{course}/solutions"):
                if os.path.isdir(path):
                    found.append(path)
        if not found:
            raise FileNotFoundError("no route through /proc")
        return found

    def search():
        found = []
        for top in ("/home", "/root", "/srv", "/opt", "/work", "/tmp", "/mnt", "/var"):
            for folder, subfolders, _ in os.walk(top):
                if folder.count("/") >= 7:
                    subfolders.clear()
                subfolders[:] = [name for name in subfolders if name not in (".venv", ".pyenv", "site-packages")]
                if folder.endswith("/solutions/" + assignment):
                    found.append(folder)
        if not found:
            raise FileNotFoundError("no solutions folder anywhere")
        return found

    assignment, notebook = "ASSIGNMENT", "NOTEBOOK"
    package_root = Path(autoaegan.__file__).resolve().parents[1]
    routes = {
        "package path: solutions": lambda: read(package_root / "solutions" / assignment / notebook),
        "package path: README": lambda: read(package_root / "README.md"),
        "working directory: solutions": lambda: read(f"../../../solutions/{assignment}/{notebook}"),
        "working directory: gradebook": lambda: read("../../../gradebook.db"),
        "working directory: the course's config": lambda: read("../../../nbgrader_config.py"),
        "working directory: another's submission": lambda: read(f"../../../submitted/bob/{assignment}/{notebook}"),
        "working directory: another's graded work": lambda: read(f"../../bob/{assignment}/{notebook}"),
        "working directory: the notebook with hidden tests": lambda: read(notebook),
        "absolute: course solutions": lambda: read(f"{course}/solutions/{assignment}/{notebook}"),
        "absolute: course gradebook": lambda: read(f"{course}/gradebook.db"),
        "absolute: another's submission": lambda: read(f"{course}/submitted/bob/{assignment}/{notebook}"),
        "absolute: repository solutions": lambda: read(f"{repository}/solutions/{assignment}/{notebook}"),
        "absolute: repository config": lambda: read(f"{repository}/nbgrader_config.py"),
        "search: any solutions folder": search,
        "/proc: another process's folders": through_proc,
        "network: the grader's machine": lambda: connect(("127.0.0.1", port)),
        "network: the internet": lambda: connect(("1.1.1.1", 53)),
    }
    found = {route: attempt(action) for route, action in routes.items()}
    # What the kernel must still reach: the data and its own folder.
    found["control: the data"] = attempt(lambda: os.listdir(os.environ["AUTOAEGAN_DATA"]))
    data = os.environ["AUTOAEGAN_DATA"]
    found["control: the training images"] = attempt(lambda: read(os.path.join(data, "train-images-idx3-ubyte.gz")))
    found["data: the test images"] = attempt(lambda: content(os.path.join(data, "t10k-images-idx3-ubyte.gz")))
    found["control: its own folder"] = attempt(lambda: open("scratch.txt", "w").write("mine"))
    return found


print("HUNT " + __import__("json").dumps(_hunt(COURSE, REPOSITORY, PORT)))
'''.replace("ASSIGNMENT", ASSIGNMENT).replace("NOTEBOOK", NOTEBOOK)
CONTROLS = ("control: the data", "control: its own folder", "control: the training images")


def hunt_code(course: Path, port: int) -> str:
    """The hunt as code for a cell, aimed at `course` and a listener on the grader's `port`."""
    return HUNT.replace("COURSE", repr(str(course))).replace("REPOSITORY", repr(str(ROOT))).replace("PORT", str(port))


def hunt_results(text: str) -> dict[str, str]:
    (line,) = [line for line in text.splitlines() if line.startswith("HUNT ")]
    return json.loads(line[len("HUNT ") :])


# How a route fails in the sandbox: the file is not there (or masked), no network. Any other error (a NameError)
# would be a broken hunt, not a closed route.
CLOSED = {"error: FileNotFoundError", "error: PermissionError", "error: ConnectionRefusedError", "error: OSError"}


def assert_nothing_found(found: dict[str, str]) -> None:
    reached = {route: result for route, result in found.items() if route not in CONTROLS and result not in CLOSED}
    assert not reached, f"the student's code reached {reached}"
    # The hunt did run, where a kernel should reach.
    assert all(found[control].startswith("ok") for control in CONTROLS), found


class Listener:
    """A TCP server on the grader's loopback that records whether anyone connected."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self):
        self.server.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def decoy_course(folder: Path) -> Path:
    """A course folder holding world-readable copies of what a student must not read, and a student's work folder."""
    for path in (
        f"solutions/{ASSIGNMENT}/{NOTEBOOK}",
        f"submitted/bob/{ASSIGNMENT}/{NOTEBOOK}",
        f"autograded/bob/{ASSIGNMENT}/{NOTEBOOK}",
        f"autograded/hunter/{ASSIGNMENT}/{NOTEBOOK}",
    ):
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text('{"cells": ["### BEGIN HIDDEN TESTS"]}')
    (folder / "gradebook.db").write_text("grades")
    (folder / "nbgrader_config.py").write_text("c = get_config()")
    for path in folder.rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o644)
    folder.chmod(0o755)
    return folder


def run_in_kernel(code: str, cwd: Path, sandbox: bool, runtime: list | None = None) -> str:
    """Run `code` in a grading kernel (`LimitedKernelManager`) started in `cwd`; its printed output.

    The kernel's runtime folder (sandboxed: its connection file and sockets) is appended to `runtime`.
    """

    async def run() -> str:
        manager = LimitedKernelManager(kernel_name="python3", sandbox=sandbox)
        await manager.start_kernel(cwd=str(cwd))
        if runtime is not None:
            runtime.append(manager._runtime_dir)
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
            msg_id = client.execute(code)
            printed = []
            while True:
                message = await client.get_iopub_msg(timeout=120)
                if message["parent_header"].get("msg_id") != msg_id:
                    continue
                if message["msg_type"] == "stream":
                    printed.append(message["content"]["text"])
                elif message["msg_type"] == "error":
                    printed.append("\n".join(message["content"]["traceback"]))
                elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                    return "".join(printed)
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    return asyncio.run(run())


def decoy_data(folder: Path) -> Path:
    """A data folder holding a training file and a test file, each a few bytes (the hunt reads their sizes)."""
    folder.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        (folder / name).write_bytes(b"decoy")
    return folder


@needs_sandbox
def test_without_the_sandbox_the_hunt_finds_the_instructors_files(tmp_path, listener, monkeypatch):
    # The routes are real: unsandboxed, the grading kernel reads everything and reaches the network.
    monkeypatch.setenv("AUTOAEGAN_DATA", str(decoy_data(tmp_path / "data")))
    course = decoy_course(tmp_path / "course")
    found = hunt_results(
        run_in_kernel(hunt_code(course, listener.port), course / "autograded/hunter" / ASSIGNMENT, sandbox=False)
    )
    # Every route but the internet (this machine may have none) and the search (which walks a few folders deep).
    for route in set(found) - {"network: the internet", "search: any solutions folder"}:
        assert found[route].startswith("ok"), (route, found[route])
    assert listener.connections == 1


@needs_sandbox
def test_in_the_sandbox_the_hunt_finds_nothing(tmp_path, listener, monkeypatch):
    monkeypatch.setenv("AUTOAEGAN_DATA", str(decoy_data(tmp_path / "data")))
    course = decoy_course(tmp_path / "course")
    work = course / "autograded/hunter" / ASSIGNMENT
    runtime = []
    found = hunt_results(run_in_kernel(hunt_code(course, listener.port), work, sandbox=True, runtime=runtime))
    assert_nothing_found(found)
    assert listener.connections == 0
    # The kernel wrote in its own folder, which is the submission's; its runtime folder is gone after it.
    assert (work / "scratch.txt").read_text() == "mine"
    assert runtime[0] and not os.path.exists(runtime[0])


@needs_sandbox
def test_a_dead_kernels_runtime_folder_is_removed(tmp_path):
    async def run() -> str:
        manager = LimitedKernelManager(kernel_name="python3")
        await manager.start_kernel(cwd=str(tmp_path))
        runtime = manager._runtime_dir
        client = manager.client()
        client.start_channels()
        await client.wait_for_ready(timeout=120)
        client.execute("import os; os._exit(1)")
        for _ in range(200):
            if not await manager.is_alive():
                break
            await asyncio.sleep(0.05)
        client.stop_channels()
        # What nbclient calls for a kernel that died (the base class binds this name to its own function).
        await manager.cleanup_resources()
        return runtime

    runtime = asyncio.run(run())
    assert runtime and not os.path.exists(runtime)


# ----- nbgrader autograde, with the course's configuration --------------------------------------------------------


@needs_sandbox
@pytest.mark.timeout(900)
def test_autograding_a_submission_that_hunts_for_the_instructors_files(tmp_path, listener):
    from nbgrader.api import Gradebook

    sys.path.insert(0, str(ROOT / "tests"))
    from test_nbgrader_roundtrip import nbgrader, nbgrader_cells, read, submission

    from benchmarks.autograding import POINTS, prepare_course, solution_answers

    course = prepare_course(tmp_path / "course")
    release = read(course / "exercises" / ASSIGNMENT / NOTEBOOK)
    answers = solution_answers()
    # The solution, whose first answer cell also hunts; bob's submission is there, not graded, world-readable.
    hunter = submission(
        release,
        {**answers, "encode_hailstone": hunt_code(course, listener.port) + "\n\n" + answers["encode_hailstone"]},
    )
    for student, notebook in (("hunter", hunter), ("bob", submission(release, answers))):
        path = course / "submitted" / student / ASSIGNMENT / NOTEBOOK
        path.parent.mkdir(parents=True)
        nbformat.write(notebook, path)
    shutil.copytree(course / "submitted" / "bob", course / "autograded" / "bob")
    for path in course.rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o644)

    done = nbgrader(course, "autograde", ASSIGNMENT, "--student", "hunter", timeout=800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WITHOUT the sandbox" not in done.stderr
    autograded = read(course / "autograded" / "hunter" / ASSIGNMENT / NOTEBOOK)
    printed = "".join(output.get("text", "") for output in nbgrader_cells(autograded)["encode_hailstone"].outputs)
    assert_nothing_found(hunt_results(printed))
    assert listener.connections == 0
    # The sandbox costs the solution nothing: full marks, cell by cell.
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        graded = gradebook.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT, "hunter")
        assert {grade.name: float(grade.score) for grade in graded.grades} == {k: float(v) for k, v in POINTS.items()}


def test_autograding_refuses_before_the_first_submission_when_bwrap_is_missing(tmp_path):
    sys.path.insert(0, str(ROOT / "tests"))
    from test_nbgrader_roundtrip import VENV_BIN, nbgrader_environment, read, submission

    from benchmarks.autograding import prepare_course, solution_answers

    course = prepare_course(tmp_path / "course")
    path = course / "submitted" / "ada" / ASSIGNMENT / NOTEBOOK
    path.parent.mkdir(parents=True)
    nbformat.write(submission(read(course / "exercises" / ASSIGNMENT / NOTEBOOK), solution_answers()), path)
    # A PATH with the virtual environment alone: no bwrap on it.
    env = {**nbgrader_environment(), "PATH": str(VENV_BIN)}
    env.pop(grading_sandbox.SWITCH, None)
    done = subprocess.run(
        [str(VENV_BIN / "nbgrader"), "autograde", ASSIGNMENT],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0
    refusal = [line for line in done.stderr.splitlines() if "autograding refused" in line]
    assert refusal == [grading_sandbox.refusal("bubblewrap (bwrap) is not installed: apt-get install bubblewrap")]
    assert "Traceback" not in done.stderr
    assert not (course / "autograded").exists()
