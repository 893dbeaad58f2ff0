"""Chapter 08's recording of the sensitivity sweep: Géron's dense GAN under a grid of learning rates.

"GANs are very sensitive to the hyperparameters" (the slides). This measures it on
a reduced profile: Géron's dense GAN and recipe (RMSprop, batches of 32, XLA),
with the discriminator's and the generator's learning rates each taken from
`--rates`, trained for `--epochs` epochs on Fashion-MNIST's 55,000 training images
with one seed. A `CoverageTracker` records the classes covered by 1,000 samples
every `--every` steps; after training, `evaluate_generated` measures N samples (FD,
precision, recall, class coverage) beside the real-vs-real floor at that N.

Finished cells are kept in the work folder (`autoaegan.training.work_dir`, under
`gan_sweep/`), so an interrupted sweep resumes. The summary becomes the recording
`gan_sweep.json`, which chapter 08 reads.

    nohup nice -n 19 python -m autoaegan.recordings make gan_sweep > gan_sweep.log 2>&1 &
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.experiments.cached_runs import earlier_result, save_result, write_summary
from autoaegan.metrics.evaluation import evaluate_generated
from autoaegan.models.dense_gan import GERON_RECIPE
from autoaegan.models.gan_fixes import build_gan_with_fix, train_gan
from autoaegan.profiles import Profile, get_profile
from autoaegan.recordings import RECORDINGS_DIR
from autoaegan.recordings.measurement import machine, now
from autoaegan.seeding import set_seed
from autoaegan.training.coverage_tracker import CoverageTracker
from autoaegan.training.fitting import TrainingDivergedError
from autoaegan.training.work_dir import work_dir

NAME = "gan_sweep"
RATES = (1e-4, 3e-4, 1e-3, 3e-3)
TRACKED_SAMPLES = 1_000
SAMPLE_SEED = 0


def run_cell(
    d_rate: float, g_rate: float, *, images, epochs: int, n: int, every: int, seed: int, work: Path, profile: Profile
) -> dict:
    """Train and measure the GAN at one pair of learning rates, or read an earlier, finished result."""
    settings = {
        "d_learning_rate": d_rate,
        "g_learning_rate": g_rate,
        "epochs": epochs,
        "n": n,
        "every": every,
        "seed": seed,
        "images": int(len(images)),
    }
    path = work / f"d{d_rate:g}_g{g_rate:g}_{seed}.json"
    earlier = earlier_result(path, settings)
    if earlier:
        print(f"D {d_rate:g}, G {g_rate:g}: done earlier", flush=True)
        return earlier
    set_seed(seed, profile=profile)
    gan = build_gan_with_fix("baseline", seed=seed)
    tracker = CoverageTracker(every=every, n=TRACKED_SAMPLES, seed=SAMPLE_SEED, keep=1)
    recipe = GERON_RECIPE.with_changes(d_learning_rate=d_rate, g_learning_rate=g_rate)
    started = time.perf_counter()
    diverged = None
    try:
        history = train_gan(
            gan, images, epochs=epochs, recipe=recipe, seed=seed, profile=profile, callbacks=[tracker], verbose=2
        )
    except TrainingDivergedError as error:
        diverged, history = str(error), {}
    seconds = time.perf_counter() - started - tracker.seconds
    report = evaluate_generated(gan.generate(n, seed=SAMPLE_SEED), name=f"D {d_rate:g}, G {g_rate:g}", n=n)
    print(report, flush=True)
    scores = report.scores
    coverage = tracker.as_dict()
    result = {
        "settings": settings,
        "diverged": diverged,
        "train_seconds": round(seconds, 1),
        "last_epoch": {name: values[-1] for name, values in history.items()},
        **scores.headline(),
        "coverage": {key: coverage[key] for key in ("steps", "covered", "entropy")},
        "floor": report.floor.as_dict(),
    }
    save_result(path, result)
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: train and measure each pair of rates, then write the recording."""
    parser = argparse.ArgumentParser(
        prog=f"python -m autoaegan.recordings make {NAME}", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rates", type=float, nargs="+", default=list(RATES))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=2_000, help="samples that evaluate_generated measures")
    parser.add_argument("--every", type=int, default=512, help="steps between coverage records (a multiple of 32)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--images", type=int, default=None, help="train on the first IMAGES images (default: all)")
    parser.add_argument("--profile", default="full", help="the run profile (default full)")
    parser.add_argument("--work", type=Path, default=work_dir(NAME), help="folder of the finished cells")
    parser.add_argument("--output", type=Path, default=RECORDINGS_DIR, help="folder of the recording")
    args = parser.parse_args(argv)

    profile = get_profile(args.profile)
    images = load_fashion_mnist().train_images[: args.images]
    started = time.perf_counter()
    cells = [
        run_cell(
            d,
            g,
            images=images,
            epochs=args.epochs,
            n=args.n,
            every=args.every,
            seed=args.seed,
            work=args.work,
            profile=profile,
        )
        for d in args.rates
        for g in args.rates
    ]
    summary = {
        "name": NAME,
        "settings": {
            "rates": args.rates,
            "epochs": args.epochs,
            "n": args.n,
            "every": args.every,
            "seed": args.seed,
            "images": int(len(images)),
            "tracked_samples": TRACKED_SAMPLES,
            "recipe": "GERON_RECIPE (RMSprop, batch 32) with the two learning rates changed",
        },
        "cells": cells,
        "measured_at": now(),
        "benchmark_seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
    }
    write_summary(args.output, NAME, summary)
    print(f"wrote the recording {NAME} into {args.output}", flush=True)
    return 0
