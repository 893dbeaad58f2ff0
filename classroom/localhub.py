"""A throwaway JupyterHub on 127.0.0.1 with the classroom's configuration, for the tests and the benchmark.

It loads classroom/jupyterhub_config.py (or a hub tree's copy of it) and swaps only the
authenticator (dummy: any password) and the spawner, besides the addresses (free
loopback ports) and the state files. The spawner is either the simple one (servers run
as this user, homes under the work folder) or, with `system_users`, LocalProcessSpawner:
the hub runs as root and each server as its Unix user, in that user's home, as a real
deployment's spawner does. Every process it starts (the hub, its proxy, the users'
servers) is stopped on exit.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "classroom"
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kill(processes: list[psutil.Process]) -> None:
    """Kill `processes` (those already gone are skipped) and wait for them, at most 10 s."""
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(processes, timeout=10)


class HubError(RuntimeError):
    """The hub did not start, or answered a request with an error."""


class LocalHub:
    """Start the classroom hub in `workdir`; use as a context manager. `instructors` get the instructor settings.

    With `system_users`, servers run as the Unix users of the same names (the hub must run
    as root), started with the `jupyterhub-singleuser` in `python_bin` (default: this
    Python's); `config` is the jupyterhub_config.py to load (default: the repository's),
    `exchange` nbgrader's exchange folder, `server_environment` more variables for the servers.
    """

    def __init__(
        self,
        workdir: Path,
        instructors: tuple[str, ...] = ("instructor",),
        start_timeout: float = 90,
        *,
        system_users: bool = False,
        config: Path | None = None,
        python_bin: Path | None = None,
        exchange: Path | None = None,
        server_environment: dict[str, str] | None = None,
    ):
        if system_users and os.geteuid() != 0:
            raise HubError("servers that run as their Unix users need a hub that runs as root")
        self.workdir = Path(workdir)
        self.instructors = instructors
        self.start_timeout = start_timeout
        self.system_users = system_users
        self.config_source = Path(config) if config else CLASSROOM / "jupyterhub_config.py"
        self.python_bin = Path(python_bin) if python_bin else VENV_BIN
        self.server_environment = dict(server_environment or {})
        self.token = secrets.token_hex(32)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.homes = self.workdir / "home"
        self.exchange = Path(exchange) if exchange else self.workdir / "exchange"
        self.process: subprocess.Popen | None = None
        self.log_path = self.workdir / "jupyterhub.log"

    # --- starting and stopping ---

    def config(self) -> str:
        """The test hub's configuration: the classroom's, with the authenticator and spawner swapped."""
        if self.system_users:
            # Each server runs as its user (setuid by the hub, which runs as root), in the user's home.
            spawner = 'c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"\n'
            environment = {
                "PATH": f"{self.python_bin}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
                **self.server_environment,
            }
            args = []
        else:
            spawner = (
                'c.JupyterHub.spawner_class = "simple"\n'
                f"c.SimpleLocalProcessSpawner.home_dir_template = {str(self.homes / '{username}')!r}\n"
            )
            environment = self.server_environment
            args = ["--allow-root"] if os.geteuid() == 0 else []  # single-user servers refuse root otherwise
        return f"""
