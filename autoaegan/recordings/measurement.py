"""What every recorded measurement carries: when it was made (`measured_at`) and on what machine.

Benchmarks (`benchmarks.harness`) and the experiments that make recordings write both the same way.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata


def now() -> str:
    """The time of a measurement, as results store it (`measured_at`): ISO 8601, UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def machine(cores: Sequence[int] | None = None, **extra) -> dict:
    """The machine and software the figures were measured on; `cores`: the CPUs the measured processes used."""
    facts = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow"),
        "keras": _version("keras"),
        "cpus": os.cpu_count(),
    }
    if cores is not None:
        facts["cores_used"] = len(cores)
    return {**facts, **extra}


def _version(name: str) -> str | None:
    # The installed distribution's version, read without importing it (TensorFlow takes seconds to import).
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
