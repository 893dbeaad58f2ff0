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
checkpoints (the work folder's `dcgan/<kind>/`, see `benchmarks.dcgan_train`) at one
epoch, by default the last epoch both runs have finished; `--shipped` takes the
course's generator from the shipped `dcgan` weights instead.

    python -m benchmarks.dcgan_quality                 # writes benchmarks/results/dcgan_quality.json and .md
    python -m benchmarks.dcgan_quality --n 2000 --output /tmp/quality  # a quick look (figures compare only at one N)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from autoaegan.experiments.shipped_generators import generator_images
from autoaegan.metrics.evaluation import DEFAULT_SEED, format_figure
from autoaegan.models import dcgan
from autoaegan.pretrained import load_pretrained
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.quality import SAMPLE_SEEDS, score_seeds
from autoaegan.training.work_dir import work_dir
from benchmarks import harness

FD_GOAL = 0.8  # the course's FD at most 80% of the reference's: at least 20% lower
FIGURES = ("fd", "kid", "precision", "recall", "covered", "entropy")


def score_generator(
    name: str, make_images, *, seeds=SAMPLE_SEEDS, n: int = 10_000, metric_seed: int = DEFAULT_SEED
) -> dict:
    """Score `make_images(seed, n)` (images in [0, 1], (n, 28, 28)) for each sample seed; return the figures.

    The metric's own draw (`metric_seed`) stays fixed, so the seeds change only the generated samples.
    """
    figures = score_seeds(lambda seed: make_images(seed, n), n=n, seeds=seeds, name=name, metric_seed=metric_seed)
    runs = figures["runs"]
    return {
        "name": name,
        "mean": {key: figures["mean"][key] for key in FIGURES},
        "range": {key: max(run[key] for run in runs) - min(run[key] for run in runs) for key in FIGURES},
        "runs": runs,
        "floor": figures["floor"],
    }


def checkpoint_generator(kind: str, directory: Path, epoch: int, *, averaged: bool = False):
    """The generator of `kind` ("course" or "reference") loaded from its checkpoint of `epoch`."""
    generator = dcgan.ARCHITECTURES[kind][0]()
    Checkpoints(directory).restore(epoch, **{"averaged_generator" if averaged else "generator": generator})
    return generator


def common_epoch(*directories: Path) -> int:
    """The last epoch that every checkpoint folder has finished."""
    done = [Checkpoints(d).state().epochs_done for d in directories]
    if min(done) < 1:
        missing = [str(d) for d, e in zip(directories, done) if e < 1]
        raise FileNotFoundError(f"no complete checkpoint in {', '.join(missing)}: train with benchmarks.dcgan_train")
    return min(done)


def _state(directory: Path) -> dict:
    state = Checkpoints(directory).state()
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
        except ValueError:  # a training without weight averaging saves no averaged generator
            averaged = None
        if averaged is not None:
            rows.append(
                score_generator(
                    "course DCGAN (averaged weights, shipped)", generator_images(averaged), seeds=seeds, n=n
                )
            )
        course = rows[-1]
    if with_vae:
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
        "measured_at": harness.now(),
        "epoch": epoch,
        "n": n,
        "sample_seeds": list(seeds),
        "metric_seed": 42,
        "course_row": course["name"],
        "rows": rows,
        "goals": goals,
        "trainings": {"reference": _state(reference_dir), **({} if shipped else {"course": _state(course_dir)})},
    }


def quality_rows(rows: list[tuple[str, dict, dict]], floor: dict | None) -> list[tuple]:
    """Table rows of (label, means, ranges) of the figures (FD ± half its range), the floor last when given."""
    cells = [
        (
            label,
            f"{format_figure(m['fd'])} ± {format_figure(r['fd'] / 2)}",
            format_figure(1000 * m["kid"]),
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{m['covered']:.1f}/10",
            f"{m['entropy']:.3f}",
        )
        for label, m, r in rows
    ]
    if floor is not None:
        f = floor
        cells.append(
            (
                "real vs real (floor)",
                format_figure(f["fd"]),
                format_figure(1000 * f["kid"]),
                f"{f['precision']:.3f}",
                f"{f['recall']:.3f}",
                f"{f['covered']}/10",
                f"{f['entropy']:.3f}",
            )
        )
    return cells


QUALITY_COLUMNS = ("FD", "KID ×1000", "precision", "recall", "classes covered", "class entropy")


def to_markdown(results: dict) -> str:
    """The table in Markdown: means over the sample seeds (± half their range for FD), and the goals."""
    seeds = ", ".join(map(str, results["sample_seeds"]))
    rows = quality_rows(
        [(row["name"], row["mean"], row["range"]) for row in results["rows"]], results["rows"][0]["floor"]
    )
    lines = [
        f"# DCGAN quality after {results['epoch']} epochs",
        "",
        f"N = {results['n']:,} generated images per sample seed ({seeds}) against the test set, in the shipped "
        "classifier's features (`autoaegan.metrics.evaluation`); means over the seeds.",
        "",
        harness.table(("model", *QUALITY_COLUMNS), rows, align="lrrrrrr"),
    ]
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


BENCHMARK = harness.Benchmark("dcgan_quality", to_markdown, recording="dcgan_quality")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = harness.command_line(__doc__)
    parser.add_argument("--course-dir", type=Path, default=work_dir("dcgan", "course"))
    parser.add_argument("--reference-dir", type=Path, default=work_dir("dcgan", "reference"))
    parser.add_argument("--epoch", type=int, default=None, help="checkpoint epoch (default: the last common one)")
    parser.add_argument("--shipped", action="store_true", help="the course's generator from the shipped weights")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--no-vae", action="store_true")
    args = parser.parse_args(argv)

    def measured() -> dict:
        started = time.perf_counter()
        results = measure(
            course_dir=args.course_dir,
            reference_dir=args.reference_dir,
            epoch=args.epoch,
            shipped=args.shipped,
            n=args.n,
            with_vae=not args.no_vae,
        )
        return {**results, "seconds": round(time.perf_counter() - started, 1)}

    harness.run(BENCHMARK, args, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
