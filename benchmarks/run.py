"""Measure the course: the Fashion-MNIST loader, and each chapter's wall time and peak memory.

Usage, from the repository root, with the course's environment:

    python -m benchmarks.run                       # every available chapter, classroom profile
    python -m benchmarks.run --profile test --notebooks 01 02
    python -m benchmarks.run --output /tmp/bench   # chapters.json and chapters.md go there
    python -m benchmarks.run --notebooks 07 --update  # re-measure chapter 07, keep the other rows

Each measurement runs in a fresh process pinned to two cores (`--cores`), with
`AUTOAEGAN_NO_DOWNLOAD=1`. A chapter is executed by nbclient in a child process,
and the peak RSS reported is that of the notebook's *kernel* (with any process it
starts), the process a learner's server runs. The chapters are compared with the
classroom targets: at most 300 s and 1.5 GiB. The runner prints one Markdown table
and writes `results/chapters.json` and `results/chapters.md`; executed copies of the notebooks go to
`benchmarks/work/` (git-ignored). It exits with 1 when a measurement failed or
went over a target.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from autoaegan.course.chapters import APPENDICES, available_chapters, get_chapter
from benchmarks import harness
from benchmarks.process_memory import pick_cores, run_sampled

COURSE = harness.ROOT / "course"
WORK = harness.WORK
NOTEBOOK_RUNNER = Path(__file__).resolve().parent / "notebook_runner.py"

MIB = 1024**2
GIB = 1024**3
# The classroom promise: each chapter within 5 minutes and 1.5 GiB on a 2-CPU server.
TARGETS = {"classroom": {"seconds": 300.0, "bytes": int(1.5 * GIB)}}
COLUMNS = ("Benchmark", "Profile", "Wall time (s)", "Peak RSS (MiB)", "Target", "Result")

# Runs in a fresh interpreter: the time of the load alone, and the process's own peak RSS.
_LOADER_SCRIPT = """
import json, resource, time
from autoaegan.data.fashion_mnist import load_fashion_mnist
start = time.perf_counter()
try:
    data = load_fashion_mnist()
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {str(error).splitlines()[0]}"}))
    raise SystemExit(1)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
print(json.dumps({"seconds": seconds, "peak_rss_bytes": peak, "source": str(data.source.path)}))
"""


@dataclass(frozen=True)
class Measurement:
    """One row of the results: what was measured, under which profile, how long, how much memory, and any error."""

    name: str
    kind: str  # "loader" or "notebook"
    profile: str | None
    wall_seconds: float
    peak_rss_bytes: int
    target_seconds: float | None = None
    target_bytes: int | None = None
    error: str | None = None
    measured_at: str | None = None  # ISO date and time, UTC

    @property
    def verdict(self) -> str:
        """ "error", "pass", "over: time", "over: memory", "over: time, memory", or "—" without a target."""
        if self.error:
            return "error"
        if self.target_seconds is None or self.target_bytes is None:
            return "—"
        over = [
            what
            for what, exceeded in (
                ("time", self.wall_seconds > self.target_seconds),
                ("memory", self.peak_rss_bytes > self.target_bytes),
            )
            if exceeded
        ]
        return f"over: {', '.join(over)}" if over else "pass"


def benchmark_environment(profile: str | None = None) -> dict[str, str]:
    """The environment of every measured process: this one's, with the profile, no downloads, quiet TensorFlow."""
    env = dict(os.environ)
    env.update(AUTOAEGAN_NO_DOWNLOAD="1", TF_CPP_MIN_LOG_LEVEL="2")
    if profile is not None:
        env["AUTOAEGAN_PROFILE"] = profile
    return env


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def measure_loader(*, cores: list[int] | None = None, timeout: float = 600) -> Measurement:
    """Time `load_fashion_mnist()` in a fresh process and measure that process's peak RSS."""
    run = run_sampled(
        [sys.executable, "-c", _LOADER_SCRIPT],
        env=benchmark_environment(),
        cwd=harness.ROOT,
        cores=cores,
        timeout=timeout,
    )
    name = "Fashion-MNIST loader (`load_fashion_mnist()`)"
    try:
        reported = json.loads(_last_line(run.stdout))
    except json.JSONDecodeError:
        reported = {"error": "timed out" if run.timed_out else _last_line(run.stderr)}
    if run.returncode != 0 or "error" in reported:
        error = reported.get("error") or f"exit code {run.returncode}"
        return Measurement(
            name, "loader", None, run.wall_seconds, run.peak_rss_bytes, error=error, measured_at=harness.now()
        )
    return Measurement(
        name,
        "loader",
        None,
        reported["seconds"],
        max(run.peak_rss_bytes, reported["peak_rss_bytes"]),
        measured_at=harness.now(),
    )


