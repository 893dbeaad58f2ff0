"""The classroom hub with real Unix users: a student's kernel cannot read the instructor's files nor another student's.

The test creates three Unix users (`useradd`; it needs root, as CI runs): an instructor
and two students, and deploys the classroom as classroom/README.md's worked example does,
with the test's own Python:

- **The students' Python** is built outside the repository, because the repository's
  `.venv` is an editable install that points into the checkout (and so at `solutions/`): a
  hard-linked copy (`cp -al`, a plain copy across file systems) of the `.venv`'s
  site-packages, `share/` and `etc/`, without the editable install's files, in a fresh
  virtual environment, and `autoaegan` installed into it WITHOUT `-e` by pip from a copy of
  the package's sources (its build needs pip's build isolation: the `.venv`'s setuptools
  is older than pyproject asks). Its scripts get their first line rewritten for the copy.
  Where the interpreter the `.venv` was made from cannot be run by other users (pyenv under
  `/root`), that interpreter's installation is hard-linked too, with `LD_LIBRARY_PATH` for
  its library.
- **The hub tree** (`python classroom/deliver.py hub-tree DEST`): the course's allow-list
  and the hub's configuration, readable by all; the hub (root, the repository's Python)
  loads its configuration from there and delivers the course from there.
- **The instructor's checkout**, `~/autoaegan-instructor` (nbgrader's configuration,
  `solutions/`, `exercises/` as the release folder, the gradebook), owned by the instructor,
  home and checkout 0700. The repository the test runs from stands for a second copy left
  on the machine: it is made unreadable to other users (0700) for the test and its mode
  restored afterwards.
- **Homes** 0700, as the README's `useradd` lines make them, except the first student's,
  left open (0755) to check that the hub closes it before starting the server.

The hub (classroom/localhub.py) runs with LocalProcessSpawner, which starts each server
as its Unix user in that user's home. The instructor releases 01_02_representations and
the second student fetches and submits it, each through nbgrader as their own user. Then,
from the first student's kernel (code sent through the server's kernel API), the test looks
for `solutions/`, the gradebook and the other student's work by every route: the package's
path and its parents, the working directory and its parents (and `../` routes), absolute
paths (the instructor's home and checkout, the repository, `/root`, the other student's
home and nbgrader cache, the hub's state), the exchange (listing the inbound and feedback
folders, a submission's name without its random end: nbgrader leaves the submission's files
readable by all, so its name is what keeps it private), a search of every folder the student can read
that the deployment made (the students' Python, the hub tree, the exchange, `/home`) for
copies of those files, other users' processes through `/proc`, and the kernel's
environment (the hub's admin token). Every route must fail; and the kernel must run as
the student, import `autoaegan` (not an editable install) and read the chapters delivered
to it and the released assignment, so that the test cannot pass because nothing works.
All users are removed (`userdel -r`) at the end.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import secrets
import shutil
import sqlite3
import stat
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from classroom.deliver import COURSE_FOLDER, COURSE_ID, INSTRUCTOR_CHECKOUT  # noqa: E402
from classroom.localhub import LocalHub, kill  # noqa: E402

# Root creates the users (CI runs as root); the hub needs its proxy (make test installs it with npm).
pytestmark = [pytest.mark.needs("root", "configurable-http-proxy"), pytest.mark.timeout(600)]

ASSIGNMENT = "01_02_representations"
NOTEBOOK = "representations.ipynb"
VENV = Path(sys.prefix)
PYTHON_NAME = f"python{sys.version_info.major}.{sys.version_info.minor}"
# The editable install's files in the .venv: they point the package at the checkout.
EDITABLE_PARTS = ("__editable__", "autoaegan-", "autoaegan.egg-link")


# --- the students' Python, outside the checkout ---


def runnable_by_others(path: Path) -> bool:
    """Whether a user other than the owner can reach `path` (every folder above it searchable) and execute it."""
    path = Path(path).resolve()
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in path.parents) and bool(
        path.stat().st_mode & stat.S_IXOTH
    )


def link_tree(source: Path, dest: Path) -> None:
    """Hard-link `source`'s files into `dest` (merging), or copy them where the file systems differ."""
    dest.mkdir(parents=True, exist_ok=True)
    linked = subprocess.run(["cp", "-al", f"{source}/.", str(dest)], capture_output=True, text=True)
    if linked.returncode != 0:
        subprocess.run(["cp", "-a", f"{source}/.", str(dest)], check=True)


