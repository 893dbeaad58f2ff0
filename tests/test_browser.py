"""Chapter 06 as a student sees it in JupyterLab, and the Voilà app, in headless Chromium.

The JupyterLab test runs the chapter with a learner's settings (those of `make course`) and no logging
variable set, and checks that the notebook opens unmodified, that nbgrader's instructor tools are hidden,
that no TensorFlow log line reaches an output, and that the latent explorer answers the keyboard.

The Voilà test opens the app three times with the app's settings (`make app`'s), its kernel culling made shorter:
the first page's explorer answers the keyboard, the open pages keep their kernels past the culling's limit, and the
kernels of the closed pages end.

Each test starts its own server on a free loopback port, on a copy of the notebook
in a temporary folder (so nothing can save outputs into `course/`), in the `test`
profile. Playwright for Python drives Debian's Chromium (`/usr/bin/chromium`,
which `.ci/run` installs; elsewhere the tests are skipped without it, see tests/system_needs.py):
it focuses a latent slider's handle, presses ArrowRight, and checks that the decoded image changed
and that the page raised no uncaught error.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from autoaegan.tensorflow_logs import is_tensorflow_noise
from classroom.localhub import free_port

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "course" / "06_variational_autoencoders.ipynb"
APP = ROOT / "course" / "apps" / "latent_explorer.ipynb"
# The Jupyter settings `make course` gives a learner (see the Makefile): nbgrader's instructor tools hidden.
LEARNER_CONFIG = ROOT / "classroom" / "learner"
INSTRUCTOR_COMMANDS = ("nbgrader:open-formgrader", "nbgrader:open-create-assignment", "nbgrader:open-course-list")
LEARNER_COMMANDS = ("nbgrader:open-assignment-list",)

SERVER_START_SECONDS = 90
NOTEBOOK_SECONDS = 240  # the chapter in the test profile, TensorFlow's import included, on a busy CI machine
MOVE_SECONDS = 30

HANDLE = ".latent-explorer .widget-slider .noUi-handle"
IMAGE = "img.latent-explorer-image"
# Console errors that third-party packages cause on every page load, by name (looked for in the message and its
# source URL), with the reason they are harmless. Anything else in the console at level "error" fails the test.
ALLOWED_CONSOLE_ERRORS = {
    "nbgrader": "nbgrader's lab extension reports itself as incompatible on JupyterLab 4.6, yet its plugins load",
    "@fortawesome/fontawesome-free": "Voilà's lab template links Font Awesome from a CDN, unreachable offline; "
    "Voilà's own bundle carries the same icons",
}

pytestmark = [pytest.mark.browser, pytest.mark.needs("chromium"), pytest.mark.timeout(420)]


def server_environment(tmp_path: Path) -> dict[str, str]:
    """This process's environment with the test profile, no downloads, and Jupyter's state kept in `tmp_path`."""
    env = dict(os.environ)
    # As a learner's server runs: no logging variable, no pytest marker (ipykernel captures less under pytest).
    for name in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env.update(
        AUTOAEGAN_PROFILE="test",
        AUTOAEGAN_NO_DOWNLOAD="1",
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
        JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
        JUPYTER_CONFIG_PATH=str(LEARNER_CONFIG),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    # No autosave: the copy is thrown away, but a saved run would only cost time.
    settings = tmp_path / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    return env


@contextlib.contextmanager
def running_server(command: list[str], url: str, *, env: dict[str, str], cwd: Path, log: Path):
    """Start `command` in a session of its own, wait until `url` answers HTTP, and stop it (kernels too) on exit."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"{command[2]} exited with code {process.returncode} before serving:\n"
                        f"{log.read_text(errors='replace')[-3000:]}"
                    )
                try:
                    with urllib.request.urlopen(url, timeout=5):
                        break
                except urllib.error.HTTPError:
                    break  # an HTTP answer, even a 404, means the server is up
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"{command[2]} did not answer {url} within {SERVER_START_SECONDS} s:\n"
                        f"{log.read_text(errors='replace')[-3000:]}"
                    )
                time.sleep(0.5)
            yield process
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """Stop a server and every process it started: its kernels run in sessions of their own, so find them first."""
    import psutil

    try:
        started = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            # Jupyter servers shut their kernels down on SIGINT given twice (the second skips the confirmation).
            process.send_signal(signal.SIGINT)
            time.sleep(0.2)
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)
    for child in started:  # whatever the server left behind
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(started, timeout=10)


class PageWatch:
    """Collect a page's uncaught errors and console errors, and tell the allow-listed ones apart."""

    def __init__(self, page):
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} (from {message.location.get('url', '?')})")

    def check(self) -> None:
        """Fail on any uncaught page error, and on console errors from anything not allow-listed."""
        assert not self.page_errors, f"uncaught errors in the page: {self.page_errors}"
        unexpected = [
            text for text in self.console_errors if not any(name in text.lower() for name in ALLOWED_CONSOLE_ERRORS)
        ]
        assert not unexpected, f"console errors in the page: {unexpected}"


