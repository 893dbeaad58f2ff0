"""What some tests need from the machine that `make test` cannot install, and the one rule for a missing one.

`make test` installs what needs no root itself: the Python packages into `.venv/` and JupyterHub's proxy,
configurable-http-proxy, with npm into `.tools/` (tests/conftest.py puts it on PATH). What comes from the system's
packages, which only root installs (Chromium, bubblewrap, npm), a test asks for with `@pytest.mark.needs(NAME)`, or
with `require(NAME)` in the fixture that uses it. Where the thing is missing, the test is skipped with one line that
says how to get it, and the run ends with that line once, with the count of tests it skipped. Under `CI=true` (set by
`.ci/run`, which installs all of them) the test fails instead: CI must run every test.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Where `make test` installs configurable-http-proxy (npm install --prefix .tools).
TOOLS_BIN = ROOT / ".tools" / "node_modules" / ".bin"
CHROMIUM = Path(os.environ.get("AUTOAEGAN_CHROMIUM", "/usr/bin/chromium"))


def _chromium() -> str | None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return f"Chromium is missing (no {CHROMIUM}; AUTOAEGAN_CHROMIUM may name another): sudo apt-get install chromium"


def _grading_sandbox() -> str | None:
    if shutil.which("bwrap") is None:
        return "bubblewrap is missing (the grading sandbox): sudo apt-get install bubblewrap"
    from autoaegan.grading import sandbox as grading_sandbox

    reason = grading_sandbox.unavailable_reason()
    return None if reason is None else f"the grading sandbox cannot start here: {reason}"


def _hub_proxy() -> str | None:
    if shutil.which("configurable-http-proxy") is not None:
        return None
    if shutil.which("npm") is None:
        return (
            "configurable-http-proxy is missing and make test cannot install it without npm: "
            "sudo apt-get install npm, then make test"
        )
    return "configurable-http-proxy is missing: make test installs it with npm into .tools/"


def _root() -> str | None:
    if os.geteuid() == 0:
        return None
    return "not root: the test creates Unix users (useradd); run it as root, as CI does (sudo make test)"


# Each need, and the function that says why it is missing (None when it is there).
NEEDS = {
    "chromium": _chromium,
    "bwrap": _grading_sandbox,
    "configurable-http-proxy": _hub_proxy,
    "root": _root,
}


@functools.cache
def missing(need: str) -> str | None:
    """Why `need` is missing on this machine, in one line with how to get it; None when it is there."""
    if need not in NEEDS:
        raise ValueError(f"unknown need {need!r}: expected one of {sorted(NEEDS)}")
    return NEEDS[need]()


def in_ci() -> bool:
    """Whether this run is CI's (CI=true), where every test must run."""
    return os.environ.get("CI", "").strip().lower() == "true"


def require(need: str) -> None:
    """Skip the calling test where `need` is missing, with one line saying how to get it; fail instead under CI=true."""
    reason = missing(need)
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this test must run, not be skipped)", pytrace=False)
    pytest.skip(reason)
