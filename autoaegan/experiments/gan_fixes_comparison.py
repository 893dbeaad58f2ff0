"""Chapter 08's recording: Géron's collapsing dense GAN against the same GAN with each stabiliser, trained alike.

Every variant of `autoaegan.models.gan_fixes.FIXES` (the baseline, experience
replay, minibatch discrimination, spectral normalization, all three) is trained
with Géron's recipe (`GERON_RECIPE`: RMSprop 1e-3 for both networks, batches of 32,
XLA) on Fashion-MNIST's 55,000 training images for the same number of epochs, with
the same seed. During training a `CoverageTracker` classifies 1,000 samples from
fixed codings every `--every` steps (the class-coverage meter that shows mode
collapse) and keeps 10 of them. After training, `evaluate_generated` measures N
samples against the test set: FD, KID, precision, recall and class coverage,
beside the real-vs-real floor at the same N.

Each finished run is kept in the work folder (`autoaegan.training.work_dir`, under
`gan_fixes/`), so an interrupted run resumes with the next variant. At the end the
summary and a subset of the sample snapshots become the recording that chapter 08
reads (`gan_fixes.json`, `gan_fixes_samples.npz`; `benchmarks.recorded_tables` makes
the README's table from it).

    nohup nice -n 19 python -m autoaegan.recordings make gan_fixes > gan_fixes.log 2>&1 &
    python -m autoaegan.recordings make gan_fixes --epochs 1 --images 3200 --n 500 --every 32 --output /tmp/quick
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.experiments.cached_runs import earlier_result, save_result, write_summary
from autoaegan.metrics.evaluation import evaluate_generated
from autoaegan.models.dense_gan import GERON_RECIPE
from autoaegan.models.gan_fixes import FIXES, build_gan_with_fix, train_gan
from autoaegan.pixels import unit_to_uint8
from autoaegan.profiles import Profile, get_profile
from autoaegan.recordings import RECORDINGS_DIR
from autoaegan.recordings.measurement import machine, now
from autoaegan.seeding import set_seed
from autoaegan.training.coverage_tracker import CoverageTracker
from autoaegan.training.fitting import EpochTimer, TrainingDivergedError
from autoaegan.training.work_dir import work_dir

NAME = "gan_fixes"
TRACKED_SAMPLES = 1_000
KEPT_SAMPLES = 10
FINAL_SAMPLES = 30
SNAPSHOT_STRIDE = 4  # ship the kept images of every 4th record
SAMPLE_SEED = 0


def slug(fix: str) -> str:
    """A file-name form of a fix's name."""
    return fix.replace(" ", "_")