def student_python(dest: Path, package_source: Path) -> tuple[Path, dict[str, str]]:
    """Build the students' Python in `dest` (see the module's docstring).

    Returns its bin folder and the variables it needs.
    """
    base_python = Path(getattr(sys, "_base_executable", sys.executable)).resolve()
    environment = {}
    if runnable_by_others(base_python):
        subprocess.run([str(base_python), "-m", "venv", "--without-pip", str(dest)], check=True)
    else:  # e.g. pyenv's Python under /root: its installation, hard-linked, without its own site-packages
        link_tree(Path(sys.base_prefix), dest)
        environment["LD_LIBRARY_PATH"] = str(dest / "lib")  # the interpreter's RUNPATH names the original folder
    site = dest / Path(sysconfig.get_path("purelib")).relative_to(sys.prefix)
    shutil.rmtree(site, ignore_errors=True)
    link_tree(Path(sysconfig.get_path("purelib")), site)
    for path in site.iterdir():
        if path.name.startswith(EDITABLE_PARTS):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for folder in ("share", "etc"):
        if (VENV / folder).is_dir():
            link_tree(VENV / folder, dest / folder)
    # The .venv's scripts name its interpreter on their first lines: new files for the copy.
    bin_dir = dest / "bin"
    if not (bin_dir / "python").exists():
        (bin_dir / "python").symlink_to(PYTHON_NAME)
    for script in (VENV / "bin").iterdir():
        if script.is_symlink() or not script.is_file() or script.name.startswith(("python", "activate", "Activate")):
            continue
        head = script.read_bytes()[:4096]
        if str(VENV / "bin").encode() not in head or b"\0" in head:
            continue
        target = bin_dir / script.name
        target.unlink(missing_ok=True)
        target.write_bytes(script.read_bytes().replace(str(VENV / "bin").encode(), str(bin_dir).encode()))
        target.chmod(0o755)
    installed = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile", str(package_source)],
        env=dict(os.environ, **environment),
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, (
        f"pip could not install autoaegan into the students' Python:\n{installed.stderr[-3000:]}"
    )
    return bin_dir, environment


def package_sources(dest: Path) -> Path:
    """A copy of what pip needs to build autoaegan: the package, pyproject, the README and the licence."""
    shutil.copytree(ROOT / "autoaegan", dest / "autoaegan", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


# --- Unix users ---


def add_user(name: str) -> pwd.struct_passwd:
    """Create a Unix user with a home folder (useradd -m)."""
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True, capture_output=True)
    return pwd.getpwnam(name)


def remove_user(name: str) -> None:
    """Stop the user's processes and delete the user and their home (userdel -r)."""
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    kill(
        [
            process
            for process in psutil.process_iter(["uids"])
            if process.info["uids"] and process.info["uids"].real == uid
        ]
    )
    subprocess.run(["userdel", "--remove", name], capture_output=True)


