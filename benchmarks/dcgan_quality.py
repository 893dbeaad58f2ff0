"""The DCGAN quality table: the course's DCGAN against the reference (Géron's DCGAN trained his way).

Both are measured the same way, in one run, over 3 sample seeds: for each seed,
10,000 images from codings drawn with that seed, scored by
`autoaegan.metrics.evaluation.evaluate_generated` (FD, KID, precision, recall and
class coverage in the shipped classifier's features, against the test set, beside
the real-vs-real floor). The goals of issue 6 it checks:

- the course's DCGAN's FD, averaged over the seeds, is at least 20% lower than the
  reference's, both after the same number of epochs;
- the course's DCGAN covers all 10 classes;
- the course's DCGAN's FD is below the shipped VAE's (decoded from N(0, I)).

The rows: the reference's generator, the course's live generator and its averaged
generator (the one it ships), and the VAE. Generators come from the training
checkpoints (`benchmarks/work/dcgan/<kind>/`, see `benchmarks.dcgan_train`) at one
epoch, by default the last epoch both runs have finished; `--shipped` takes the
course's generator from the shipped `dcgan` weights instead.

    python -m benchmarks.dcgan_quality                 # writes benchmarks/dcgan_quality.json and .md
    python -m benchmarks.dcgan_quality --n 2000        # a quick look (figures compare only at one N)
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

from autoaegan.recordings import keep_recording  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "dcgan_quality.json"
TABLE = HERE / "dcgan_quality.md"
SAMPLE_SEEDS = (1, 2, 3)
FD_GOAL = 0.8  # the course's FD at most 80% of the reference's: at least 20% lower
FIGURES = ("fd", "kid", "precision", "recall", "covered", "entropy")


def _flat_scores(report) -> dict:
    s = report.scores
    return {
        "fd": s.fd,
        "kid": s.kid,
        "precision": s.precision,
        "recall": s.recall,
        "covered": s.coverage.covered,
        "entropy": s.coverage.normalised_entropy,
    }


def score_generator(name: str, make_images, *, seeds=SAMPLE_SEEDS, n: int = 10_000, metric_seed: int = 42) -> dict:
    """Score `make_images(seed, n)` (images in [0, 1], (n, 28, 28)) for each sample seed; return the figures.

    The metric's own draw (`metric_seed`) stays fixed, so the seeds change only the generated samples.
    """
    from autoaegan.metrics.evaluation import evaluate_generated

    runs, floor = [], None
    for seed in seeds:
        report = evaluate_generated(make_images(seed, n), name=name, n=n, seed=metric_seed)
        runs.append({"sample_seed": seed, **_flat_scores(report)})
        floor = report.floor
    means = {key: sum(run[key] for run in runs) / len(runs) for key in FIGURES}
    spread = {key: max(run[key] for run in runs) - min(run[key] for run in runs) for key in FIGURES}
    return {
        "name": name,
        "mean": means,
        "range": spread,
        "runs": runs,
        "floor": {
            "fd": floor.fd,
            "kid": floor.kid,
            "precision": floor.precision,
            "recall": floor.recall,
            "covered": floor.coverage.covered,
            "entropy": floor.coverage.normalised_entropy,
        },
    }


def generator_images(generator, *, value_range=(-1.0, 1.0)):
    """`make_images(seed, n)` for a generator of codings drawn from N(0, I) with `seed`."""
    from autoaegan.latent import sample_codings
    from autoaegan.models.gan import generate_from

    def make_images(seed, n):
        codings = sample_codings(n, int(generator.input_shape[-1]), seed=seed)
        return generate_from(generator, codings, value_range=value_range)

    return make_images


def checkpoint_generator(kind: str, directory: Path, epoch: int, *, averaged: bool = False):
    """The generator of `kind` ("course" or "reference") loaded from its checkpoint of `epoch`."""
    from autoaegan.models import dcgan

    generator = dcgan.ARCHITECTURES[kind][0]()
    generator.load_weights(dcgan.Checkpoints(directory).generator_weights(epoch, averaged=averaged))
    return generator


def common_epoch(*directories: Path) -> int:
    """The last epoch that every checkpoint folder has finished."""
    from autoaegan.models import dcgan

    done = [dcgan.Checkpoints(d).state().epochs_done for d in directories]
    if min(done) < 1:
        missing = [str(d) for d, e in zip(directories, done) if e < 1]
        raise FileNotFoundError(f"no complete checkpoint in {', '.join(missing)}: train with benchmarks.dcgan_train")
    return min(done)


def _state(directory: Path) -> dict:
    from autoaegan.models import dcgan

    state = dcgan.Checkpoints(directory).state()
    return {
        "epochs_done": state.epochs_done,
        "train_seconds": state.train_seconds,
        "cpu_seconds": round(sum(state.cpu_seconds_by_epoch), 1),
        "settings": state.settings,
    }


def measure(
    *,
    course_dir: Path,
    reference_dir: Path,
    epoch: int | None = None,
    shipped: bool = False,
    n: int = 10_000,
    seeds=SAMPLE_SEEDS,
    with_vae: bool = True,
) -> dict:
    """Score every row and check the goals; return everything as a dict (what the JSON file holds)."""
    epoch = epoch or common_epoch(reference_dir, *(() if shipped else (course_dir,)))
    rows = [
        score_generator(
            "reference DCGAN (Géron)",
            generator_images(checkpoint_generator("reference", reference_dir, epoch)),
            seeds=seeds,
            n=n,
        )
    ]
    if shipped:
        from autoaegan.pretrained import load_pretrained

        course = score_generator("course DCGAN (shipped)", generator_images(load_pretrained("dcgan")), seeds=seeds, n=n)
        rows.append(course)
    else:
        rows.append(
            score_generator(
                "course DCGAN (live weights)",
                generator_images(checkpoint_generator("course", course_dir, epoch)),
                seeds=seeds,
                n=n,
            )
        )
        try:
            averaged = checkpoint_generator("course", course_dir, epoch, averaged=True)
        except FileNotFoundError:
            averaged = None
        if averaged is not None:
            rows.append(
                score_generator(
                    "course DCGAN (averaged weights, shipped)", generator_images(averaged), seeds=seeds, n=n
                )
            )
        course = rows[-1]
    if with_vae:
        from autoaegan.pretrained import load_pretrained

        vae = load_pretrained("variational_autoencoder")
        rows.append(
            score_generator(
                "VAE (latent 10, shipped)", generator_images(vae.decoder, value_range=(0.0, 1.0)), seeds=seeds, n=n
            )
        )
    reference = rows[0]
    ratio = course["mean"]["fd"] / reference["mean"]["fd"]
    goals = {
        "fd_ratio_to_reference": round(ratio, 4),
        "fd_at_least_20_percent_lower": ratio <= FD_GOAL,
        "all_10_classes_covered": all(run["covered"] == 10 for run in course["runs"]),
    }
    if with_vae:
        goals["beats_the_vae"] = course["mean"]["fd"] < rows[-1]["mean"]["fd"]
    return {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "epoch": epoch,
        "n": n,
        "sample_seeds": list(seeds),
        "metric_seed": 42,
        "course_row": course["name"],
        "rows": rows,
        "goals": goals,
        "trainings": {"reference": _state(reference_dir), **({} if shipped else {"course": _state(course_dir)})},
    }


def _figure(value: float) -> str:
    from autoaegan.metrics.evaluation import format_figure

    return format_figure(value)


def to_markdown(results: dict) -> str:
    """The table in Markdown: means over the sample seeds (± half their range for FD), and the goals."""
    seeds = ", ".join(map(str, results["sample_seeds"]))
    lines = [
        f"# DCGAN quality after {results['epoch']} epochs",
        "",
        f"N = {results['n']:,} generated images per sample seed ({seeds}) against the test set, in the shipped "
        "classifier's features (`autoaegan.metrics.evaluation`); means over the seeds.",
        "",
        "| model | FD | KID ×1000 | precision | recall | classes covered | class entropy |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["rows"]:
        m, r = row["mean"], row["range"]
        lines.append(
            f"| {row['name']} | {_figure(m['fd'])} ± {_figure(r['fd'] / 2)} | {_figure(1000 * m['kid'])} "
            f"| {m['precision']:.3f} | {m['recall']:.3f} | {m['covered']:.1f}/10 | {m['entropy']:.3f} |"
        )
    f = results["rows"][0]["floor"]
    lines.append(
        f"| real vs real (floor) | {_figure(f['fd'])} | {_figure(1000 * f['kid'])} | {f['precision']:.3f} "
        f"| {f['recall']:.3f} | {f['covered']}/10 | {f['entropy']:.3f} |"
    )
    goals = results["goals"]
    lines += [
        "",
        "Goals:",
        "",
        f"- FD of the course's DCGAN / the reference's: {goals['fd_ratio_to_reference']:.3f} "
        f"(goal ≤ {FD_GOAL}): {'met' if goals['fd_at_least_20_percent_lower'] else 'NOT met'};",
        f"- all 10 classes covered at every seed: {'yes' if goals['all_10_classes_covered'] else 'NO'};",
    ]
    if "beats_the_vae" in goals:
        lines.append(f"- the course's DCGAN's FD below the VAE's: {'yes' if goals['beats_the_vae'] else 'NO'}.")
    lines += ["", "Trainings (wall-clock at nice 19 on a shared 2-core machine, so slower than a quiet one):", ""]
    for kind, state in results["trainings"].items():
        lines.append(
            f"- {kind}: {state['epochs_done']} epochs, {state['train_seconds'] / 3600:.2f} h wall-clock, "
            f"{state['cpu_seconds'] / 3600:.2f} CPU-hours; {state['settings'].get('training', '')}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    from autoaegan.models.dcgan import default_work_dir

    parser = argparse.ArgumentParser(prog="python -m benchmarks.dcgan_quality", description=__doc__.splitlines()[0])
    parser.add_argument("--course-dir", type=Path, default=default_work_dir() / "course")
    parser.add_argument("--reference-dir", type=Path, default=default_work_dir() / "reference")
    parser.add_argument("--epoch", type=int, default=None, help="checkpoint epoch (default: the last common one)")
    parser.add_argument("--shipped", action="store_true", help="the course's generator from the shipped weights")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--no-vae", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file (the .md is written beside it)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = measure(
        course_dir=args.course_dir,
        reference_dir=args.reference_dir,
        epoch=args.epoch,
        shipped=args.shipped,
        n=args.n,
        with_vae=not args.no_vae,
    )
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    args.output.with_suffix(".md").write_text(to_markdown(results))
    keep_recording(args.output, RESULTS)  # the copy the chapters read, when this is the default output
    print(to_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