def measure_notebook(
    path: Path,
    *,
    profile: str,
    work_dir: Path = WORK,
    cores: list[int] | None = None,
    cell_timeout: int = 600,
) -> Measurement:
    """Execute a notebook in the given profile and measure its wall time and its kernel's peak RSS.

    The executed copy is written to `work_dir/<profile>/`, never next to the notebook.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no notebook at {path}")
    target = TARGETS.get(profile, {})
    out_dir = Path(work_dir) / profile
    out_dir.mkdir(parents=True, exist_ok=True)
    executed, result = out_dir / path.name, out_dir / f"{path.stem}.result.json"
    result.unlink(missing_ok=True)
    run = run_sampled(
        [sys.executable, str(NOTEBOOK_RUNNER), str(path), str(executed), str(result), str(cell_timeout)],
        env=benchmark_environment(profile),
        cwd=path.parent,
        cores=cores,
        descendants_only=True,
    )
    if run.returncode != 0 or not result.is_file():
        seconds, error = run.wall_seconds, f"runner failed (exit code {run.returncode}): {_last_line(run.stderr)}"
    else:
        outcome = json.loads(result.read_text())
        seconds, error = outcome["seconds"], outcome["error"]
    return Measurement(
        path.name,
        "notebook",
        profile,
        seconds,
        run.peak_rss_bytes,
        target_seconds=target.get("seconds"),
        target_bytes=target.get("bytes"),
        error=error,
        measured_at=harness.now(),
    )


def _target_text(measurement: Measurement) -> str:
    if measurement.target_seconds is None or measurement.target_bytes is None:
        return "—"
    return f"≤ {measurement.target_seconds:.0f} s, ≤ {measurement.target_bytes / GIB:.1f} GiB"


def markdown_table(measurements: list[Measurement]) -> str:
    """The measurements as a Markdown table (the columns of `COLUMNS`), with any error under it."""
    rows = [
        (m.name, m.profile or "—", f"{m.wall_seconds:.1f}", f"{m.peak_rss_bytes / MIB:.0f}", _target_text(m), m.verdict)
        for m in measurements
    ]
    lines = [harness.table(COLUMNS, rows, align="llrrll")]
    errors = [f"- {m.name}: {m.error}" for m in measurements if m.error]
    if errors:
        lines += ["", "Errors:", *errors]
    return "\n".join(lines)


def measurements_of(document: dict) -> list[Measurement]:
    """The rows of a results document."""
    fields = set(Measurement.__dataclass_fields__)
    return [Measurement(**{k: v for k, v in row.items() if k in fields}) for row in document["results"]]


def render(document: dict) -> str:
    """The table of a results document, and the dates, machine and what the memory is."""
    measurements = measurements_of(document)
    measured_at, machine = document["measured_at"], document["machine"]
    first = min((m.measured_at for m in measurements if m.measured_at), default=measured_at)
    dates = first[:10] if first[:10] == measured_at[:10] else f"{first[:10]} to {measured_at[:10]}"
    note = (
        f"Measured {dates} on {machine['cores_used']} of {machine['cpus']} CPUs, Python {machine['python']}, "
        f"TensorFlow {machine['tensorflow']}. A chapter's peak RSS is its kernel's, with the processes the kernel "
        "starts. Shared machines make these figures noisy."
    )
    return markdown_table(measurements) + "\n\n" + note


# The chapters' figures; the appendix reads them as the recording "chapter_benchmarks".
BENCHMARK = harness.Benchmark("chapters", render, recording="chapter_benchmarks")


def read_results(output: Path) -> list[Measurement]:
    """The rows of the results in `output`, or none when there are none."""
    path = BENCHMARK.json_file(output)
    return measurements_of(harness.read_json(path)) if path.is_file() else []


def merge_results(previous: list[Measurement], measured: list[Measurement]) -> list[Measurement]:
    """`previous` with the rows of the same name replaced by `measured`, and new rows in chapter order."""
    by_name = {m.name: m for m in measured}
    merged = [by_name.pop(m.name, m) for m in previous]
    merged += by_name.values()
    # The loader first, then the chapters by file name (which starts with the chapter's number).
    return sorted(merged, key=lambda m: (m.kind != "loader", m.name))


def write_results(measurements: list[Measurement], output: Path, *, profile: str, cores: list[int] | None) -> str:
    """Write the figures (every row, with the machine) and their table into `output`; return the table."""
    document = {
        "measured_at": max((m.measured_at for m in measurements if m.measured_at), default=None) or harness.now(),
        "profile": profile,
        "machine": harness.machine(cores or range(os.cpu_count() or 1)),
        "targets": TARGETS,
        "results": [{**asdict(m), "verdict": m.verdict} for m in measurements],
    }
    return BENCHMARK.write(document, output)


def resolve_notebooks(names: list[str] | None) -> list[Path]:
    """Notebook paths from chapter numbers ("01"), file names in `course/`, or paths; every available chapter and
    appendix by default."""
    names = names or [chapter.notebook for chapter in available_chapters() + APPENDICES if chapter.available]
    paths = []
    for name in names:
        if name.isdigit():
            path = COURSE / get_chapter(int(name)).notebook
        elif Path(name).is_file():
            path = Path(name)
        else:
            path = COURSE / name
        paths.append(path.resolve())
    # Checked before anything runs, rather than after minutes of measuring the others.
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"no notebook at {', '.join(missing)}")
    return paths


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: the harness's (--profile, --output, --markdown), --notebooks, --cores, --cell-timeout,
    --work-dir, --no-loader, --update."""
    parser = harness.command_line(__doc__, profile="classroom")
    parser.add_argument(
        "--notebooks", nargs="*", help="chapter numbers, names in course/ or paths (default: all available)"
    )
    parser.add_argument("--cores", type=int, default=2, help="CPUs each measured process may use (default 2)")
    parser.add_argument("--cell-timeout", type=int, default=600, help="seconds one cell may run (default 600)")
    parser.add_argument("--work-dir", type=Path, default=WORK, help="folder for the executed copies")
    parser.add_argument("--no-loader", action="store_true", help="skip the Fashion-MNIST loader measurement")
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the other rows of the existing results (same profile) and replace these",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write the results; return 1 on an error or a missed target."""
    arguments = parse_arguments(argv)
    if arguments.markdown:  # only the table again, from the saved figures
        harness.run(BENCHMARK, arguments, dict)
        return 0
    cores = pick_cores(arguments.cores)
    notebooks = resolve_notebooks(arguments.notebooks)
    measurements = []
    if not arguments.no_loader:
        print("measuring the Fashion-MNIST loader", file=sys.stderr, flush=True)
        measurements.append(measure_loader(cores=cores))
    for path in notebooks:
        print(f"executing {path.name} ({arguments.profile} profile)", file=sys.stderr, flush=True)
        measurements.append(
            measure_notebook(
                path,
                profile=arguments.profile,
                work_dir=arguments.work_dir,
                cores=cores,
                cell_timeout=arguments.cell_timeout,
            )
        )
    if arguments.update:
        previous = read_results(arguments.output)
        if previous and any(m.profile not in (None, arguments.profile) for m in previous):
            raise SystemExit(
                f"--update: {BENCHMARK.json_file(arguments.output)} holds another profile's figures; "
                f"measure the {arguments.profile} profile into another --output"
            )
        measurements = merge_results(previous, measurements)
    write_results(measurements, arguments.output, profile=arguments.profile, cores=cores)
    print(markdown_table(measurements))
    return 1 if any(m.verdict == "error" or m.verdict.startswith("over") for m in measurements) else 0


if __name__ == "__main__":
    sys.exit(main())
