"""The kernels autograding starts: the student's, limited and sandboxed, and the checker's, limited.

`LimitedKernelManager` starts each grading kernel under a data-segment limit
(`autoaegan.grading.kernel_limits`), so a memory hog gets a MemoryError, not the machine,
and in a bubblewrap sandbox (`autoaegan.grading.sandbox`) that shows it its own
folder and not the instructor's files, and gives it no network.
`CheckerKernelManager` starts the trusted kernel that runs the test cells
(`autoaegan.grading.checker`): under the same limits, outside the sandbox, since it
holds no code of the student's.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile

from jupyter_client.manager import AsyncKernelManager
from traitlets import Bool, Integer
from traitlets.config import Application

from autoaegan.grading import sandbox as grading_sandbox

GIB = 1024**3


class LimitedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run under resource limits (see `autoaegan.grading.kernel_limits`),
    each in a bubblewrap sandbox (see `autoaegan.grading.sandbox`)."""

    memory_limit = Integer(
        2 * GIB, help="Data-segment limit of a grading kernel, in bytes (RLIMIT_DATA); 0 for none."
    ).tag(config=True)
    file_size_limit = Integer(
        GIB, help="Largest file a grading kernel may write, in bytes (RLIMIT_FSIZE); 0 for none."
    ).tag(config=True)
    sandbox = Bool(
        True,
        help="Run each grading kernel in a bubblewrap sandbox that sees only its submission folder, the Python "
        "environment, the data and the system. False (or AUTOAEGAN_GRADING_SANDBOX=off) grades without it, with a "
        "warning; when it is True and no sandbox can start here, grading is refused.",
    ).tag(config=True)

    _runtime_dir: str | None = None

    def sandboxed(self) -> bool:
        """Whether kernels are sandboxed: False when given up explicitly; refuses when wanted but not possible."""
        return sandbox_wanted(self.sandbox, self.log)

    async def _async_pre_start_kernel(self, **kw):
        # The grading kernels open no network port: they talk over Unix sockets, in a folder of their own (bound into
        # the sandbox), beside the connection file. A restart keeps that folder.
        if self._runtime_dir is None:
            self._runtime_dir = os.path.realpath(tempfile.mkdtemp(prefix="autoaegan-kernel-"))
            self.transport = "ipc"
            self.cache_ports = False
            self.connection_file = os.path.join(self._runtime_dir, "kernel.json")
            self.ip = os.path.join(self._runtime_dir, "kernel")
        if self.sandboxed():
            # A signal would reach bwrap, not the kernel (it has a session of its own): interrupt by message.
            self.kernel_spec.interrupt_mode = "message"
        return await super()._async_pre_start_kernel(**kw)

    def format_kernel_cmd(self, extra_arguments=None):
        """The kernel's command, run through `python -m autoaegan.grading.kernel_limits` with the limits set, then
        bwrap."""
        cmd = super().format_kernel_cmd(extra_arguments)
        wrapper = [sys.executable, "-m", "autoaegan.grading.kernel_limits"]
        if self.memory_limit:
            wrapper += ["--data", str(self.memory_limit)]
        if self.file_size_limit:
            wrapper += ["--file-size", str(self.file_size_limit)]
        if self._runtime_dir is not None and self.sandboxed():
            workdir = (self._launch_args or {}).get("cwd") or os.getcwd()
            layout = grading_sandbox.layout_for(
                workdir, self._runtime_dir, extra_read_only=grading_sandbox.executable_prefixes(cmd[0])
            )
            cmd = grading_sandbox.bwrap_command(layout, cmd)
        return [*wrapper, "--", *cmd]

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart and self._runtime_dir is not None:
            shutil.rmtree(self._runtime_dir, ignore_errors=True)
            self._runtime_dir = None

    # AsyncKernelManager binds this name to the base class's function; nbclient calls it for a dead kernel.
    cleanup_resources = _async_cleanup_resources


_warned_unsandboxed = False


def sandbox_wanted(enabled: bool, log=None) -> bool:
    """Whether to sandbox grading kernels: False (with one warning) when given up by the trait or the environment;
    True when wanted and possible; `grading_sandbox.SandboxUnavailable` (one line) when wanted but impossible."""
    global _warned_unsandboxed
    if not enabled or grading_sandbox.disabled_by_environment():
        if not _warned_unsandboxed:
            _warned_unsandboxed = True
            (log or logging.getLogger(__name__)).warning(
                "grading WITHOUT the sandbox (LimitedKernelManager.sandbox or %s): the student's code can read "
                "every file this user can, solutions/ and the gradebook included, and reach the network",
                grading_sandbox.SWITCH,
            )
        return False
    reason = grading_sandbox.unavailable_reason()
    if reason is not None:
        raise grading_sandbox.SandboxUnavailable(grading_sandbox.refusal(reason))
    return True


def require_grading_sandbox(**_) -> None:
    """nbgrader's `pre_convert_hook` for autograde: refuse before the first submission when no sandbox can start.

    Reads `LimitedKernelManager.sandbox` from the running nbgrader application's configuration.
    """

    config = Application.instance().config if Application.initialized() else None
    LimitedKernelManager(config=config).sandboxed()


class CheckerKernelManager(LimitedKernelManager):
    """The kernel that runs the test cells: the grading kernels' limits, no sandbox (it runs no student code)."""

    def sandboxed(self) -> bool:
        """Never sandboxed: the checker reads the student kernel's connection file and holds trusted code only."""
        return False
