"""The README's quality table: every shipped generator measured the same way, beside the real-vs-real floor.

For each shipped generative model (the VAE of chapter 06, the dense GAN of
chapter 07, the DCGAN of chapter 09, the ProGAN and StyleGAN of chapters 10-11
and the diffusion model of chapter 12), 10,000 images per sample seed (1, 2, 3),
made by the model's default sampler (`autoaegan.experiments.shipped_generators`:
codings drawn from N(0, I) with that seed, or for the diffusion model starting
noise drawn with it and 50 DDIM steps), are scored by
`autoaegan.metrics.evaluation.evaluate_generated`: FD, KID, precision, recall
(k = 3) and class coverage in the shipped classifier's features, against the
test set. The metric's own draw stays at seed 42, so the sample seeds change
only the generated images. The floor (10,000 training images against the test
set, measured the same way) is the last row: a yardstick, not a target.

    python -m benchmarks.generative_quality          # writes benchmarks/results/generative_quality.json and .md
    python -m benchmarks.generative_quality --n 2000 --output /tmp/quality  # a quick look (compare only at one N)
    python -m benchmarks.generative_quality --only diffusion  # score one row again, merged into the saved table

`--only` scores the named models alone (the diffusion model's 30,000 images take
about 20 minutes on 2 cores, the GANs' seconds) and puts their rows in place of
theirs in the saved table (`--output`'s), which must hold the same N and seeds;
the table then says when each row that was measured apart was measured.
A generator whose weights are not shipped yet is listed as missing, not skipped silently.
"""

from __future__ import annotations

import sys
import time

from autoaegan.experiments.shipped_generators import SHIPPED_GENERATORS
from autoaegan.metrics.evaluation import DEFAULT_SEED
from autoaegan.pretrained.store import PretrainedError, read_manifest
from benchmarks import harness
from benchmarks.dcgan_quality import QUALITY_COLUMNS, SAMPLE_SEEDS, quality_rows, score_generator

# (pretrained name, row label, chapter, loader of `make_images(seed, n)`), in the course's order.
GENERATORS = tuple((g.pretrained, g.label, g.chapter, g.load) for g in SHIPPED_GENERATORS.values())


def measure(*, n: int = 10_000, seeds=SAMPLE_SEEDS, generators=GENERATORS) -> dict:
    """Score every shipped generator; return the rows, the floor and the ones not shipped yet."""
    rows, missing, floor = [], [], None
    for name, label, chapter, load in generators:
        try:
            read_manifest(name)
        except PretrainedError as error:
            missing.append({"name": name, "label": label, "reason": str(error).splitlines()[0]})
            continue
        started = time.perf_counter()
        row = score_generator(label, load(), seeds=seeds, n=n)
        seconds = round(time.perf_counter() - started, 1)
        rows.append({**row, "pretrained": name, "chapter": chapter, "measured_at": harness.now(), "seconds": seconds})
        floor = row["floor"]
        print(f"{label}: FD {row['mean']['fd']:.2f} ({seconds:.0f} s)", file=sys.stderr, flush=True)
    return {
        "measured_at": harness.now(),
        "n": n,
        "sample_seeds": list(seeds),
        "metric_seed": DEFAULT_SEED,
        "rows": rows,
        "floor": floor,
        "missing": missing,
    }


def check_comparable(saved: dict, update: dict) -> None:
    """Refuse rows scored at another N, other sample seeds or another metric seed than the `saved` table's."""
    for key in ("n", "sample_seeds", "metric_seed"):
        if saved[key] != update[key]:
            raise ValueError(
                f"the saved table has {key} = {saved[key]}, the new rows {update[key]}: score them with the same "
                f"{key} (--n {saved['n']}), or rerun the whole table"
            )


def merged(saved: dict, update: dict, generators=GENERATORS) -> dict:
    """The `saved` table with the rows (and missing models) of `update` in place of theirs, in `generators`' order.

    Both must hold the same N and sample seeds: rows measured otherwise do not compare.
    """
    check_comparable(saved, update)
    measured = {row["pretrained"] for row in update["rows"]} | {item["name"] for item in update["missing"]}
    rows = [row for row in saved["rows"] if row["pretrained"] not in measured] + update["rows"]
    order = [name for name, *_ in generators]
    rows.sort(key=lambda row: order.index(row["pretrained"]) if row["pretrained"] in order else len(order))
    missing = [item for item in saved["missing"] if item["name"] not in measured] + update["missing"]
    return {
        **saved,
        "rows": rows,
        "missing": missing,
        "floor": saved["floor"] or update["floor"],
        "seconds": round(saved.get("seconds", 0.0) + update["seconds"], 1),
    }


def to_markdown(results: dict) -> str:
    """The table in Markdown: means over the sample seeds (FD ± half its range), the floor last."""
    seeds = ", ".join(map(str, results["sample_seeds"]))
    rows = quality_rows(
        [(f"{row['name']} ({row['chapter']})", row["mean"], row["range"]) for row in results["rows"]],
        results["floor"],
    )
    rows += [(f"{item['label']}: not shipped yet", *[""] * len(QUALITY_COLUMNS)) for item in results["missing"]]
    header = ("model (chapter)", "FD ↓", "KID ×1000 ↓", *QUALITY_COLUMNS[2:])
    lines = [
        f"N = {results['n']:,} generated images per sample seed ({seeds}) against the test set, in the shipped "
        "classifier's features; means over the seeds (`python -m benchmarks.generative_quality`).",
        "",
        harness.table(header, rows, align="lrrrrrr"),
    ]
    day = results["measured_at"][:10]
    apart = [
        f"the {row['name']} row {row['measured_at'][:10]}"
        for row in results["rows"]
        if row.get("measured_at", day)[:10] != day
    ]
    lines += [
        "",
        f"Measured {day}{''.join(f'; {text}' for text in apart)}. The floor is a yardstick, not a target: real "
        "training images against real test images.",
    ]
    return "\n".join(lines) + "\n"


BENCHMARK = harness.Benchmark("generative_quality", to_markdown, recording="generative_quality")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = harness.command_line(__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="score only these models (pretrained names) and merge their rows into the saved table",
    )
    args = parser.parse_args(argv)
    generators = GENERATORS
    if args.only:
        known = [name for name, *_ in GENERATORS]
        unknown = sorted(set(args.only) - set(known))
        if unknown:
            parser.error(f"--only takes models of the table ({', '.join(known)}), got {', '.join(unknown)}")
        generators = tuple(entry for entry in GENERATORS if entry[0] in args.only)

    def measured() -> dict:
        saved = BENCHMARK.read(args.output) if args.only else None
        if saved is not None:  # before the slow part: a missing or different table fails at once
            check_comparable(saved, {"n": args.n, "sample_seeds": list(SAMPLE_SEEDS), "metric_seed": DEFAULT_SEED})
        started = time.perf_counter()
        results = {**measure(n=args.n, generators=generators), "seconds": round(time.perf_counter() - started, 1)}
        return results if saved is None else merged(saved, results, GENERATORS)

    harness.run(BENCHMARK, args, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
