"""The wheel carries everything a learner runs: built with `pip wheel`, installed into a fresh venv, the learner's
tree copied out of it, and chapters 08, 09 and 10 run there in the test profile, far from the repository."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest

from autoaegan.course.student_tree import CHECKOUT_SETTINGS, FIRST_CHAPTER, student_files
from classroom.localhub import free_port

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS_RUN = ("08_gan_difficulties.ipynb", "09_dcgan.ipynb", "10_progan.ipynb")
# Text that only the instructors' sources hold: nbgrader's solution and hidden-test markers.
INSTRUCTOR_MARKERS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")
CELL_TIMEOUT = 600


def report(name: str, value: float, unit: str = "s") -> None:
    """Print a measurement (pytest -s or -rP shows it): what this file costs CI, and how large the wheel is."""
    print(f"\n[test_wheel] {name}: {value:.1f} {unit}", flush=True)


def constraints_file() -> Path:
    """The constraints for this interpreter: constraints-3.X.txt where there is one, else constraints.txt."""
    specific = ROOT / f"constraints-{sys.version_info.major}.{sys.version_info.minor}.txt"
    return specific if specific.is_file() else ROOT / "constraints.txt"


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would put the repository or its venv on a path."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTEST_CURRENT_TEST", "PYTHONHOME"}
    }
    environment["PATH"] = os.pathsep.join(
        part for part in environment.get("PATH", "").split(os.pathsep) if not part.startswith(str(ROOT))
    )
    environment.update(extra)
    return environment


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out), str(ROOT)],
        check=True,
        cwd=out,
        env=clean_environment(),
        timeout=600,
    )
    report("pip wheel --no-deps", time.perf_counter() - start)
    (built,) = out.glob("autoaegan-*-py3-none-any.whl")
    report(f"size of {built.name}", built.stat().st_size / 1e6, "MB")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def tracked_files(folder: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True, text=True, check=True)
    return listed.stdout.split()


def test_the_wheel_carries_every_file_of_the_package(wheel_names):
    package = [name for name in tracked_files("autoaegan") if not name.endswith(".pyc")]
    assert any(name.startswith("autoaegan/recordings/") and name.endswith(".npz") for name in package)
    assert any(name.startswith("autoaegan/weights/") and name.endswith(".weights.h5") for name in package)
    missing = sorted(set(package) - set(wheel_names))
    assert not missing, f"files of the package that the wheel leaves out: {missing}"


def test_the_wheel_carries_the_learners_tree_and_settings(wheel_names):
    tree = {name.removeprefix("autoaegan/student/") for name in wheel_names if name.startswith("autoaegan/student/")}
    assert tree == set(student_files(ROOT))
    for expected in ("README.md", FIRST_CHAPTER, "course/apps/latent_explorer.ipynb", "course/apps/voila.json"):
        assert expected in tree
    assert {name.split("/")[1] for name in tree if name.startswith("exercises/")} == {
        path.name for path in (ROOT / "exercises").iterdir() if path.is_dir()
    }
    settings = ROOT / CHECKOUT_SETTINGS
    assert {
        name.removeprefix("autoaegan/learner_settings/")
        for name in wheel_names
        if name.startswith("autoaegan/learner_settings/")
    } == {path.relative_to(settings).as_posix() for path in settings.rglob("*") if path.is_file()}


def test_nothing_of_the_solutions_gets_into_the_wheel(wheel, wheel_names):
    assert not [name for name in wheel_names if "solutions" in name.split("/") or "INSTRUCTOR_GUIDE" in name]
    solution_names = {path.name for path in (ROOT / "solutions").rglob("*.ipynb")}
    assert solution_names, "solutions/ should hold the assignments' sources"
    with zipfile.ZipFile(wheel) as archive:
        leaked = [
            (name, marker)
            for name in wheel_names
            for marker in INSTRUCTOR_MARKERS
            if marker.encode() in archive.read(name)
        ]
    assert not leaked, f"instructor-only text in the wheel: {leaked}"


def test_no_chapter_reads_the_repository_by_its_layout():
    # A chapter reads shipped files through the package (load_recording, load_pretrained), never by a path.
    layout = re.compile(r"benchmarks/|solutions/|parents\[|\.\./|__file__")
    offending = []
    for path in sorted(ROOT.glob("course/*.ipynb")) + sorted(ROOT.glob("course/apps/*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code" and layout.search(cell.source):
                offending.append(f"{path.name} cell {index}")
    assert not offending, f"code cells that read the repository's layout: {offending}"


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory):
    venv = tmp_path_factory.mktemp("learner") / "venv"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=clean_environment(), timeout=300)
    # --no-compile: byte-compiling TensorFlow's thousands of modules doubled the install's time (268 s against 128 s
    # on a busy 2-core machine); the kernels compile what they import.
    subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "-c",
            str(constraints_file()),
            str(wheel),
        ],
        check=True,
        cwd=venv.parent,
        env=clean_environment(),
        timeout=1200,
    )
    report("fresh venv + pip install of the wheel with its dependencies", time.perf_counter() - start)
    yield venv
    shutil.rmtree(venv, ignore_errors=True)  # 2.7 GB: pytest keeps its last three runs' temporary folders


@pytest.fixture(scope="module")
def learner_copy(fresh_venv) -> Path:
    folder = fresh_venv.parent / "my course"  # a space, as in many learners' folders
    done = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-m", "autoaegan.course.start", str(folder), "--no-lab"],
        capture_output=True,
        text=True,
        cwd=fresh_venv.parent,
        env=clean_environment(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.timeout(1800)
def test_the_course_command_copies_the_learners_tree_out_of_the_installed_wheel(wheel, fresh_venv, learner_copy):
    assert student_files(learner_copy) == student_files(ROOT)
    assert not (learner_copy / "solutions").exists()
    with zipfile.ZipFile(wheel) as archive:
        for name in student_files(learner_copy):
            assert (learner_copy / name).read_bytes() == archive.read(f"autoaegan/student/{name}"), (
                f"{name} differs from the wheel's copy"
            )


RUN_CHAPTERS = """
import json, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

