"""Chapter 12's recording of sampling: DDIM's steps against time and quality, DDPM's full chain, and the diffusion
model beside the VAE, the DCGAN and the StyleGAN in seconds to train and to sample.

Sampler rows: the shipped denoiser (`load_pretrained("diffusion")`) sampled with DDIM (η = 0) at each of `--steps`
step counts, and with DDPM's every one of the T = 1,000 steps, from the same starting noise (seed 0). Each row holds
the wall seconds to sample 64 images (a chapter's figure) and the row's N = `--n` images, both warm (the network
compiled for their batches before the clock starts), and `evaluate_generated`'s figures for those N images (FD, KID,
precision, recall, classes covered, class entropy), beside the real-vs-real floor at the same N. FD is biased at
small N: compare the rows with each other, not with the README's quality table (10,000 images per seed).

Model rows: the shipped VAE, DCGAN, StyleGAN and diffusion model. Training's wall and CPU seconds come from each
manifest: `settings.train_seconds_total` and `settings.cpu_seconds_total` where the training recorded them (a
resumed training sums its sessions there), else the manifest's `train_seconds`, and no CPU seconds (null). Sampling:
the wall seconds to make 2,000 images with the model's default sampler (`shipped_generators`: codings → decoder or
generator; 50 DDIM steps for the diffusion model), after a warm-up.

Cost: the U-Net runs about 1,200 image-steps a second on 2 free cores. DDPM's row is (64 + N) × 1,000 image-steps
(N = 1,000: about 15 minutes), DDIM's rows (64 + N) × 180 for the default steps, and the diffusion model's 2,000
images 100,000 more: about 20 minutes in all at the default N. `--quick` (N = 64, DDIM at 10 and 50 steps) takes a
few minutes, for a look or a test; its recording says so (`settings.quick`).

    nohup nice -n 10 python -m autoaegan.recordings make diffusion_sampling > diffusion_sampling.log 2>&1 &
    python -m autoaegan.recordings make diffusion_sampling --quick --output /tmp/diffusion_sampling
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from pathlib import Path

import keras

from autoaegan.arguments import positive_int
from autoaegan.experiments.cached_runs import write_summary
from autoaegan.experiments.shipped_generators import DiffusionImages, MakeImages, shipped_generator
from autoaegan.metrics.evaluation import DEFAULT_SEED, evaluate_generated
from autoaegan.models.diffusion import NoiseSchedule
from autoaegan.pretrained import Manifest, load_pretrained, read_manifest
from autoaegan.recordings import RECORDINGS_DIR
from autoaegan.recordings.measurement import machine, now

NAME = "diffusion_sampling"
DDIM_STEP_COUNTS = (10, 20, 50, 100)
N = 1_000  # DDPM's 1,000 steps for N images dominate the cost: see above
QUICK_N, QUICK_STEPS = 64, (10, 50)
FIGURE_IMAGES = 64  # the images of a chapter's figure
COMPARED_IMAGES = 2_000  # the images each model of the comparison samples (the rows' `sample_seconds_2000`)
COMPARED_MODELS = ("variational_autoencoder", "dcgan", "stylegan", "diffusion")
SAMPLE_SEED = 0


def timed(make_images: MakeImages, seed: int, n: int):
    """`make_images(seed, n)` and the wall seconds it took."""
    started = time.perf_counter()
    images = make_images(seed, n)
    return images, time.perf_counter() - started


def warm_up(make_images: MakeImages, n: int) -> None:
    """Compile a diffusion sampler for the batches of `n` images; make a first small batch with any other model."""
    if isinstance(make_images, DiffusionImages):
        make_images.warm_up(n)
    else:
        make_images(SAMPLE_SEED, FIGURE_IMAGES)


def sampler_row(make_images: DiffusionImages, *, n: int, seed: int = SAMPLE_SEED):
    """One sampler's row (its seconds for 64 and for `n` images, the figures of the `n`), and the floor at `n`."""
    make_images.warm_up(FIGURE_IMAGES)
    images, seconds_64 = timed(make_images, seed, FIGURE_IMAGES)
    seconds_n = seconds_64
    if n != FIGURE_IMAGES:  # at n = 64 the timed images are the scored ones
        make_images.warm_up(n)
        images, seconds_n = timed(make_images, seed, n)
    sampler, steps = make_images.sampler, make_images.steps or make_images.schedule.steps
    report = evaluate_generated(images, name=f"{sampler} {steps} steps", n=n)
    print(f"{sampler} {steps} steps: {seconds_64:.1f} s for 64, {seconds_n:.1f} s for {n}; {report.scores}", flush=True)
    # DDPM's step is DDIM's with η = 1 between consecutive steps (`autoaegan.models.diffusion.ddim_step`).
    row = {
        "sampler": sampler,
        "steps": int(steps),
        "eta": 1.0 if sampler == "ddpm" else float(make_images.eta),
        "seconds_64": round(seconds_64, 3),
        "seconds_n": round(seconds_n, 3),
        **report.scores.headline(),
    }
    return row, report.floor.headline()


