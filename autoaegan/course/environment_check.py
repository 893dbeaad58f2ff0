"""Check that this machine can run the course, and say what to do about anything that is missing.

`check_environment()` returns one `Check` per topic (Python, TensorFlow and Keras,
CPU or GPU, CPUs, memory, run profile, data, widgets, plotly). Each check has a
level: "ok", "warning" (the course runs, but slower or with less) or "failed"
(a chapter will not run), and a failed or warning check says what to do. The
report shows as a table in a notebook and as plain text elsewhere.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import psutil

from autoaegan.data import fashion_mnist
from autoaegan.profiles import UnknownProfileError, get_profile

OK = "ok"
WARNING = "warning"
FAILED = "failed"
LEVELS = (OK, WARNING, FAILED)

GIB = 1024**3
CLASSROOM_MEMORY_BYTES = int(1.5 * GIB)  # what one chapter may use in the classroom profile
CLASSROOM_CPUS = 2  # the classroom profile's timings assume two CPUs
# The Pythons the course is tested with: pyproject.toml's requires-python (tests/test_python_versions.py).
SUPPORTED_PYTHONS = ((3, 11), (3, 12), (3, 13))

INSTALL_ADVICE = "In the course folder, run `pip install -e .` (or `make course`), then restart the kernel."
PROFILE_ADVICE = (
    "Set AUTOAEGAN_PROFILE to test, classroom or full before starting Jupyter "
    "(e.g. `AUTOAEGAN_PROFILE=classroom make course`), or run `%env AUTOAEGAN_PROFILE=classroom` "
    "at the top of a chapter, before its setup cell; leave it unset for classroom."
)

# Where the kernel finds cgroup files: a JupyterHub server's limits live there.
CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_SELF_CGROUP = Path("/proc/self/cgroup")
# cgroup v1 writes "no limit" as a huge number near 2**63 rather than "max".
_UNLIMITED_V1 = 2**60

# TensorFlow is probed in a child process: its import costs about 700 MB and five
# seconds that the kernel of chapter 00 would otherwise keep, and a broken install
# that crashes on import should fail the check, not the kernel.
_TENSORFLOW_PROBE = """
import json, os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf
import keras
print(json.dumps({
    "tensorflow": tf.__version__,
    "keras": keras.__version__,
    "gpus": [device.name for device in tf.config.list_physical_devices("GPU")],
}))
"""


@dataclass(frozen=True)
class Check:
    """The outcome of one check: its name, level ("ok", "warning" or "failed"), what was found and what to do."""

    name: str
    level: str
    detail: str
    advice: str = ""

    def __post_init__(self):
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {self.level!r}")

    @property
    def ok(self) -> bool:
        """True unless the check failed (a warning still lets the course run)."""
        return self.level != FAILED


_SYMBOLS = {OK: "✔", WARNING: "⚠", FAILED: "✘"}
# Okabe-Ito colours, and a word and a symbol besides, so the level never rests on colour alone.
_COLOURS = {OK: "#009E73", WARNING: "#E69F00", FAILED: "#D55E00"}


class EnvironmentReport(list):
    """A list of `Check`s that shows as a table: HTML in a notebook, plain text with `print`."""

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return all(check.ok for check in self)

    def summary(self) -> str:
        """One line: all good, or how many checks failed or warn."""
        failed = sum(check.level == FAILED for check in self)
        warnings = sum(check.level == WARNING for check in self)
        if not failed and not warnings:
            return "All checks passed: you are ready to start."
        parts = [f"{count} {word}" for count, word in ((failed, "failed"), (warnings, "warning(s)")) if count]
        return f"{', '.join(parts)}: see 'What to do'."

    def __str__(self) -> str:
        lines = [self.summary()]
        for check in self:
            lines.append(f"[{check.level:^7}] {check.name}: {check.detail}")
            if check.advice:
                lines.append(f"          what to do: {check.advice}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer, cycle) -> None:
        # IPython's plain-text view (a terminal, or text/plain next to the HTML table): the text table.
        printer.text(str(self))

    def _repr_html_(self) -> str:
        cell = 'style="text-align:left; vertical-align:top; white-space:pre-wrap; padding:4px 8px"'
        rows = []
        for check in self:
            colour = _COLOURS[check.level]
            rows.append(
                "<tr>"
                f'<td {cell}><span style="color:{colour}; font-weight:bold">'
                f"{_SYMBOLS[check.level]} {check.level}</span></td>"
                f"<td {cell}><b>{html.escape(check.name)}</b></td>"
                f"<td {cell}>{html.escape(check.detail)}</td>"
                f"<td {cell}>{html.escape(check.advice)}</td>"
                "</tr>"
            )
        header = "".join(f"<th {cell}>{title}</th>" for title in ("Status", "Check", "Found", "What to do"))
        return (
            f"<p><b>{html.escape(self.summary())}</b></p>"
            f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )


def package_version(name: str) -> str | None:
    """The installed version of a distribution (e.g. "keras"), or None when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _major(version: str) -> int:
    return int(version.split(".")[0])


