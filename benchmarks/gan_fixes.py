"""Chapter 08's table: Géron's collapsing dense GAN against the same GAN with each stabiliser, trained alike.

Every variant of `autoaegan.models.gan_fixes.FIXES` (the baseline, experience
replay, minibatch discrimination, spectral normalization, all three) is trained
with Géron's recipe (`GERON_RECIPE`: RMSprop 1e-3 for both networks, batches of 32,
XLA) on Fashion-MNIST's 55,000 training images for the same number of epochs, with
the same seed. During training a `CoverageTracker` classifies 1,000 samples from
fixed codings every `--every` steps (the class-coverage meter that shows mode
collapse) and keeps 10 of them. After training, `evaluate_generated` measures N
samples against the test set: FD, KID, precision, recall and class coverage,
beside the real-vs-real floor at the same N.

Each finished run is kept in `benchmarks/work/gan_fixes/` (git-ignored), so an
interrupted benchmark resumes with the next run. At the end it writes
`benchmarks/gan_fixes.json` and `.md`, and ships the same JSON with a subset of the
sample snapshots in `autoaegan/recordings/` (`gan_fixes.json`,
`gan_fixes_samples.npz`), which chapter 08 reads.

    nohup nice -n 19 python -m benchmarks.gan_fixes > benchmarks/work/gan_fixes.log 2>&1 &
    python -m benchmarks.gan_fixes --epochs 1 --images 3200 --n 500 --every 32 --no-ship --work /tmp/quick  # smoke test
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
RESULTS = HERE / "gan_fixes.json"
TABLE = HERE / "gan_fixes.md"
WORK = HERE / "work" / "gan_fixes"
SHIPPED = REPO / "autoaegan" / "recordings"
NAME = "gan_fixes"
TRACKED_SAMPLES = 1_000
KEPT_SAMPLES = 10
FINAL_SAMPLES = 30
SNAPSHOT_STRIDE = 4  # ship the kept images of every 4th record
SAMPLE_SEED = 0


def slug(fix: str) -> str:
    """A file-name form of a fix's name."""
    return fix.replace(" ", "_")


def _epoch_timer():
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(round(time.perf_counter() - self._started, 2))

    return EpochTimer()