probe = ("import autoaegan, autoaegan.recordings, autoaegan.pretrained.store, json, sys\\n"
         "print(json.dumps({'package': autoaegan.__file__, 'recordings': str(autoaegan.recordings.RECORDINGS_DIR), "
         "'weights': str(autoaegan.pretrained.store.WEIGHTS_DIR), 'prefix': sys.prefix, 'path': sys.path}))")
results = {}
for name in sys.argv[2:]:
    path = Path(sys.argv[1]) / name
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(probe))
    client = NotebookClient(notebook, timeout=%(timeout)d, kernel_name="python3",
                            store_widget_state=False, resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
        error = None
    except CellExecutionError as failure:
        error = f"{failure.ename}: {str(failure.evalue)[:500]}"
    seconds = time.perf_counter() - start
    texts = [output.get("text", "") for output in notebook.cells[-1].get("outputs", [])
             if output.get("name") == "stdout"]
    where = json.loads(texts[-1]) if texts and not error else None
    results[name] = {"seconds": seconds, "error": error, "probe": where}
print(json.dumps(results))
"""


@pytest.mark.timeout(1800)
def test_chapters_08_to_10_run_from_the_installed_wheel_outside_the_repository(fresh_venv, learner_copy):
    # The data is found as in the other chapters' tests: AUTOAEGAN_DATA where it is set, else the usual folders.
    environment = clean_environment(
        AUTOAEGAN_PROFILE="test",
        AUTOAEGAN_NO_DOWNLOAD="1",
        PATH=f"{fresh_venv / 'bin'}{os.pathsep}{clean_environment()['PATH']}",
    )
    start = time.perf_counter()
    done = subprocess.run(
        [
            str(fresh_venv / "bin" / "python"),
            "-c",
            RUN_CHAPTERS % {"timeout": CELL_TIMEOUT},
            str(learner_copy / "course"),
            *CHAPTERS_RUN,
        ],
        capture_output=True,
        text=True,
        cwd=learner_copy,
        env=environment,
        timeout=1700,
    )
    report("chapters 08, 09 and 10 in the test profile", time.perf_counter() - start)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for name in CHAPTERS_RUN:
        report(f"  {name}", results[name]["seconds"])
        assert results[name]["error"] is None, f"{name}: {results[name]['error']}"
        probe = results[name]["probe"]
        installed = str(fresh_venv)
        for key in ("package", "recordings", "weights", "prefix"):
            assert probe[key].startswith(installed), f"{name}: the kernel's {key} is {probe[key]}, not in the venv"
        assert not [entry for entry in probe["path"] if entry.startswith(str(ROOT))], probe["path"]


def page_config(html: str) -> dict:
    """The JSON that JupyterLab's page carries in its `jupyter-config-data` script."""
    match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, flags=re.S)
    assert match, "no jupyter-config-data in the page"
    return json.loads(match.group(1))


@pytest.mark.timeout(1800)
def test_the_course_command_opens_a_learners_jupyterlab_on_chapter_00(fresh_venv, learner_copy):
    port = free_port()
    lab = subprocess.Popen(
        [
            str(fresh_venv / "bin" / "python"),
            "-m",
            "autoaegan.course.start",
            str(learner_copy),
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=fresh_venv.parent,
        env=clean_environment(PATH=f"{fresh_venv / 'bin'}{os.pathsep}{clean_environment()['PATH']}"),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert lab.poll() is None, f"JupyterLab stopped: {lab.stdout.read()[-3000:]}"
            try:
                with urllib.request.urlopen(f"{base}/api/status", timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "JupyterLab did not answer within 120 s"
                time.sleep(1)
        with urllib.request.urlopen(f"{base}/", timeout=30) as page:  # where the browser goes first
            assert page.geturl() == f"{base}/lab/tree/{FIRST_CHAPTER}"
            config = page_config(page.read().decode())
        disabled = config["disabledExtensions"]
        assert "@jupyter/nbgrader:formgrader" in disabled and "@jupyter/nbgrader:create-assignment" in disabled
        with urllib.request.urlopen(f"{base}/api/contents/{FIRST_CHAPTER}?content=0", timeout=30) as answer:
            assert json.loads(answer.read())["path"] == FIRST_CHAPTER  # the server's root is the learner's copy
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/formgrader", timeout=30)
        assert refused.value.code == 404  # nbgrader's instructor server extension is off
    finally:
        lab.terminate()
        try:
            lab.wait(timeout=30)
        except subprocess.TimeoutExpired:
            lab.kill()
            lab.wait()