def check_python(version: tuple[int, int, int] | None = None) -> Check:
    """Python 3.11, 3.12 or 3.13, the versions the course is tested with; `version` defaults to this one's."""
    found = tuple(version or sys.version_info[:3])
    detail = f"Python {'.'.join(map(str, found))} ({sys.executable})"
    if found[:2] in SUPPORTED_PYTHONS:
        return Check("Python", OK, detail)
    names = [".".join(map(str, supported)) for supported in SUPPORTED_PYTHONS]
    expected = ", ".join(names[:-1]) + " or " + names[-1]
    return Check(
        "Python",
        WARNING,
        detail + f"; the course is tested with Python {expected}",
        f"Create the course's environment with Python {expected} (`make course PYTHON=/path/to/python{names[-1]}`), "
        "then select its kernel.",
    )


def probe_tensorflow(timeout: float = 180) -> dict:
    """Import TensorFlow and Keras in a child process; return their versions and GPU names, or an "error"."""
    try:
        completed = subprocess.run(
            [sys.executable, "-c", _TENSORFLOW_PROBE], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"importing TensorFlow took more than {timeout:.0f} s"}
    if completed.returncode != 0:
        last_lines = "\n".join(completed.stderr.strip().splitlines()[-3:])
        return {"error": f"importing TensorFlow failed (exit code {completed.returncode}): {last_lines}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def check_tensorflow(probe: dict) -> Check:
    """TensorFlow imports, with Keras 3 (Keras 2 runs none of the course's models)."""
    if "error" in probe:
        return Check("TensorFlow and Keras", FAILED, probe["error"], INSTALL_ADVICE)
    detail = f"TensorFlow {probe['tensorflow']}, Keras {probe['keras']}"
    if _major(probe["keras"]) != 3:
        return Check(
            "TensorFlow and Keras",
            FAILED,
            detail + "; the course needs Keras 3",
            INSTALL_ADVICE + " If an old `tf-keras` or TF_USE_LEGACY_KERAS=1 forces Keras 2, remove it.",
        )
    return Check("TensorFlow and Keras", OK, detail)


def check_device(probe: dict) -> Check:
    """CPU or GPU: either is fine, the course is sized for CPUs."""
    if "error" in probe:
        return Check("CPU or GPU", FAILED, "unknown: TensorFlow did not import", INSTALL_ADVICE)
    if probe["gpus"]:
        return Check("CPU or GPU", OK, f"GPU: {', '.join(probe['gpus'])}")
    return Check("CPU or GPU", OK, "CPU only: the course is designed for CPUs (a GPU only speeds up the full profile)")


def _own_cgroup_dirs() -> list[Path]:
    """The cgroup v2 folder of this process and its ancestors up to the root, where limits may be set."""
    folders = []
    try:
        for line in PROC_SELF_CGROUP.read_text().splitlines():
            if line.startswith("0::"):
                relative = line[3:].strip().lstrip("/")
                folder = CGROUP_ROOT / relative if relative else CGROUP_ROOT
                while folder != CGROUP_ROOT and CGROUP_ROOT in folder.parents:
                    folders.append(folder)
                    folder = folder.parent
    except OSError:
        pass
    folders.append(CGROUP_ROOT)
    return folders


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def cgroup_memory_limit() -> int | None:
    """The tightest cgroup memory limit on this process in bytes (v2 `memory.max` or v1), or None when unlimited."""
    limits = []
    for folder in _own_cgroup_dirs():
        value = _read(folder / "memory.max")
        if value and value != "max":
            limits.append(int(value))
    value = _read(CGROUP_ROOT / "memory" / "memory.limit_in_bytes")
    if value and int(value) < _UNLIMITED_V1:
        limits.append(int(value))
    return min(limits) if limits else None


def cgroup_memory_usage() -> int | None:
    """Memory used in this process's cgroup (v2 `memory.current` or v1), in bytes, or None when not found."""
    for path in [folder / "memory.current" for folder in _own_cgroup_dirs()] + [
        CGROUP_ROOT / "memory" / "memory.usage_in_bytes"
    ]:
        value = _read(path)
        if value:
            return int(value)
    return None


def cgroup_cpu_limit() -> float | None:
    """The tightest cgroup CPU quota as a number of CPUs (v2 `cpu.max` or v1 CFS quota), or None when unlimited."""
    limits = []
    for folder in _own_cgroup_dirs():
        value = _read(folder / "cpu.max")
        if value and not value.startswith("max"):
            quota, period = value.split()
            limits.append(int(quota) / int(period))
    quota = _read(CGROUP_ROOT / "cpu" / "cpu.cfs_quota_us")
    period = _read(CGROUP_ROOT / "cpu" / "cpu.cfs_period_us")
    if quota and period and int(quota) > 0:
        limits.append(int(quota) / int(period))
    return min(limits) if limits else None


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def check_cpus() -> Check:
    """At least the two CPUs the classroom profile's timings assume (affinity and cgroup quota)."""
    cpus = usable_cpus()
    quota = cgroup_cpu_limit()
    usable = min(cpus, quota) if quota is not None else cpus
    detail = f"{cpus} CPU(s) usable" + (f", container quota {quota:g} CPU(s)" if quota is not None else "")
    if usable >= CLASSROOM_CPUS:
        return Check("CPUs", OK, detail)
    return Check(
        "CPUs",
        WARNING,
        detail + f"; the classroom profile's 5-minute chapters assume {CLASSROOM_CPUS}",
        "Expect slower chapters. Use the test profile to try things quickly, or ask for a server with 2 CPUs.",
    )


def physical_memory() -> tuple[int, int]:
    """Total and available memory of the machine in bytes, as psutil reports them."""
    memory = psutil.virtual_memory()
    return memory.total, memory.available


def check_memory() -> Check:
    """Enough memory for the classroom profile (1.5 GiB per chapter), counting a container's limit."""
    total, available = physical_memory()
    limit = cgroup_memory_limit()
    detail = f"machine: {total / GIB:.1f} GiB, {available / GIB:.1f} GiB available"
    if limit is not None and limit < total:
        usage = cgroup_memory_usage() or 0
        detail += f"; container limit: {limit / GIB:.1f} GiB, {max(limit - usage, 0) / GIB:.1f} GiB available"
        total, available = limit, min(available, max(limit - usage, 0))
    needed = f"{CLASSROOM_MEMORY_BYTES / GIB:.1f} GiB"
    if total < CLASSROOM_MEMORY_BYTES:
        return Check(
            "Memory",
            FAILED,
            detail + f"; the classroom profile needs {needed} per chapter",
            "Use the test profile on this machine (set AUTOAEGAN_PROFILE=test), "
            "or ask for a server with at least 2 GiB.",
        )
    if available < CLASSROOM_MEMORY_BYTES:
        return Check(
            "Memory",
            WARNING,
            detail + f"; a classroom chapter may need {needed}",
            "Shut down the kernels you no longer need (Kernel › Shut Down All Kernels), "
            "or use the test profile (set AUTOAEGAN_PROFILE=test).",
        )
    return Check("Memory", OK, detail)


def check_profile() -> Check:
    """The run profile that AUTOAEGAN_PROFILE selects exists."""

    try:
        return Check("Run profile", OK, str(get_profile()))
    except UnknownProfileError as error:
        return Check("Run profile", FAILED, str(error), PROFILE_ADVICE)


def check_data() -> Check:
    """Fashion-MNIST is on disk: where it was found, or where it was looked for and how to get it."""

    try:
        location = fashion_mnist.locate_fashion_mnist(download=False)
    except fashion_mnist.DataNotFoundError as error:
        how_to = getattr(fashion_mnist, "HOW_TO_GET_THE_DATA", "")
        # The check never downloads, so the loader's line about the download would mislead: say it here.
        looked = [line for line in str(error).replace(how_to, "").strip().splitlines() if "download" not in line]
        detail = "\n".join(looked)
        advice = (
            "Offline on Debian or Ubuntu: `sudo apt-get install dataset-fashion-mnist`. "
            'Online: run `python -c "import keras; keras.datasets.fashion_mnist.load_data()"` once. '
            "Or set AUTOAEGAN_DATA to a folder holding the four official files."
        )
        # Without a fixed place and with downloads allowed, the first chapter that needs the data fetches it.
        may_download = not os.environ.get("AUTOAEGAN_DATA") and not os.environ.get("AUTOAEGAN_NO_DOWNLOAD")
        if may_download:
            return Check(
                "Fashion-MNIST",
                WARNING,
                detail
                + "\nDownloads are allowed: the first chapter that needs the data will download it (about 30 MB).",
                "Nothing, if this machine can reach the internet. " + advice,
            )
        if os.environ.get("AUTOAEGAN_NO_DOWNLOAD"):
            detail += "\nDownloads are switched off (AUTOAEGAN_NO_DOWNLOAD is set)."
        return Check("Fashion-MNIST", FAILED, detail, advice)
    return Check("Fashion-MNIST", OK, f"found in {location.path} ({location.origin})")


def check_widgets() -> Check:
    """ipywidgets 8, and the JupyterLab extension that displays widgets."""
    version = package_version("ipywidgets")
    if version is None:
        return Check("Widgets", FAILED, "ipywidgets is not installed", INSTALL_ADVICE)
    if _major(version) != 8:
        return Check("Widgets", FAILED, f"ipywidgets {version}; the course needs ipywidgets 8", INSTALL_ADVICE)
    lab_widgets = package_version("jupyterlab_widgets")
    if lab_widgets is None:
        return Check(
            "Widgets",
            WARNING,
            f"ipywidgets {version}, but not jupyterlab_widgets: JupyterLab will not draw widgets",
            INSTALL_ADVICE,
        )
    return Check("Widgets", OK, f"ipywidgets {version}, jupyterlab_widgets {lab_widgets}")


def check_plotly() -> Check:
    """plotly 6 or later, with anywidget for the interactive figure widgets."""
    version = package_version("plotly")
    if version is None:
        return Check("Plotly", FAILED, "plotly is not installed", INSTALL_ADVICE)
    if _major(version) < 6:
        return Check("Plotly", FAILED, f"plotly {version}; the course needs plotly 6 or later", INSTALL_ADVICE)
    anywidget = package_version("anywidget")
    if anywidget is None:
        return Check(
            "Plotly",
            WARNING,
            f"plotly {version}, but not anywidget: interactive figures (FigureWidget) will not work",
            INSTALL_ADVICE,
        )
    return Check("Plotly", OK, f"plotly {version}, anywidget {anywidget}")


def _run_check(name: str, check: Callable[[], Check]) -> Check:
    # A check that breaks must not hide the others: it becomes a failed line of the report.
    try:
        return check()
    except Exception as error:
        return Check(
            name,
            FAILED,
            f"the check itself failed: {type(error).__name__}: {error}",
            "Please report this to your instructor, with this table.",
        )


def check_environment() -> EnvironmentReport:
    """Run every check and return the report (a list of `Check`s that displays as a table)."""
    probe: dict = {}

    def tensorflow() -> Check:
        probe.update(probe_tensorflow())
        return check_tensorflow(probe)

    checks = [
        ("Python", check_python),
        ("TensorFlow and Keras", tensorflow),
        ("CPU or GPU", lambda: check_device(probe)),
        ("CPUs", check_cpus),
        ("Memory", check_memory),
        ("Run profile", check_profile),
        ("Fashion-MNIST", check_data),
        ("Widgets", check_widgets),
        ("Plotly", check_plotly),
    ]
    return EnvironmentReport(_run_check(name, check) for name, check in checks)
