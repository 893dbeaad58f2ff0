"""Chapter 08's sensitivity sweep: Géron's dense GAN under a grid of learning rates for its two networks.

"GANs are very sensitive to the hyperparameters" (the slides). This measures it on
a reduced profile: Géron's dense GAN and recipe (RMSprop, batches of 32, XLA),
with the discriminator's and the generator's learning rates each taken from
`--rates`, trained for `--epochs` epochs on Fashion-MNIST's 55,000 training images
with one seed. A `CoverageTracker` records the classes covered by 1,000 samples
every `--every` steps; after training, `evaluate_generated` measures N samples (FD,
precision, recall, class coverage) beside the real-vs-real floor at that N.

Finished cells are kept in `benchmarks/work/gan_sweep/` (git-ignored), so an
interrupted sweep resumes. It writes `benchmarks/gan_sweep.json` and `.md`, and the
same JSON into `autoaegan/recordings/gan_sweep.json`, which chapter 08 reads.

    nohup nice -n 19 python -m benchmarks.gan_sweep > benchmarks/work/gan_sweep.log 2>&1 &
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

if __package__ in (None, ""):  # run as `python benchmarks/<name>.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.cached_runs import earlier_result, machine, save_result  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "gan_sweep.json"
TABLE = HERE / "gan_sweep.md"
WORK = HERE / "work" / "gan_sweep"
SHIPPED = REPO / "autoaegan" / "recordings"
NAME = "gan_sweep"
RATES = (1e-4, 3e-4, 1e-3, 3e-3)
TRACKED_SAMPLES = 1_000
SAMPLE_SEED = 0


def run_cell(d_rate: float, g_rate: float, *, images, epochs: int, n: int, every: int, seed: int, work: Path) -> dict:
    """Train and measure the GAN at one pair of learning rates, or read an earlier, finished result."""
    from autoaegan.metrics.coverage_tracker import CoverageTracker
    from autoaegan.metrics.evaluation import evaluate_generated
    from autoaegan.models.gan import GERON_RECIPE
    from autoaegan.models.gan_fixes import build_gan_with_fix, train_gan
    from autoaegan.profiles import get_profile
    from autoaegan.seeding import set_seed
    from autoaegan.training.fitting import TrainingDivergedError

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
    profile = get_profile("full")
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
        "fd": scores.fd,
        "kid": scores.kid,
        "precision": scores.precision,
        "recall": scores.recall,
        "covered": scores.coverage.covered,
        "entropy": scores.coverage.normalised_entropy,
        "coverage": {key: coverage[key] for key in ("steps", "covered", "entropy")},
        "floor": report.floor.as_dict(),
    }
    save_result(path, result)
    return result


def markdown(summary: dict) -> str:
    """Three grids (FD, classes covered, recall), discriminator's rate down, generator's across."""
    settings, cells = summary["settings"], summary["cells"]
    rates = settings["rates"]
    by_pair = {(c["settings"]["d_learning_rate"], c["settings"]["g_learning_rate"]): c for c in cells}
    floor = cells[0]["floor"]
    lines = [
        "# Chapter 08: sensitivity of Géron's dense GAN to its learning rates",
        "",
        f"RMSprop for both networks, batch 32, {settings['epochs']} epochs on {settings['images']:,} Fashion-MNIST "
        f"images, seed {settings['seed']}; `evaluate_generated` at N = {settings['n']:,} (floor: FD "
        f"{floor['fd']:.2f}, recall {floor['recall']:.3f}, {floor['coverage']['covered']}/10 classes). Rows: the "
        "discriminator's learning rate; columns: the generator's. Géron's recipe is 1e-3 for both.",
    ]
    for title, key, fmt in (
        ("FD (lower is better)", "fd", "{:.0f}"),
        ("classes covered (≥1%)", "covered", "{}"),
        ("recall", "recall", "{:.3f}"),
    ):
        lines += [
            "",
            f"**{title}**",
            "",
            "| D \\ G | " + " | ".join(f"{g:g}" for g in rates) + " |",
            "|---|" + "---:|" * len(rates),
        ]
        for d in rates:
            cells_text = []
            for g in rates:
                cell = by_pair.get((d, g))
                mark = " †" if cell and cell["diverged"] else ""
                cells_text.append("–" if cell is None else fmt.format(cell[key]) + mark)
            lines.append(f"| {d:g} | " + " | ".join(cells_text) + " |")
    lines += [
        "",
        "† the training diverged (a loss became NaN); the figures are those of the last good epoch.",
        "",
        f"Measured {summary['measured_at']} ({summary['machine']['cpus']} CPUs, shared machine).",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    """Command-line entry: train and measure each pair of rates, write the grids, ship the recording."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=list(RATES))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--n", type=int, default=2_000, help="samples that evaluate_generated measures")
    parser.add_argument("--every", type=int, default=512, help="steps between coverage records (a multiple of 32)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--images", type=int, default=None, help="train on the first IMAGES images (default: all)")
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--no-ship", action="store_true", help="write nothing into the package or benchmarks/")
    args = parser.parse_args(argv)

    from autoaegan.data.fashion_mnist import load_fashion_mnist

    images = load_fashion_mnist().train_images[: args.images]
    started = time.perf_counter()
    cells = [
        run_cell(d, g, images=images, epochs=args.epochs, n=args.n, every=args.every, seed=args.seed, work=args.work)
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
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "benchmark_seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
    }
    table = markdown(summary)
    print(table, flush=True)
    if not args.no_ship:
        RESULTS.write_text(json.dumps(summary, indent=1) + "\n")
        TABLE.write_text(table)
        SHIPPED.mkdir(parents=True, exist_ok=True)
        (SHIPPED / f"{NAME}.json").write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
