"""What every benchmark shares: its command line, the machine's facts, the results files and the one table renderer.

A benchmark runs as a module from the repository root (`python -m benchmarks.NAME`).
Its results go to `benchmarks/results/NAME.json` (every figure, the machine, and
`measured_at`, the one timestamp key) and `NAME.md` (the table the README shows,
copied there by `benchmarks.update_readme`). `--markdown` writes the table again from
the saved JSON without measuring anything. A benchmark whose figures a chapter reads
keeps its recording (`autoaegan.recordings`) equal to its default results file.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from autoaegan.profiles import PROFILES as PROFILE_SETTINGS
from autoaegan.recordings import keep_recording
from autoaegan.recordings.measurement import machine, now

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
# Scratch space of the chapter runs (executed notebooks): git-ignored. Checkpoints go to autoaegan.training.work_dir.
WORK = ROOT / "benchmarks" / "work"
PROFILES = tuple(PROFILE_SETTINGS)
ALIGNMENTS = {"l": "---", "r": "---:"}


def table(header: Sequence[str], rows: Iterable[Sequence], align: str) -> str:
    """A Markdown table: the `header`, then one line per row; `align` holds one letter per column, l(eft) or r(ight)."""
    if len(align) != len(header) or set(align) - set(ALIGNMENTS):
        raise ValueError(f"align must hold one of l, r per column ({len(header)} columns), got {align!r}")
    lines = [_row(header), _row(ALIGNMENTS[letter] for letter in align)]
    for row in rows:
        cells = [str(cell) for cell in row]
        if len(cells) != len(header):
            raise ValueError(f"a row of the table must have {len(header)} cells, got {len(cells)}: {cells}")
        lines.append(_row(cells))
    return "\n".join(lines)


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def write_json(path: Path, document: dict) -> None:
    """Write `document` to `path` as the results files are written (indented, UTF-8 kept), creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def read_json(path: Path) -> dict:
    """The document at `path`, with a clear error when there is none."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no results at {path}: run the benchmark first")
    return json.loads(path.read_text())


@dataclass(frozen=True)
class Benchmark:
    """A benchmark's results: `name`.json and `name`.md, the table made by `render`, and the recording it keeps."""

    name: str
    render: Callable[[dict], str]
    recording: str | None = None  # the recording a chapter reads, kept equal to the default results file

    def json_file(self, folder: Path = RESULTS) -> Path:
        """Where the figures go in `folder`."""
        return Path(folder) / f"{self.name}.json"

    def markdown_file(self, folder: Path = RESULTS) -> Path:
        """Where the table goes in `folder`."""
        return Path(folder) / f"{self.name}.md"

    def read(self, folder: Path = RESULTS) -> dict:
        """The saved figures."""
        return read_json(self.json_file(folder))

    def write(self, document: dict, folder: Path = RESULTS) -> str:
        """Write the figures and their table into `folder` and keep the recording; return the table.

        `measured_at` and `machine` are added when the document has none.
        """
        document.setdefault("measured_at", now())
        document.setdefault("machine", machine())
        write_json(self.json_file(folder), document)
        text = self.render(document)
        self.markdown_file(folder).write_text(text.rstrip("\n") + "\n")
        if self.recording:
            # Only the default output is the chapters' copy: a trial run elsewhere leaves the recording alone.
            keep_recording(self.json_file(folder), self.json_file(RESULTS), self.recording)
        return text


def command_line(description: str, *, profile: str | None = None, results: bool = True) -> argparse.ArgumentParser:
    """The command line every benchmark starts from; each adds its own options.

    `description`: the module's docstring (its first line is shown). With `profile`
    (the default profile), `--profile`; with `results`, `--output` (the folder of
    NAME.json and NAME.md, default `benchmarks/results`) and `--markdown` (only write
    the table again from the saved figures).
    """
    parser = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    if profile is not None:
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
        parser.add_argument("--profile", default=profile, choices=PROFILES, help=f"sizes to run (default {profile})")
    if results:
        parser.add_argument("--output", type=Path, default=RESULTS, help="folder of the results files")
        parser.add_argument("--markdown", action="store_true", help="only write the table from the saved results")
    return parser


def run(benchmark: Benchmark, arguments: argparse.Namespace, measure: Callable[[], dict]) -> dict:
    """Measure (or with `--markdown` read the saved figures), write the results into `--output`, print the table."""
    if arguments.markdown:
        document = benchmark.read(arguments.output)
        text = benchmark.render(document)
        benchmark.markdown_file(arguments.output).write_text(text.rstrip("\n") + "\n")
    else:
        document = measure()
        text = benchmark.write(document, arguments.output)
    print(text, flush=True)
    return document
