"""Run a command on a few cores and measure its wall time and the peak resident memory of its processes.

The memory is sampled with psutil while the command runs, and each process's
high-water mark (`VmHWM` in `/proc/PID/status`, Linux) is read as well, so a
short peak between two samples is not missed for a single process.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class SampledRun:
    """What `run_sampled` measured: exit code, wall time, peak RSS, and the command's output."""

    returncode: int
    wall_seconds: float
    peak_rss_bytes: int
    stdout: str
    stderr: str
    timed_out: bool = False


def pick_cores(count: int | None) -> list[int] | None:
    """The first `count` CPUs this process may use, or None where CPU affinity cannot be set (or count is None)."""
    if count is None or not hasattr(os, "sched_setaffinity"):
        return None
    if count < 1:
        raise ValueError(f"the number of cores must be at least 1, got {count}")
    return sorted(os.sched_getaffinity(0))[:count]


def high_water_mark(pid: int) -> int:
    """The peak RSS of a running process in bytes, from Linux's `VmHWM`; 0 where it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _tree(root: psutil.Process, descendants_only: bool) -> list[psutil.Process]:
    try:
        children = root.children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return children if descendants_only else [root, *children]


def _kill_tree(root: psutil.Process) -> None:
    for process in reversed(_tree(root, descendants_only=False)):
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def run_sampled(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike | None = None,
    cores: list[int] | None = None,
    descendants_only: bool = False,
    interval: float = 0.1,
    timeout: float | None = None,
) -> SampledRun:
    """Run `command`, pinned to `cores`, and return its wall time and the peak RSS of its process tree.

    With `descendants_only=True` the command's own process is left out: used for a
    notebook runner, whose kernel (a child process) is what a learner's server runs.
    The peak is the largest sum of RSS over the sampled processes at one moment, or
    the largest single high-water mark if that is higher. A command still running
    after `timeout` seconds is killed with its children.
    """
    preexec = (lambda: os.sched_setaffinity(0, cores)) if cores else None
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err, text=True, preexec_fn=preexec)
        root = psutil.Process(process.pid)
        sampled_peak = largest_mark = 0
        timed_out = False
        while process.poll() is None:
            total = 0
            for member in _tree(root, descendants_only):
                try:
                    total += member.memory_info().rss
                    largest_mark = max(largest_mark, high_water_mark(member.pid))
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            sampled_peak = max(sampled_peak, total)
            if timeout is not None and time.perf_counter() - start > timeout:
                timed_out = True
                _kill_tree(root)
            time.sleep(interval)
        process.wait()
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return SampledRun(process.returncode, wall, max(sampled_peak, largest_mark), out.read(), err.read(), timed_out)
