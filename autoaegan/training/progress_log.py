"""One line per event of a long training, time-stamped and flushed at once (a background run's log file)."""

from __future__ import annotations

import time


def log(message: str) -> None:
    """Print `message` after the time of day, flushed."""
    print(time.strftime("%H:%M:%S"), message, flush=True)