load_subconfig({str(self.config_source)!r})
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
{spawner}c.Spawner.environment.update({environment!r})
c.Spawner.args = {args!r}
c.Spawner.ip = "127.0.0.1"
c.JupyterHub.bind_url = {self.url!r}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.JupyterHub.db_url = "sqlite:///{self.workdir / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(self.workdir / "cookie_secret")!r}
c.JupyterHub.pid_file = {str(self.workdir / "jupyterhub.pid")!r}
"""

    def __enter__(self) -> LocalHub:
        if shutil.which("configurable-http-proxy") is None:
            raise HubError(
                "configurable-http-proxy is not on PATH: install it with `npm install -g configurable-http-proxy`"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "jupyterhub_test_config.py"
        config.write_text(self.config())
        env = dict(
            os.environ,
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            AUTOAEGAN_EXCHANGE=str(self.exchange),
            AUTOAEGAN_INSTRUCTORS=",".join(self.instructors),
            AUTOAEGAN_HUB_ADMIN_TOKEN=self.token,
            AUTOAEGAN_SINGLEUSER=str(self.python_bin / "jupyterhub-singleuser"),
        )
        env.pop("AUTOAEGAN_COURSE_SOURCE", None)  # the course comes from the folder above the configuration's
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "jupyterhub"), "-f", str(config)],
            cwd=self.workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HubError(f"the hub exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/hub/api/")
                return self
            except (OSError, HubError):
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise HubError(f"the hub did not answer on {self.url} within {self.start_timeout:.0f} s:\n{self.log_tail()}")

    def processes(self) -> list[psutil.Process]:
        """The hub and every process it started (the proxy, the servers, their kernels)."""
        if self.process is None:
            return []
        try:
            hub = psutil.Process(self.process.pid)
            return [hub, *hub.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def __exit__(self, *exc) -> None:
        started = self.processes()  # noted first: the servers run in sessions of their own
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the hub stops its servers and its proxy on the way out
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        _, alive = psutil.wait_procs(started, timeout=10)
        kill(alive)
        if getattr(self, "log", None):
            self.log.close()

    def log_tail(self, characters: int = 4000) -> str:
        """The end of the hub's log."""
        return self.log_path.read_text(errors="replace")[-characters:] if self.log_path.exists() else ""

    # --- the REST API ---

    def request(self, method: str, path: str, body=None, timeout: float = 30) -> tuple[int, dict, bytes]:
        """One HTTP request to the hub's address with the admin service's token.

        Returns (status, headers in lower case, body).
        """
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"token {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def api(self, method: str, path: str, body=None, expect=(200, 201, 202, 204)):
        """A REST call that must succeed; returns its JSON (or None)."""
        status, _, content = self.request(method, path, body)
        if status not in expect:
            raise HubError(f"{method} {path} answered {status}: {content[:500]!r}")
        return json.loads(content) if content.strip() else None

    def create_user(self, name: str) -> dict:
        """Create a user (POST /hub/api/users/NAME)."""
        return self.api("POST", f"/hub/api/users/{name}")

    def start_server(self, name: str, timeout: float = 120) -> float:
        """Start `name`'s server and wait until the hub reports it ready; return the seconds it took."""
        started = time.perf_counter()
        self.api("POST", f"/hub/api/users/{name}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            server = self.api("GET", f"/hub/api/users/{name}").get("servers", {}).get("")
            if server and server.get("ready"):
                return time.perf_counter() - started
            time.sleep(0.25)
        raise HubError(f"{name}'s server was not ready within {timeout:.0f} s:\n{self.log_tail()}")

    def home(self, name: str) -> Path:
        """The user's home folder: the system's for system users, else the simple spawner's."""
        return Path(pwd.getpwnam(name).pw_dir) if self.system_users else self.homes / name

    # --- running code in a user's kernel, through the server's REST and websocket API ---

    def run_in_kernel(self, name: str, code: str, timeout: float = 120) -> dict:
        """Start a kernel on `name`'s server, run `code` in it, shut it down; returns its stdout, status and error."""
        kernel = self.api("POST", f"/user/{name}/api/kernels", {"name": "python3"})
        try:
            return asyncio.run(self._execute(name, kernel["id"], code, timeout))
        finally:
            self.api("DELETE", f"/user/{name}/api/kernels/{kernel['id']}")

    async def _execute(self, name: str, kernel_id: str, code: str, timeout: float) -> dict:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = f"ws://127.0.0.1:{self.port}/user/{name}/api/kernels/{kernel_id}/channels"
        connection = await websocket_connect(
            HTTPRequest(url, headers={"Authorization": f"token {self.token}"}, request_timeout=timeout)
        )
        msg_id = uuid.uuid4().hex
        message = {
            "header": {
                "msg_id": msg_id,
                "username": "test",
                "session": uuid.uuid4().hex,
                "msg_type": "execute_request",
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "channel": "shell",
            "buffers": [],
            "content": {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
        }
        await connection.write_message(json.dumps(message))
        result = {"stdout": "", "status": None, "error": None}
        idle = False
        deadline = time.monotonic() + timeout
        while (result["status"] is None or not idle) and time.monotonic() < deadline:
            raw = await asyncio.wait_for(connection.read_message(), timeout=max(1.0, deadline - time.monotonic()))
            if raw is None:
                raise HubError("the kernel's websocket closed")
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if kind == "stream" and content.get("name") == "stdout":
                result["stdout"] += content["text"]
            elif kind == "error":
                result["error"] = f"{content['ename']}: {content['evalue']}"
            elif kind == "execute_reply":
                result["status"] = content["status"]
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        connection.close()
        if result["status"] is None:
            raise HubError(f"no reply from the kernel within {timeout:.0f} s")
        return result
