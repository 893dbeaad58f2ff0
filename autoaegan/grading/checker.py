"""The checker: the trusted kernel in which autograding runs a notebook's test cells.

The student's notebook runs in its own kernel, sandboxed (`autoaegan.grading.kernels`),
and never runs a test cell. Each test cell (an nbgrader cell with points and no
solution, as RestoreCells put it back: hidden tests included) runs instead in a
second kernel, the checker, started for the notebook with
`AUTOAEGAN_STUDENT_KERNEL` naming the student kernel's connection file. The test's
code reaches the student's functions and classes through
`autoaegan.grading.bridge.student`, with its inputs as plain data, gets plain data
back, and compares it here, against expected values that never leave this process.

The cell's outputs, as the checker printed them, are the cell's outputs in the
autograded notebook, so nbgrader grades them as usual. A checker that dies or
stops answering fails that cell only, and is started again for the next one.
"""

from __future__ import annotations

import os
import time
from queue import Empty

from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode

from autoaegan.grading.bridge import STUDENT_KERNEL_VARIABLE, TIMEOUT_VARIABLE
from autoaegan.grading.kernels import CheckerKernelManager

CHECKER_STOPPED = "CheckerStopped"  # the error name of a test cell whose checker died or hung
# Imported when the checker starts: the bridge then empties its handles before each cell (pre_run_cell).
STARTUP = "import autoaegan.grading.bridge"
# A test cell that trains the student's model (it calls `autoaegan.grading.training`) may take this long: the
# training's own limit (`autoaegan.grading.training.TRAINING_TIMEOUT`, 600 s) and a minute for the scoring.
TRAINING_CELL_TIMEOUT = 660
# A test cell that names this module trains the student's model (`is_training_cell`).
TRAINING_MODULE = "autoaegan.grading.training"


def is_test_cell(cell) -> bool:
    """Whether `cell` is an autograder test cell: a code cell with points that is not an answer cell."""
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(metadata.get("grade")) and not metadata.get("solution")


def error_output(ename: str, evalue: str) -> NotebookNode:
    """A notebook error output named `ename` with message `evalue`: what a cell that did not pass shows."""
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def is_training_cell(cell) -> bool:
    """Whether `cell` is a test cell that trains the student's model (its code uses `autoaegan.grading.training`)."""
    return is_test_cell(cell) and TRAINING_MODULE in "".join(cell.get("source", ""))


def cell_timeout(default: int):
    """A `timeout_func` for nbclient: `TRAINING_CELL_TIMEOUT` for a training cell, `default` seconds for any other."""

    def timeout(cell) -> int:
        return max(default, TRAINING_CELL_TIMEOUT) if is_training_cell(cell) else default

    return timeout


class TestCellRunner:
    """Runs test cells in a checker kernel that reaches the student's kernel by its connection file."""

    __test__ = False  # not a pytest class

    def __init__(
        self,
        nb,
        *,
        student_connection_file: str,
        timeout: int,
        config=None,
        log=None,
        error_on_timeout: dict | None = None,
    ):
        self.nb = nb
        self.student_connection_file = student_connection_file
        self.timeout = timeout
        self.config = config
        self.log = log
        self.error_on_timeout = error_on_timeout
        self.client: NotebookClient | None = None

    def _start(self) -> NotebookClient:
        manager = CheckerKernelManager(kernel_name="python3", config=self.config)
        client = NotebookClient(
            self.nb,
            km=manager,
            timeout=self.timeout,
            timeout_func=cell_timeout(self.timeout),
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout=self.error_on_timeout,
            record_timing=False,
            kernel_name="python3",
        )
        env = {
            **os.environ,
            STUDENT_KERNEL_VARIABLE: self.student_connection_file,
            # One call into the student's code may take nearly the whole cell's time limit, not more.
            TIMEOUT_VARIABLE: str(max(5, self.timeout - 5)),
        }
        client.extra_arguments = [f"--IPKernelApp.exec_lines={STARTUP}"]
        client.start_new_kernel(env=env)
        client.start_new_kernel_client()
        self.client = client
        return client

    def run(self, cell, index: int) -> None:
        """Run the test cell `cell` in the checker; its outputs and errors go to the cell, never raises."""
        cell.outputs = []
        try:
            client = self.client or self._start()
            client.execute_cell(cell, index, store_history=True)
        except (DeadKernelError, CellTimeoutError) as error:
            reason = "died" if isinstance(error, DeadKernelError) else "stopped answering"
            cell.outputs.append(error_output(CHECKER_STOPPED, f"the grader's checker {reason} while running this test"))
            self.close()
        except Exception as error:  # the checker could not start: the cell fails, grading goes on
            cell.outputs.append(
                error_output(CHECKER_STOPPED, f"the grader's checker failed: {type(error).__name__}: {error}")
            )
            self.close()

    def close(self) -> None:
        """Stop the checker kernel, if it runs."""
        if self.client is not None:
            client, self.client = self.client, None
            try:
                client._cleanup_kernel()
            except Exception as error:  # already gone
                if self.log is not None:
                    self.log.debug("checker cleanup: %s", error)


async def _reply(client, msg_id: str, timeout: float) -> dict | None:
    """The shell reply to `msg_id` within `timeout` seconds, or None."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await ensure_async(client.shell_channel.get_msg(timeout=left))
        except (TimeoutError, Empty):
            return None
        if message.get("parent_header", {}).get("msg_id") == msg_id:
            return message
    return None


async def _drain(channel) -> int:
    count = 0
    while True:
        try:
            await ensure_async(channel.get_msg(timeout=0.05))
        except (TimeoutError, Empty):
            return count
        count += 1


def discard_test_messages(client) -> int:
    """Read and drop what the student's kernel published while the checker called it; returns how many messages.

    Every request publishes its status (and what the student's code printed) on the kernel's IOPub
    channel, which nobody reads during a test cell: past ZeroMQ's queue limit (1,000 messages), the next
    student cell's own messages would be dropped and the cell would seem to hang.
    """
    return run_sync(_drain)(client.iopub_channel)


async def _answers(client, timeout: float) -> bool:
    return await _reply(client, client.kernel_info(), timeout) is not None


def student_kernel_problem(manager, client, timeout: float = 5.0) -> str | None:
    """None when the student's kernel is alive and answers within `timeout` s; else what is wrong with it."""
    if not run_sync(ensure_async)(manager.is_alive()):
        return "died"
    if not run_sync(_answers)(client, timeout):
        return "stopped answering"
    return None


def recover_student_kernel(manager, client, sources: list[str], timeout: float) -> str:
    """Bring the student's kernel back: interrupt it, or restart it and run `sources` (its cells so far) again.

    Returns what was done, starting with "interrupted" or "restarted" when the kernel answers again.
    """
    if run_sync(ensure_async)(manager.is_alive()):
        run_sync(ensure_async)(manager.interrupt_kernel())
        if run_sync(_answers)(client, 10.0):
            return "interrupted, and grading went on"
    try:
        run_sync(ensure_async)(manager.restart_kernel(now=True))
        run_sync(ensure_async)(client.wait_for_ready(timeout=120))
    except Exception as error:  # the kernel cannot start again: the caller stops here
        return f"could not be restarted ({type(error).__name__}: {error})"
    for number, source in enumerate(sources, 1):
        msg_id = client.execute(source, silent=True, store_history=False, allow_stdin=False)
        reply = run_sync(_reply)(client, msg_id, timeout)
        if reply is None:
            return f"restarted, but its cell {number} did not run again within {timeout} s"
    return f"restarted, and its {len(sources)} cells so far run again"