def move_a_latent_slider(page) -> None:
    """Focus the first latent slider's handle, press ArrowRight, and check that the decoded image changed."""
    image = page.locator(IMAGE).first
    image.wait_for(state="visible", timeout=NOTEBOOK_SECONDS * 1000)
    page.wait_for_function(f"document.querySelector({IMAGE!r}).getAttribute('src')", timeout=MOVE_SECONDS * 1000)
    before = image.get_attribute("src")
    slider = page.locator(".latent-explorer .widget-slider").first
    readout = slider.locator(".widget-readout")
    # JupyterLab hides cells far off screen from layout (content-visibility), which empties inner_text
    slider.scroll_into_view_if_needed()
    value_before = readout.text_content()
    handle = page.locator(HANDLE).first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector).getAttribute('src') !== before",
        arg=[IMAGE, before],
        timeout=MOVE_SECONDS * 1000,
    )
    assert image.get_attribute("src") != before
    assert float(readout.text_content()) == pytest.approx(float(value_before) + 0.1, abs=1e-6), (
        f"ArrowRight should move the slider by one step of 0.1: readout {value_before} → {readout.text_content()}"
    )


def copy_notebook(notebook: Path, folder: Path) -> Path:
    """Copy `notebook` into `folder` (so that no server can write into the repository) and return the copy."""
    if not notebook.is_file():
        pytest.fail(f"no notebook at {notebook}")
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(notebook, folder / notebook.name))


@contextlib.contextmanager
def explained_failure(page, tmp_path: Path, log: Path):
    """On a failure, save a screenshot and add it, and the server log's tail, to the error."""
    try:
        yield
    except Exception as error:
        screenshot = tmp_path / "failure.png"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(screenshot), full_page=True)
        raise AssertionError(
            f"{type(error).__name__}: {error}\nscreenshot: {screenshot}\n"
            f"server log (tail):\n{log.read_text(errors='replace')[-3000:]}"
        ) from error


# The notebook panel's kernel is connected and idle.
KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
}"""
# The code cells of the open notebook, from its model (cells scrolled out of view may not be in the DOM):
# how many there are, how many have run (an execution count), and the error outputs.
NOTEBOOK_STATE = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.model.cells;
    const state = {code: 0, run: 0, errors: [], stderr: []};
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code' || cell.sharedModel.getSource().trim() === '') continue;
        state.code += 1;
        if (cell.executionCount !== null) state.run += 1;
        for (const output of cell.outputs.toJSON()) {
            if (output.output_type === 'error') state.errors.push(`cell ${i}: ${output.ename}: ${output.evalue}`);
            if (output.output_type === 'stream' && output.name === 'stderr')
                state.stderr.push(...output.text.split('\\n'));
        }
    }
    return state;
}"""
# Whether the open notebook differs from the file it was opened from (JupyterLab's "modified" dot).
NOTEBOOK_DIRTY = "() => window.jupyterapp.shell.currentWidget.context.model.dirty"
ALL_CELLS_RUN = (
    f"() => {{ const state = ({NOTEBOOK_STATE})(); "
    "return state.code > 0 && (state.run === state.code || state.errors.length > 0); }"
)


def check_in_jupyterlab(browser, notebook: Path, tmp_path: Path) -> None:
    """Open `notebook` in a fresh JupyterLab, run all its cells, and move a latent slider with the keyboard."""
    copy = copy_notebook(notebook, tmp_path / "root")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--LabApp.expose_app_in_browser=True",
        f"--ServerApp.root_dir={copy.parent}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers run as root, which Jupyter refuses without this flag
    base, log = f"http://127.0.0.1:{port}", tmp_path / "jupyterlab.log"
    with running_server(command, f"{base}/api/status", env=server_environment(tmp_path), cwd=copy.parent, log=log):
        page = browser.new_page()
        watch = PageWatch(page)
        try:
            with explained_failure(page, tmp_path, log):
                page.goto(f"{base}/lab/tree/{copy.name}", timeout=SERVER_START_SECONDS * 1000)
                page.wait_for_function(KERNEL_IDLE, timeout=SERVER_START_SECONDS * 1000, polling=250)
                assert not page.evaluate(NOTEBOOK_DIRTY), f"{notebook.name} opens marked as modified"
                tools = {
                    command: page.evaluate(f"() => window.jupyterapp.commands.hasCommand({command!r})")
                    for command in INSTRUCTOR_COMMANDS + LEARNER_COMMANDS
                }
                assert tools == {command: command in LEARNER_COMMANDS for command in tools}, (
                    f"a learner should have {LEARNER_COMMANDS} and none of {INSTRUCTOR_COMMANDS}; has {tools}"
                )
                # Not awaited: the command's promise settles only when every cell has run.
                page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
                page.wait_for_function(ALL_CELLS_RUN, timeout=NOTEBOOK_SECONDS * 1000, polling=500)
                state = page.evaluate(NOTEBOOK_STATE)
                assert not state["errors"], f"cells raised errors: {state['errors']}"
                noise = [line for line in state["stderr"] if is_tensorflow_noise(line)]
                assert not noise, f"the learner sees {len(noise)} TensorFlow log line(s), e.g. {noise[0]!r}"
                page.wait_for_function(KERNEL_IDLE, timeout=MOVE_SECONDS * 1000, polling=250)
                move_a_latent_slider(page)
                watch.check()
        finally:
            page.close()


