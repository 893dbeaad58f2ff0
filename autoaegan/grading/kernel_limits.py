"""Start a program under resource limits: how the kernels that grade students' notebooks are launched.

    python -m autoaegan.grading.kernel_limits --data BYTES --file-size BYTES -- COMMAND [ARGS...]

sets the limits with `setrlimit`, then replaces itself with COMMAND (`os.execvp`),
so the kernel keeps this process's id and the signals that interrupt or stop it
reach it directly. It imports nothing but the standard library, to start fast.

The memory limit is on the data segment (RLIMIT_DATA), not the address space
(RLIMIT_AS): TensorFlow reserves far more address space than it uses (about 2.7 GB
to train a small model, of which about 0.5 GB is data), while since Linux 4.7 the
data limit counts every private writable mapping, so an oversized NumPy or Python
allocation fails at once with a MemoryError that the test cell reports like any
other error.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys

GIB = 1024**3


def set_limits(data: int | None, file_size: int | None) -> None:
    """Lower this process's data-segment and file-size limits (bytes; None leaves one as it is)."""
    for limit, value in ((resource.RLIMIT_DATA, data), (resource.RLIMIT_FSIZE, file_size)):
        if value is not None:
            _, hard = resource.getrlimit(limit)
            # The hard limit only ever goes down: a kernel cannot raise its own limit again.
            hard = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(limit, (min(value, hard), hard))
    # No core files: a kernel that crashes must not fill the grader's disk.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str] | None = None) -> None:
    """Parse the limits and the command, set the limits, and exec the command."""
    parser = argparse.ArgumentParser(
        prog="python -m autoaegan.grading.kernel_limits", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", type=int, default=None, help="data-segment limit in bytes (RLIMIT_DATA)")
    parser.add_argument("--file-size", type=int, default=None, help="largest file the program may write, in bytes")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the program to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run: give it after --")
    set_limits(args.data, args.file_size)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
