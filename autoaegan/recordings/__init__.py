"""Recorded training runs that the chapters show without retraining them (JSON figures, NPZ sample images).

GAN trainings on a multi-threaded CPU do not repeat bit for bit, and some take
longer than a classroom has. The experiments that make these files say how
(`python -m autoaegan.recordings make NAME`, see `__main__.py`); a few are a
benchmark's results, kept here by `keep_recording`. The chapters read them with
`load_recording` and `load_recorded_samples`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

RECORDINGS_DIR = Path(__file__).resolve().parent
# The command that makes each recording: an experiment of the package, a training, or a benchmark of the repository
# (a benchmark measures the checkout, its chapters and its notebooks, so it stays outside the package).
MADE_BY = {
    "gan_fixes": "python -m autoaegan.recordings make gan_fixes",
    "gan_sweep": "python -m autoaegan.recordings make gan_sweep",
    "progressive_ablation": "python -m autoaegan.recordings make progressive_ablation",
    "diffusion_sampling": "python -m autoaegan.recordings make diffusion_sampling",
    "progan_growth": "python -m autoaegan.pretrained train progan --profile full",
    "chapter_benchmarks": "python -m benchmarks.run",
    "dcgan_quality": "python -m benchmarks.dcgan_quality",
    "dcgan_throughput": "python -m benchmarks.dcgan_throughput",
    "generative_quality": "python -m benchmarks.generative_quality",
    "time_to_quality": "python -m benchmarks.time_to_quality",
}


def _path(name: str, suffix: str) -> Path:
    path = RECORDINGS_DIR / f"{name}{suffix}"
    if not path.is_file():
        known = sorted({p.stem.removesuffix("_samples") for p in RECORDINGS_DIR.glob("*.json")})
        raise FileNotFoundError(
            f"no recording {path.name} in {RECORDINGS_DIR}; recordings: {', '.join(known) or 'none'}"
        )
    return path


def load_recording(name: str) -> dict:
    """The figures of the recording `name` (e.g. "gan_fixes"), as written by the command that made it (`MADE_BY`)."""
    return json.loads(_path(name, ".json").read_text())


def load_recorded_samples(name: str) -> dict[str, np.ndarray]:
    """The sample images of the recording `name`: uint8 arrays by key (see the recording's JSON for the keys)."""
    with np.load(_path(name, "_samples.npz")) as archive:
        return {key: archive[key] for key in archive.files}


def keep_recording(
    results_file: Path, default_file: Path, name: str | None = None, *, directory: Path = RECORDINGS_DIR
) -> Path | None:
    """Copy a benchmark's results file into the recordings, when it is the benchmark's default output.

    The benchmarks call this after writing `results_file`, so that the copy the
    chapters read (`load_recording(name)`) is always the figures last written to
    `default_file` (e.g. `benchmarks/results/time_to_quality.json`). A run written elsewhere
    (`--output /tmp/...`, a partial or trial run) leaves the recordings alone and
    returns None; otherwise the copy's path is returned. `name` defaults to the
    file's stem.
    """
    results_file, default_file = Path(results_file), Path(default_file)
    if results_file.resolve() != default_file.resolve():
        return None
    target = Path(directory) / f"{name or results_file.stem}.json"
    target.write_bytes(results_file.read_bytes())
    return target
