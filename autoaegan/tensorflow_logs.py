"""Keep TensorFlow's C++ log lines out of a learner's output, without losing them.

TensorFlow's C++ runtime (absl logging, oneDNN, the CUDA probe, grappler) writes
straight to the process's file descriptor 2. In a Jupyter kernel that descriptor
is ipykernel's pipe, so the lines reach the notebook as red stderr before Python
could filter them, and `TF_CPP_MIN_LOG_LEVEL` does not remove them all. So
`quiet_tensorflow_logs()` puts a filter in front of descriptor 2: a thread reads
what is written there, moves the lines that are TensorFlow's log noise to a log
file, and passes everything else through unchanged.
"""

from __future__ import annotations

import atexit
import os
import re
import select
import tempfile
import threading
import time
from pathlib import Path

# An absl/glog line: severity letter, date, time (TensorFlow 2.21 writes 00:00:<epoch seconds>), thread id,
# source file:line, "] ". Fatal (F) lines are kept: they explain a crash.
_ABSL_LINE = re.compile(rb"^[IWE]\d{4} [\d:.]+\s+\d+ [\w./-]+:\d+\] ")
_NOISE_LINES = (
    re.compile(rb"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"),
    re.compile(rb"^To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags"),
    _ABSL_LINE,
)
# A line with no newline yet is held this long for the rest of it, then passed on.
_PARTIAL_LINE_WAIT_S = 0.05

_installed: _Filter | None = None


def is_tensorflow_noise(line: bytes | str) -> bool:
    """Whether `line` is one of TensorFlow's start-up or runtime log lines (absl, oneDNN, CUDA, grappler)."""
    if isinstance(line, str):
        line = line.encode()
    return any(pattern.match(line) for pattern in _NOISE_LINES)


def default_log_path() -> Path:
    """Where the removed lines go: `$AUTOAEGAN_TF_LOG`, or `autoaegan-tensorflow-<user>.log` in the temp folder."""
    configured = os.environ.get("AUTOAEGAN_TF_LOG")
    if configured:
        return Path(configured)
    return Path(tempfile.gettempdir()) / f"autoaegan-tensorflow-{os.getuid()}.log"


class _Filter:
    def __init__(self, fd: int, log_path: Path):
        self.fd = fd
        self.log_path = log_path
        self.passed = os.dup(fd)  # where stderr went before: ipykernel's pipe, or the terminal
        read_end, write_end = os.pipe()
        self.read_end = read_end
        os.dup2(write_end, fd)
        os.close(write_end)
        self.removed = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="autoaegan-tensorflow-logs", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        pending = b""
        while True:
            ready, _, _ = select.select([self.read_end], [], [], _PARTIAL_LINE_WAIT_S if pending else None)
            if not ready:  # a partial line that nothing completed: pass it on as it is
                self._forward(pending)
                pending = b""
                continue
            chunk = os.read(self.read_end, 65536)
            if not chunk:
                self._forward(pending)
                return
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                self._route(line + b"\n")

    def _route(self, line: bytes) -> None:
        if is_tensorflow_noise(line):
            with self._lock:
                self.removed += 1
                try:
                    with open(self.log_path, "ab") as log:
                        log.write(line)
                except OSError:
                    pass  # a log we cannot write must not break the learner's kernel
        else:
            self._forward(line)

    def _forward(self, data: bytes) -> None:
        while data:
            written = os.write(self.passed, data)
            data = data[written:]

    def flush(self) -> None:
        """Wait up to 0.2 s until what was written so far has been read for routing."""
        for _ in range(20):
            if not select.select([self.read_end], [], [], 0)[0]:
                break
            time.sleep(0.01)


def quiet_tensorflow_logs(log_path: Path | str | None = None) -> Path:
    """Filter TensorFlow's log lines out of this process's stderr; return the file they go to instead.

    Call it before TensorFlow is imported (the chapters' `setup_chapter()` does). Calling it again
    changes nothing. Every other line written to stderr passes through unchanged.
    """
    global _installed
    if _installed is None:
        _installed = _Filter(2, Path(log_path) if log_path else default_log_path())
        atexit.register(_installed.flush)
    return _installed.log_path


def removed_line_count() -> int:
    """How many log lines the filter has moved to its log file so far (0 when it is not installed)."""
    return _installed.removed if _installed else 0