def run_as(user: pwd.struct_passwd, command: list[str], cwd: Path, environment: dict[str, str]) -> str:
    """Run `command` as `user` (their uid, gid and groups, their home), as a terminal of theirs would.

    Returns stdout.
    """
    env = {"HOME": user.pw_dir, "USER": user.pw_name, "LANG": "C.UTF-8", **environment}
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=os.getgrouplist(user.pw_name, user.pw_gid),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, (
        f"{user.pw_name}: {' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def answer(notebook: Path, text: str) -> None:
    """Add a code cell holding `text` to a student's notebook, as the student's own work, keeping its owner."""
    owner = notebook.stat()
    content = json.loads(notebook.read_text())
    content["cells"].append(
        {"cell_type": "code", "metadata": {}, "source": text, "outputs": [], "execution_count": None}
    )
    notebook.write_text(json.dumps(content))
    os.chown(notebook, owner.st_uid, owner.st_gid)


def sha256(path: Path) -> str:
    """The file's SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the hunt, run in the first student's kernel ---

HUNT = r'''
import hashlib, json, os, pwd, sys
from pathlib import Path
import autoaegan
from nbgrader.apps import NbGrader

targets = json.loads(TARGETS)
found = []  # every route that gave something away

def attempt(route, path):
    """List or read `path`; a success is a finding."""
    path = Path(path)
    try:
        if path.is_dir():
            found.append(f"{route}: listed {path}: {sorted(os.listdir(path))[:5]}")
        else:
            with open(path, "rb") as handle:
                handle.read(64)
            found.append(f"{route}: read {path}")
    except OSError:
        pass

INSTRUCTOR_NAMES = ("solutions", "gradebook.db", "submitted", "autograded", "feedback", "source", "release",
                    "nbgrader_config.py", targets["checkout_name"])
package = Path(autoaegan.__file__).resolve()
for folder in package.parents:
    for name in INSTRUCTOR_NAMES:
        attempt("the package's path", folder / name)
for folder in [Path.cwd(), *Path.cwd().parents]:
    for name in INSTRUCTOR_NAMES:
        attempt("the working directory", folder / name)
for depth in range(1, 8):
    for name in ("solutions", "gradebook.db", targets["checkout_name"]):
        attempt("a relative path", "../" * depth + name)
for path in targets["absolute"]:
    attempt("an absolute path", path)
for path in targets["listing"]:
    try:
        found.append(f"the exchange: listed {path}: {os.listdir(path)[:5]}")
    except OSError:
        pass
for path in targets["guessed"]:
    attempt("a guessed submission", path)

# A search of every folder this user can read under the deployment's roots, for copies of the files.
sizes = {size for size, _ in targets["secret_files"]}
secrets_ = {digest for _, digest in targets["secret_files"]}
searched = 0
for top in targets["search"]:
    for folder, folders, files in os.walk(top, onerror=lambda error: None):
        for name in files:
            path = os.path.join(folder, name)
            searched += 1
            try:
                if os.path.getsize(path) in sizes:
                    with open(path, "rb") as handle:
                        if hashlib.sha256(handle.read()).hexdigest() in secrets_:
                            found.append(f"a search: read a copy of an instructor's or student's file at {path}")
            except OSError:
                pass

# Other users' processes: their working folder, their root, their environment.
me = os.getuid()
for pid in (entry for entry in os.listdir("/proc") if entry.isdigit()):
    try:
        if os.stat(f"/proc/{pid}").st_uid == me:
            continue
    except OSError:
        continue
    for route in ("cwd", "root"):
        try:
            found.append(f"/proc: listed /proc/{pid}/{route}: {os.listdir(f'/proc/{pid}/{route}')[:5]}")
        except OSError:
            pass
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            if handle.read(1):
                found.append(f"/proc: read /proc/{pid}/environ")
    except OSError:
        pass

for key, value in os.environ.items():
    if targets["admin_token"] in value:
        found.append(f"the environment: {key} holds the hub's admin token")

app = NbGrader()
app.load_config_file()
chapter = Path.home() / targets["course_folder"] / "course" / "00_start_here.ipynb"
print(json.dumps({
    "found": found,
    "searched": searched,
    "user": pwd.getpwuid(os.getuid()).pw_name,
    "cwd": os.getcwd(),
    "package": str(package),
    "prefix": sys.prefix,
    "editable_finders": [type(finder).__name__ for finder in sys.meta_path if "editable" in repr(finder).lower()],
    "chapter_cells": len(json.loads(chapter.read_text())["cells"]),
    "course_id": app.config.CourseDirectory.course_id,
    "exchange": app.config.Exchange.root,
    "released": sorted(os.listdir(Path(targets["outbound"]))),
    "released_notebook_bytes": len(Path(targets["outbound"], targets["assignment"], targets["notebook"]).read_bytes()),
}))
'''


# --- the deployment ---


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Deploy the classroom with three real users, start the first student's server, run the hunt in its kernel."""
    state = tmp_path_factory.mktemp("hub")  # the hub's state: under pytest's folder, which only root reads
    world = Path(tempfile.mkdtemp(prefix="autoaegan-classroom-"))  # what every user may read
    world.chmod(0o755)
    tag = secrets.token_hex(3)
    names = {"instructor": f"aeg{tag}teach", "student": f"aeg{tag}ada", "other": f"aeg{tag}bob"}
    repository_mode = ROOT.stat().st_mode & 0o7777
    users = {}
    try:
        python_bin, python_env = student_python(world / "python", package_sources(state / "package"))
        hub_tree = world / "opt"
        subprocess.run(
            [sys.executable, str(ROOT / "classroom" / "deliver.py"), "hub-tree", str(hub_tree)],
            check=True,
            capture_output=True,
        )
        exchange = world / "exchange"
        for role, name in names.items():
            users[role] = add_user(name)
        homes = {role: Path(user.pw_dir) for role, user in users.items()}
        homes["instructor"].chmod(0o700)
        homes["other"].chmod(0o700)
        homes["student"].chmod(0o755)  # left open: the hub must close it

        # The instructor's checkout: theirs alone.
        checkout = homes["instructor"] / INSTRUCTOR_CHECKOUT
        checkout.mkdir()
        shutil.copy2(ROOT / "nbgrader_config.py", checkout)
        shutil.copytree(ROOT / "solutions", checkout / "solutions")
        shutil.copytree(ROOT / "exercises" / ASSIGNMENT, checkout / "exercises" / ASSIGNMENT)
        with sqlite3.connect(checkout / "gradebook.db") as gradebook:  # a gradebook of its own, with a student's grade
            gradebook.execute("create table grade (student text, assignment text, score real)")
            gradebook.execute("insert into grade values (?, ?, ?)", (names["other"], ASSIGNMENT, 15.0))
        subprocess.run(["chown", "-R", f"{names['instructor']}:", str(checkout)], check=True)
        checkout.chmod(0o700)
        ROOT.chmod(0o700)  # the repository the test runs from: nobody else's to read

        environment = {
            "PATH": f"{python_bin}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
            "JUPYTER_CONFIG_PATH": str(hub_tree / "classroom" / "jupyter"),
            "AUTOAEGAN_EXCHANGE": str(exchange),
            "AUTOAEGAN_PROFILE": "test",
            **python_env,
        }
        with LocalHub(
            state,
            instructors=(names["instructor"],),
            system_users=True,
            config=hub_tree / "classroom" / "jupyterhub_config.py",
            python_bin=python_bin,
            exchange=exchange,
            server_environment=python_env,
        ) as hub:
            for name in names.values():
                hub.create_user(name)
            nbgrader = [str(python_bin / "nbgrader")]
            run_as(users["instructor"], [*nbgrader, "release_assignment", ASSIGNMENT], checkout, environment)
            run_as(users["other"], [*nbgrader, "fetch_assignment", ASSIGNMENT], homes["other"], environment)
            answer(homes["other"] / ASSIGNMENT / NOTEBOOK, f"# {names['other']}'s own work, {secrets.token_hex(8)}")
            run_as(users["other"], [*nbgrader, "submit", ASSIGNMENT], homes["other"], environment)
            hub.start_server(names["student"])

            inbound = exchange / COURSE_ID / "inbound"
            [submission] = list(inbound.iterdir())
            # The submission itself is not among them: nbgrader makes its files readable by all (0644), and what keeps
            # them private is that no student can list the inbound folder nor guess the name's random end (below).
            other_work = [
                homes["other"] / ASSIGNMENT / NOTEBOOK,
                *homes["other"].glob(f".local/share/jupyter/nbgrader_cache/{COURSE_ID}/*/{NOTEBOOK}"),
            ]
            instructor_files = [
                checkout / "gradebook.db",
                checkout / "nbgrader_config.py",
                *sorted((checkout / "solutions").rglob("*.ipynb")),
            ]
            repository_files = [
                path
                for path in [ROOT / "gradebook.db", *sorted((ROOT / "solutions").rglob("*.ipynb"))]
                if path.exists()
            ]
            secret_files = instructor_files + repository_files + [homes["other"] / ASSIGNMENT / NOTEBOOK]
            targets = {
                "checkout_name": INSTRUCTOR_CHECKOUT,
                "course_folder": COURSE_FOLDER,
                "assignment": ASSIGNMENT,
                "notebook": NOTEBOOK,
                "absolute": [
                    str(path)
                    for path in [
                        homes["instructor"],
                        checkout,
                        checkout / "solutions",
                        *instructor_files,
                        ROOT,
                        ROOT / "solutions",
                        ROOT / ".venv",
                        ROOT / "autoaegan",
                        *repository_files,
                        Path("/root"),
                        homes["other"],
                        *other_work,
                        homes["other"] / ".local" / "share" / "jupyter" / "nbgrader_cache",
                        state,
                        state / "jupyterhub.sqlite",
                        state / "cookie_secret",
                    ]
                ],
                "listing": [str(inbound), str(exchange / COURSE_ID / "feedback")],
                "guessed": [
                    str(inbound / submission.name.rsplit("+", 1)[0]),
                    str(inbound / submission.name.rsplit("+", 1)[0] / NOTEBOOK),
                ],
                "search": [str(world), "/home"],
                "secret_files": [(path.stat().st_size, sha256(path)) for path in secret_files if path.stat().st_size],
                "admin_token": hub.token,
                "outbound": str(exchange / COURSE_ID / "outbound"),
            }
            # Each target is there (root sees it): a route fails because of the permissions, not a wrong path.
            missing = [path for path in targets["absolute"] if not Path(path).exists()]
            assert not missing, f"the test's own targets are missing: {missing}"
            code = f"TARGETS = {json.dumps(json.dumps(targets))}\n" + HUNT
            result = hub.run_in_kernel(names["student"], code, timeout=300)
            yield {
                "result": result,
                "seen": json.loads(result["stdout"].strip().splitlines()[-1]) if result["status"] == "ok" else None,
                "names": names,
                "homes": homes,
                "checkout": checkout,
                "world": world,
                "exchange": exchange,
                "python_bin": python_bin,
                "submission": submission,
                "hub": hub,
            }
    finally:
        ROOT.chmod(repository_mode)
        for name in names.values():
            remove_user(name)
        shutil.rmtree(world, ignore_errors=True)


@pytest.fixture(scope="module")
def seen(deployment):
    """What the hunt in the first student's kernel reported."""
    result = deployment["result"]
    assert result["status"] == "ok", (
        f"the hunt failed in the student's kernel: {result['error']}\n{result['stdout'][-3000:]}"
    )
    return deployment["seen"]


def test_the_students_kernel_runs_as_the_student_with_the_installed_package(deployment, seen):
    assert seen["user"] == deployment["names"]["student"]
    assert Path(seen["cwd"]) == deployment["homes"]["student"]
    assert Path(seen["package"]).is_relative_to(deployment["world"] / "python"), seen["package"]
    assert not Path(seen["package"]).is_relative_to(ROOT)
    assert seen["editable_finders"] == []
    assert not (Path(seen["package"]).parents[1] / "solutions").exists()


def test_the_student_reads_the_delivered_chapters_and_the_released_assignment(seen):
    assert seen["chapter_cells"] > 5
    assert seen["course_id"] == COURSE_ID
    assert seen["released"] == [ASSIGNMENT] and seen["released_notebook_bytes"] > 1000


def test_no_route_from_the_students_kernel_reaches_the_instructors_or_the_other_students_files(seen):
    assert seen["searched"] > 1000, "the search should have gone through the students' Python at least"
    assert seen["found"] == [], "\n".join(seen["found"])


def test_the_hub_closed_the_students_home_and_owns_nothing_of_theirs(deployment):
    home = deployment["homes"]["student"]
    assert home.stat().st_mode & 0o777 == 0o700
    uid = pwd.getpwnam(deployment["names"]["student"]).pw_uid
    delivered = [
        home / COURSE_FOLDER,
        *(home / COURSE_FOLDER).rglob("*"),
        home / ".jupyter" / "labconfig" / "page_config.json",
    ]
    assert all(path.lstat().st_uid == uid for path in delivered)
    assert not (home / ".jupyter" / "nbgrader_config.py").exists()


def test_the_exchange_keeps_submissions_out_of_sight(deployment):
    course = deployment["exchange"] / COURSE_ID
    instructor = pwd.getpwnam(deployment["names"]["instructor"]).pw_uid
    assert deployment["exchange"].stat().st_mode & 0o7777 == 0o1777  # the sticky bit: no renaming another's entries
    modes = {name: (course / name).stat() for name in ("outbound", "inbound", "feedback")}
    assert all(info.st_uid == instructor for info in modes.values()) and course.stat().st_uid == instructor
    assert modes["inbound"].st_mode & 0o777 == 0o733 and modes["feedback"].st_mode & 0o777 == 0o711
    student, assignment, _, random = deployment["submission"].name.split("+")  # nbgrader's name ends in a random string
    assert (student, assignment) == (deployment["names"]["other"], ASSIGNMENT) and len(random) >= 12