def training_seconds(manifest: Manifest) -> tuple[float, float | None]:
    """A shipped model's whole training in wall and CPU seconds, as its manifest records them (CPU: None if not)."""
    settings = manifest.settings
    return float(settings.get("train_seconds_total", manifest.train_seconds)), settings.get("cpu_seconds_total")


def model_row(name: str, make_images: MakeImages | None = None, *, seed: int = SAMPLE_SEED) -> dict:
    """The model `name`'s training seconds (its manifest) and its seconds to sample 2,000 images now.

    `make_images` (default: the shipped model's default sampler) stands for the model when given.
    """
    entry = shipped_generator(name)
    train_seconds, train_cpu_seconds = training_seconds(read_manifest(name))
    make_images = entry.load() if make_images is None else make_images
    warm_up(make_images, COMPARED_IMAGES)
    _, seconds = timed(make_images, seed, COMPARED_IMAGES)
    print(f"{entry.label}: {seconds:.1f} s for {COMPARED_IMAGES:,} images", flush=True)
    return {
        "pretrained": name,
        "label": entry.label,
        "chapter": entry.chapter,
        "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu_seconds,
        "sample_seconds_2000": round(seconds, 3),
    }


def measure(
    denoiser: keras.Model,
    *,
    weights: dict,
    n: int = N,
    ddim_steps: Sequence[int] = DDIM_STEP_COUNTS,
    models: Sequence[str] = COMPARED_MODELS,
    schedule: NoiseSchedule | None = None,
    jit_compile: bool = True,
    seed: int = SAMPLE_SEED,
) -> dict:
    """Every sampler row and model row for `denoiser` (its `weights`: epochs and SHA-256); the recording's figures.

    The diffusion model's row in `models` samples with `denoiser`; `schedule` defaults to the training's.
    """
    n = positive_int(n, "n")
    if not ddim_steps:
        raise ValueError("ddim_steps must hold at least one step count, got none")
    options = {"schedule": schedule, "jit_compile": jit_compile}
    samplers = [DiffusionImages(denoiser, steps=positive_int(s, "a DDIM step count"), **options) for s in ddim_steps]
    samplers.append(DiffusionImages(denoiser, sampler="ddpm", steps=None, **options))
    rows, floor = [], None
    for make_images in samplers:
        row, floor = sampler_row(make_images, n=n, seed=seed)
        rows.append(row)
    diffusion = DiffusionImages(denoiser, **options)  # the default sampler: 50 DDIM steps
    return {
        "measured_at": now(),
        "machine": machine(sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None),
        "weights": weights,
        "n": n,
        "floor": floor,
        "samplers": rows,
        "models": [model_row(name, diffusion if name == "diffusion" else None, seed=seed) for name in models],
    }


def shipped_weights() -> dict:
    """The shipped diffusion weights that a recording measures: their epochs and SHA-256."""
    manifest = read_manifest("diffusion")
    return {"epochs": manifest.settings.get("epochs"), "sha256": manifest.sha256}


def main(argv: list[str] | None = None) -> int:
    """Command line: measure the shipped denoiser's samplers and the models, then write the recording."""
    parser = argparse.ArgumentParser(
        prog=f"python -m autoaegan.recordings make {NAME}", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--n", type=int, default=None, help=f"images per sampler row (default {N:,}; quick {QUICK_N})")
    parser.add_argument(
        "--steps",
        type=int,
        nargs="+",
        default=None,
        help=f"DDIM step counts (default {DDIM_STEP_COUNTS}; quick {QUICK_STEPS})",
    )
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_N}, DDIM at {QUICK_STEPS} steps: a look")
    parser.add_argument("--models", nargs="+", default=list(COMPARED_MODELS), help="the models compared")
    parser.add_argument("--output", type=Path, default=RECORDINGS_DIR, help="folder of the recording")
    args = parser.parse_args(argv)
    for name in args.models:
        shipped_generator(name)  # an unknown name fails before anything slow

    n = args.n or (QUICK_N if args.quick else N)
    steps = tuple(args.steps or (QUICK_STEPS if args.quick else DDIM_STEP_COUNTS))
    started = time.perf_counter()
    summary = measure(
        load_pretrained("diffusion"), weights=shipped_weights(), n=n, ddim_steps=steps, models=args.models
    )
    summary["settings"] = {
        "quick": args.quick,
        "sample_seed": SAMPLE_SEED,
        "metric_seed": DEFAULT_SEED,
        "ddim_steps": list(steps),
        "figure_images": FIGURE_IMAGES,
        "compared_images": COMPARED_IMAGES,
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_summary(args.output, NAME, summary)
    print(f"wrote the recording {NAME} into {args.output}", flush=True)
    return 0