def test_chapter_06_explorer_moves_with_the_keyboard_in_jupyterlab(browser, tmp_path):
    check_in_jupyterlab(browser, CHAPTER, tmp_path)


# The app's kernel culling (course/apps/voila.json) ends the kernel of a closed page once it has been idle and without
# a connection this long, checked this often. The shipped settings meet the 2-minute goal
# (tests/test_voila_app_settings.py); here a copy of them with shorter times, so the test waits seconds, not minutes.
TEST_CULL_IDLE_SECONDS = 20  # longer than a busy machine takes between a page's execution and its widgets connecting
TEST_CULL_INTERVAL_SECONDS = 5
KERNEL_SHUTDOWN_SECONDS = 15  # a culled kernel's shutdown: a request, then up to 5 s before a kill; slower when busy
VISITS = 3


def app_kernels(server: subprocess.Popen) -> list:
    """The running kernels the Voilà server started (its ipykernel children)."""
    import psutil

    kernels = []
    for child in psutil.Process(server.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(child.cmdline()):
                kernels.append(child)
    return kernels


def test_the_voila_app_answers_the_keyboard_and_ends_the_kernels_of_closed_pages(browser, tmp_path):
    """Three visits: the first moves a latent slider with the keyboard; past the culling's limit, the open pages keep
    their kernels; once the pages are closed, their kernels end."""
    copy = copy_notebook(APP, tmp_path / "app")
    settings = json.loads((APP.parent / "voila.json").read_text())  # the app's Voilà settings, as `make app` uses them
    settings["MappingKernelManager"].update(
        cull_idle_timeout=TEST_CULL_IDLE_SECONDS, cull_interval=TEST_CULL_INTERVAL_SECONDS
    )
    (copy.parent / "voila.json").write_text(json.dumps(settings))
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "voila",
        str(copy),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--Voila.config_file_paths={copy.parent}",
    ]
    base, log = f"http://127.0.0.1:{port}", tmp_path / "voila.log"
    cull_limit = TEST_CULL_IDLE_SECONDS + TEST_CULL_INTERVAL_SECONDS
    with running_server(
        command, f"{base}/voila/static/", env=server_environment(tmp_path), cwd=copy.parent, log=log
    ) as server:
        pages, first_idle = [], None
        try:
            for visit in range(VISITS):
                page = browser.new_page()
                pages.append(page)
                watch = PageWatch(page) if visit == 0 else None
                with explained_failure(page, tmp_path, log):
                    page.goto(base, timeout=NOTEBOOK_SECONDS * 1000)
                    if watch is not None:
                        move_a_latent_slider(page)
                        watch.check()
                        first_idle = time.monotonic()
                    else:
                        page.locator(IMAGE).first.wait_for(state="visible", timeout=NOTEBOOK_SECONDS * 1000)
            # An open page keeps its kernel however long it sits idle, past the culling's limit too.
            time.sleep(max(0.0, first_idle + cull_limit - time.monotonic()))
            assert len(app_kernels(server)) == VISITS, f"{VISITS} open pages should hold {VISITS} kernels"
        finally:
            # Closed as a crashed tab or a lost network would leave them: Playwright runs no beforeunload handler, so
            # Voilà's page sends no shutdown request and only the culling can end the kernels.
            for page in pages:
                page.close()
        closed = time.monotonic()
        deadline = closed + cull_limit + KERNEL_SHUTDOWN_SECONDS
        while app_kernels(server) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = app_kernels(server)
        assert not left, (
            f"{len(left)} of {VISITS} kernels still run {deadline - closed:.0f} s after their pages "
            f"closed:\n{log.read_text(errors='replace')[-3000:]}"
        )
        print(
            f"the {VISITS} kernels ended {time.monotonic() - closed:.1f} s after their pages closed "
            f"(culled after {TEST_CULL_IDLE_SECONDS} s idle, checked every {TEST_CULL_INTERVAL_SECONDS} s)"
        )
