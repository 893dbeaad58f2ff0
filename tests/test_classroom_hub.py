"""The classroom hub, started for real on loopback: users through the REST API, a student's JupyterLab, the course.

The hub runs classroom/jupyterhub_config.py with only the authenticator (dummy) and
the spawner (simple, local processes) swapped (classroom/localhub.py). An instructor
and two students are created with the admin service's token; one student's server is
started and checked: it serves JupyterLab, its kernel imports `autoaegan` and sees the
classroom's nbgrader settings, and no solution notebook reached the student's home.
Every server runs as this user here, from the repository's Python; the deployment with
real Unix users, a non-editable install and a hub tree is tests/test_classroom_users.py.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from classroom.deliver import COURSE_FOLDER, FORBIDDEN_MARKERS, student_files  # noqa: E402
from classroom.localhub import LocalHub  # noqa: E402

STUDENTS = ("student1", "student2")
pytestmark = pytest.mark.needs("configurable-http-proxy")  # JupyterHub's proxy: make test installs it with npm


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The running hub, with an instructor and two students; student1's server started."""
    with LocalHub(tmp_path_factory.mktemp("hub")) as hub:
        for name in ("instructor", *STUDENTS):
            hub.create_user(name)
        hub.start_seconds = hub.start_server("student1")
        yield hub
        started = hub.processes()
        assert len(started) >= 3, f"expected the hub, its proxy and a server, found {started}"
    # Leaving the block stopped every process the hub started (the proxy, the servers, their kernels).
    left = [process for process in started if process.is_running() and process.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"processes left running: {left}"


def test_the_users_exist_and_only_the_started_server_runs(hub):
    users = {user["name"]: user for user in hub.api("GET", "/hub/api/users")}
    assert set(users) == {"instructor", *STUDENTS}
    assert users["student1"]["servers"][""]["ready"]
    assert not users["student2"]["servers"] and not users["instructor"]["servers"]


def test_the_hub_and_the_servers_listen_on_loopback_only(hub):
    server = hub.api("GET", "/hub/api/users/student1")["servers"][""]
    assert server["url"] == "/user/student1/"
    assert hub.url.startswith("http://127.0.0.1:")
    for process in hub.processes():
        try:
            connections = process.net_connections(kind="inet")
        except Exception:  # a process that ended meanwhile
            continue
        listening = [c.laddr.ip for c in connections if c.status == "LISTEN"]
        assert all(ip in ("127.0.0.1", "::1") for ip in listening), f"{process.name()} listens on {listening}"


def test_the_students_server_opens_jupyterlab(hub):
    status, headers, _ = hub.request("GET", "/user/student1/")
    # JupyterLab is the default interface: the server's root redirects to it.
    assert status in (301, 302) and headers["location"].split("?")[0].rstrip("/") == "/user/student1/lab", headers
    status, _, page = hub.request("GET", "/user/student1/lab")
    assert status == 200
    assert b'"appName": "JupyterLab"' in page or b"<title>JupyterLab</title>" in page


def test_autoaegan_imports_in_the_students_kernel_with_the_classroom_settings(hub):
    code = (
        "import json, os, autoaegan\n"
        "from nbgrader.apps import NbGrader\n"
        "app = NbGrader()\n"
        "app.load_config_file()\n"
        "print(json.dumps({'version': autoaegan.__version__, 'file': autoaegan.__file__,"
        " 'profile': os.environ.get('AUTOAEGAN_PROFILE'), 'cwd': os.getcwd(),"
        " 'course_id': app.config.CourseDirectory.course_id, 'exchange': app.config.Exchange.root}))\n"
    )
    result = hub.run_in_kernel("student1", code)
    assert result["status"] == "ok", result["error"]
    seen = json.loads(result["stdout"].strip().splitlines()[-1])
    assert seen["file"].startswith(str(ROOT / "autoaegan"))
    assert seen["profile"] == "classroom"
    assert Path(seen["cwd"]) == hub.home("student1")
    assert seen["course_id"] == "autoaegan" and seen["exchange"] == str(hub.exchange)


def test_the_exchange_is_shared_and_world_writable(hub):
    assert hub.exchange.is_dir() and (hub.exchange.stat().st_mode & 0o777) == 0o777


def test_the_course_reached_the_student_without_solutions(hub):
    home = hub.home("student1")
    course = home / COURSE_FOLDER
    delivered = sorted(path.relative_to(course) for path in course.rglob("*") if path.is_file())
    assert delivered == sorted(student_files(ROOT))
    assert Path("course/00_start_here.ipynb") in delivered
    everything = [path for path in home.rglob("*") if path.is_file()]
    assert not [path for path in everything if "solutions" in path.relative_to(home).parts]
    for path in everything:
        if path.suffix == ".ipynb":
            text = path.read_text(errors="replace")
            assert not [marker for marker in FORBIDDEN_MARKERS if marker in text], f"{path} holds an answer"
    # The server's own view of the home folder agrees.
    listing = hub.api("GET", f"/user/student1/api/contents/{COURSE_FOLDER}")
    assert {item["name"] for item in listing["content"]} == {"course", "README.md", "LICENSE"}
    status, _, _ = hub.request("GET", f"/user/student1/api/contents/{COURSE_FOLDER}/solutions")
    assert status == 404


def test_a_student_gets_the_student_settings_and_not_the_instructors(hub):
    home = hub.home("student1")
    page_config = json.loads((home / ".jupyter" / "labconfig" / "page_config.json").read_text())
    assert page_config["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert not (home / ".jupyter" / "nbgrader_config.py").exists()


def test_the_server_started_within_the_hubs_timeout(hub):
    assert 0 < hub.start_seconds < 120