def run_one(fix: str, seed: int, *, images, epochs: int, n: int, every: int, work: Path, profile: Profile) -> dict:
    """Train and measure one variant with one seed, or read the result of an earlier, finished run."""
    result_path, samples_path = work / f"{slug(fix)}_{seed}.json", work / f"{slug(fix)}_{seed}_samples.npz"
    settings = {"fix": fix, "seed": seed, "epochs": epochs, "n": n, "every": every, "images": int(len(images))}
    earlier = earlier_result(result_path, settings, samples_path)
    if earlier:
        print(f"{fix}, seed {seed}: done earlier", flush=True)
        return earlier
    set_seed(seed, profile=profile)
    gan = build_gan_with_fix(fix, seed=seed)
    tracker = CoverageTracker(every=every, n=TRACKED_SAMPLES, seed=SAMPLE_SEED, keep=KEPT_SAMPLES)
    timer = EpochTimer()
    started, cpu_started = time.perf_counter(), time.process_time()
    diverged = None
    try:
        history = train_gan(
            gan,
            images,
            epochs=epochs,
            recipe=GERON_RECIPE,
            seed=seed,
            profile=profile,
            callbacks=[tracker, timer],
            verbose=2,
        )
    except TrainingDivergedError as error:
        diverged, history = str(error), {}
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    report = evaluate_generated(gan.generate(n, seed=SAMPLE_SEED), name=fix, n=n)
    print(report, flush=True)
    final = unit_to_uint8(gan.generate(FINAL_SAMPLES, seed=SAMPLE_SEED + 1))
    result = {
        "settings": settings,
        "recipe": "GERON_RECIPE: RMSprop 1e-3 for both networks, batch 32, XLA, steps_per_execution 32",
        "diverged": diverged,
        "history": history,
        "seconds_by_epoch": [round(s, 2) for s in timer.seconds],
        "train_seconds": round(seconds - tracker.seconds, 1),
        "tracker_seconds": round(tracker.seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "parameters": {
            "generator": int(gan.generator.count_params()),
            "discriminator": int(gan.discriminator.count_params()),
        },
        "coverage": tracker.as_dict(),
        "report": report.as_dict(),
        "report_text": str(report),
    }
    work.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(samples_path, snapshots=np.stack(tracker.samples), final=final)
    save_result(result_path, result)
    return result


def _figures(result: dict) -> dict:
    scores = result["report"]["scores"]
    return {
        "fd": scores["fd"],
        "kid": scores["kid"],
        "precision": scores["precision"],
        "recall": scores["recall"],
        "covered": scores["coverage"]["covered"],
        "entropy": scores["coverage"]["normalised_entropy"],
    }


def summarise(results: list[dict]) -> list[dict]:
    """One row per fix: its figures averaged over the seeds, the lowest classes covered during training, the time."""
    rows = []
    for fix in dict.fromkeys(r["settings"]["fix"] for r in results):
        runs = [r for r in results if r["settings"]["fix"] == fix]
        figures = [_figures(r) for r in runs]
        mean = {key: sum(f[key] for f in figures) / len(figures) for key in figures[0]}
        rows.append(
            {
                "fix": fix,
                "seeds": [r["settings"]["seed"] for r in runs],
                "mean": mean,
                "runs": figures,
                "min_covered_during_training": min(min(r["coverage"]["covered"][1:] or [10]) for r in runs),
                "final_covered_during_training": [r["coverage"]["covered"][-1] for r in runs],
                "train_seconds": sum(r["train_seconds"] for r in runs) / len(runs),
                "diverged": [r["diverged"] for r in runs if r["diverged"]],
            }
        )
    return rows


def ship(summary: dict, results: list[dict], work: Path, output: Path) -> None:
    """Write the recording into `output`: the summary, every `SNAPSHOT_STRIDE`-th snapshot and the final samples."""
    arrays = {}
    for result in results:
        key = f"{slug(result['settings']['fix'])}_{result['settings']['seed']}"
        with np.load(work / f"{key}_samples.npz") as saved:
            arrays[f"{key}_snapshots"] = saved["snapshots"][::SNAPSHOT_STRIDE]
            arrays[f"{key}_final"] = saved["final"]
    write_summary(output, NAME, summary)
    np.savez_compressed(output / f"{NAME}_samples.npz", **arrays)


_RUN_KEYS = ("settings", "diverged", "history", "seconds_by_epoch", "train_seconds", "parameters", "coverage", "report")


def main(argv: list[str] | None = None) -> int:
    """Command line: train and measure every fix, then write the recording."""
    parser = argparse.ArgumentParser(
        prog=f"python -m autoaegan.recordings make {NAME}", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n", type=int, default=5_000, help="samples that evaluate_generated measures")
    parser.add_argument("--every", type=int, default=256, help="steps between coverage records (a multiple of 32)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--fixes", nargs="+", default=None, help="a subset of the fixes, by name")
    parser.add_argument("--images", type=int, default=None, help="train on the first IMAGES images (default: all)")
    parser.add_argument("--profile", default="full", help="the run profile (default full)")
    parser.add_argument("--work", type=Path, default=work_dir(NAME), help="folder of the finished runs")
    parser.add_argument("--output", type=Path, default=RECORDINGS_DIR, help="folder of the recording")
    args = parser.parse_args(argv)

    fixes = args.fixes or list(FIXES)
    unknown = sorted(set(fixes) - set(FIXES))
    if unknown:
        parser.error(f"unknown fixes {unknown}; known: {list(FIXES)}")
    profile = get_profile(args.profile)
    images = load_fashion_mnist().train_images[: args.images]
    started = time.perf_counter()
    results = [
        run_one(
            fix, seed, images=images, epochs=args.epochs, n=args.n, every=args.every, work=args.work, profile=profile
        )
        for seed in args.seeds
        for fix in fixes
    ]
    floor = results[0]["report"]["floor"]
    summary = {
        "name": NAME,
        "settings": {
            "epochs": args.epochs,
            "n": args.n,
            "every": args.every,
            "seeds": args.seeds,
            "images": int(len(images)),
            "tracked_samples": TRACKED_SAMPLES,
            "kept_samples": KEPT_SAMPLES,
            "snapshot_stride": SNAPSHOT_STRIDE,
            "final_samples": FINAL_SAMPLES,
            "recipe": "GERON_RECIPE (autoaegan.models.dense_gan): RMSprop 1e-3 for both networks, batch 32",
        },
        "floor": {
            "fd": floor["fd"],
            "kid": floor["kid"],
            "precision": floor["precision"],
            "recall": floor["recall"],
            "covered": floor["coverage"]["covered"],
            "entropy": floor["coverage"]["normalised_entropy"],
        },
        "rows": summarise(results),
        "runs": [{key: r[key] for key in _RUN_KEYS} for r in results],
        "measured_at": now(),
        "benchmark_seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
    }
    ship(summary, results, args.work, args.output)
    print(f"wrote the recording {NAME} into {args.output}", flush=True)
    return 0