def run_one(fix: str, seed: int, *, images, epochs: int, n: int, every: int, work: Path) -> dict:
    """Train and measure one variant with one seed, or read the result of an earlier, finished run."""
    import numpy as np

    from autoaegan.metrics.coverage_tracker import CoverageTracker
    from autoaegan.metrics.evaluation import evaluate_generated
    from autoaegan.models.gan import GERON_RECIPE
    from autoaegan.models.gan_fixes import build_gan_with_fix, train_gan
    from autoaegan.profiles import get_profile
    from autoaegan.seeding import set_seed
    from autoaegan.training.fitting import TrainingDivergedError

    result_path, samples_path = work / f"{slug(fix)}_{seed}.json", work / f"{slug(fix)}_{seed}_samples.npz"
    settings = {"fix": fix, "seed": seed, "epochs": epochs, "n": n, "every": every, "images": int(len(images))}
    earlier = earlier_result(result_path, settings, samples_path)
    if earlier:
        print(f"{fix}, seed {seed}: done earlier", flush=True)
        return earlier
    profile = get_profile("full")
    set_seed(seed, profile=profile)
    gan = build_gan_with_fix(fix, seed=seed)
    tracker = CoverageTracker(every=every, n=TRACKED_SAMPLES, seed=SAMPLE_SEED, keep=KEPT_SAMPLES)
    timer = _epoch_timer()
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
    final = np.round(gan.generate(FINAL_SAMPLES, seed=SAMPLE_SEED + 1) * 255).astype(np.uint8)
    result = {
        "settings": settings,
        "recipe": "GERON_RECIPE: RMSprop 1e-3 for both networks, batch 32, XLA, steps_per_execution 32",
        "diverged": diverged,
        "history": history,
        "seconds_by_epoch": timer.seconds,
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


def _row(result: dict) -> dict:
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
        figures = [_row(r) for r in runs]
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


def markdown(summary: dict) -> str:
    """The table of the fixes beside the floor, in Markdown."""
    floor, settings = summary["floor"], summary["settings"]
    lines = [
        "# Chapter 08: fixes against Géron's collapsing dense GAN",
        "",
        f"Every GAN: Géron's dense architecture and recipe (RMSprop 1e-3, batch 32), {settings['epochs']} epochs on "
        f"{settings['images']:,} Fashion-MNIST images, seeds {', '.join(map(str, settings['seeds']))}. Figures: "
        f"`evaluate_generated` at N = {settings['n']:,} (reduced from 10,000; FD is biased at small N, so compare "
        f'only at one N), means over the seeds. "lowest during training": the fewest classes that 1,000 samples '
        f"from fixed codings covered at any of the records every {settings['every']} steps.",
        "",
        "| fix | FD | KID ×1000 | precision | recall | classes covered | class entropy | lowest during training "
        "| train s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary["rows"]:
        m = row["mean"]
        lines.append(
            f"| {row['fix']} | {m['fd']:.1f} | {1000 * m['kid']:.1f} | {m['precision']:.3f} | "
            f"{m['recall']:.3f} | {m['covered']:.1f}/10 | {m['entropy']:.3f} | "
            f"{row['min_covered_during_training']}/10 | {row['train_seconds']:.0f} |"
        )
    lines.append(
        f"| real vs real (floor) | {floor['fd']:.2f} | {1000 * floor['kid']:.2f} | {floor['precision']:.3f} | "
        f"{floor['recall']:.3f} | {floor['covered']}/10 | {floor['entropy']:.3f} | | |"
    )
    lines += [
        "",
        f"Measured {summary['measured_at']} on {summary['machine']['platform']} "
        f"({summary['machine']['cpus']} CPUs, shared: wall times are noisy).",
    ]
    return "\n".join(lines) + "\n"


def ship(summary: dict, results: list[dict], work: Path) -> None:
    """Copy the summary into the package, with every `SNAPSHOT_STRIDE`-th snapshot and the final samples per run."""
    import numpy as np

    SHIPPED.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for result in results:
        key = f"{slug(result['settings']['fix'])}_{result['settings']['seed']}"
        with np.load(work / f"{key}_samples.npz") as saved:
            arrays[f"{key}_snapshots"] = saved["snapshots"][::SNAPSHOT_STRIDE]
            arrays[f"{key}_final"] = saved["final"]
    np.savez_compressed(SHIPPED / f"{NAME}_samples.npz", **arrays)
    (SHIPPED / f"{NAME}.json").write_text(json.dumps(summary, indent=1) + "\n")


def main(argv=None) -> int:
    """Command-line entry: train and measure every fix, write the table, ship the recording."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n", type=int, default=5_000, help="samples that evaluate_generated measures")
    parser.add_argument("--every", type=int, default=256, help="steps between coverage records (a multiple of 32)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--fixes", nargs="+", default=None, help="a subset of the fixes, by name")
    parser.add_argument("--images", type=int, default=None, help="train on the first IMAGES images (default: all)")
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--no-ship", action="store_true", help="write nothing into the package or benchmarks/")
    args = parser.parse_args(argv)

    from autoaegan.data.fashion_mnist import load_fashion_mnist
    from autoaegan.models.gan_fixes import FIXES

    fixes = args.fixes or list(FIXES)
    unknown = sorted(set(fixes) - set(FIXES))
    if unknown:
        parser.error(f"unknown fixes {unknown}; known: {list(FIXES)}")
    images = load_fashion_mnist().train_images[: args.images]
    started = time.perf_counter()
    results = [
        run_one(fix, seed, images=images, epochs=args.epochs, n=args.n, every=args.every, work=args.work)
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
            "recipe": "GERON_RECIPE (autoaegan.models.gan): RMSprop 1e-3 for both networks, batch 32",
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
        "runs": [
            {
                key: r[key]
                for key in (
                    "settings",
                    "diverged",
                    "history",
                    "seconds_by_epoch",
                    "train_seconds",
                    "parameters",
                    "coverage",
                    "report",
                )
            }
            for r in results
        ],
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "benchmark_seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
    }
    table = markdown(summary)
    print(table, flush=True)
    if not args.no_ship:
        RESULTS.write_text(json.dumps(summary, indent=1) + "\n")
        TABLE.write_text(table)
        ship(summary, results, args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
