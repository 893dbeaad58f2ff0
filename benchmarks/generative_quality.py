"""The README's quality table: every shipped generator measured the same way, beside the real-vs-real floor.

For each shipped generative model (the VAE of chapter 06, the dense GAN of
chapter 07, the DCGAN of chapter 09, and the later chapters' generators once
they ship), 10,000 images per sample seed (1, 2, 3) from codings drawn from
N(0, I) with that seed are scored by
`autoaegan.metrics.evaluation.evaluate_generated`: FD, KID, precision, recall
(k = 3) and class coverage in the shipped classifier's features, against the
test set. The metric's own draw stays at seed 42, so the sample seeds change
only the generated images. The floor (10,000 training images against the test
set, measured the same way) is the last row: a yardstick, not a target.

    python -m benchmarks.generative_quality          # writes benchmarks/results/generative_quality.json and .md
    python -m benchmarks.generative_quality --n 2000 --output /tmp/quality  # a quick look (compare only at one N)

A generator whose weights are not shipped yet is listed as missing, not skipped silently.
"""

from __future__ import annotations

import sys
import time

from autoaegan.models.dcgan import VALUE_RANGE
from autoaegan.pretrained import load_pretrained
from autoaegan.pretrained.store import PretrainedError, read_manifest
from benchmarks import harness
from benchmarks.dcgan_quality import QUALITY_COLUMNS, SAMPLE_SEEDS, generator_images, quality_rows, score_generator


def _vae():
    return generator_images(load_pretrained("variational_autoencoder").decoder, value_range=(0.0, 1.0))


def _dense_gan():
    gan = load_pretrained("dense_gan")
    return generator_images(gan.generator, value_range=gan.value_range)


def _dcgan():
    return generator_images(load_pretrained("dcgan"), value_range=VALUE_RANGE)


def _progressive(name: str):
    # 32×32 images in [-1, 1]; the metrics centre-crop them to 28×28.
    return generator_images(load_pretrained(name), value_range=(-1.0, 1.0))


# (pretrained name, row label, chapter, loader of `make_images(seed, n)`), in the course's order.
GENERATORS = (
    ("variational_autoencoder", "VAE (latent 10)", "06", _vae),
    ("dense_gan", "GAN (dense)", "07", _dense_gan),
    ("dcgan", "DCGAN", "09", _dcgan),
    ("progan", "ProGAN (32×32)", "10", lambda: _progressive("progan")),
    ("stylegan", "StyleGAN (32×32)", "11", lambda: _progressive("stylegan")),
)


def measure(*, n: int = 10_000, seeds=SAMPLE_SEEDS, generators=GENERATORS) -> dict:
    """Score every shipped generator; return the rows, the floor and the ones not shipped yet."""
    rows, missing, floor = [], [], None
    for name, label, chapter, load in generators:
        try:
            read_manifest(name)
        except PretrainedError as error:
            missing.append({"name": name, "label": label, "reason": str(error).splitlines()[0]})
            continue
        row = score_generator(label, load(), seeds=seeds, n=n)
        rows.append({**row, "pretrained": name, "chapter": chapter})
        floor = row["floor"]
        print(f"{label}: FD {row['mean']['fd']:.2f}", file=sys.stderr, flush=True)
    return {
        "measured_at": harness.now(),
        "n": n,
        "sample_seeds": list(seeds),
        "metric_seed": 42,
        "rows": rows,
        "floor": floor,
        "missing": missing,
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
    lines += [
        "",
        f"Measured {results['measured_at'][:10]}. The floor is a yardstick, not a target: real training "
        "images against real test images.",
    ]
    return "\n".join(lines) + "\n"


BENCHMARK = harness.Benchmark("generative_quality", to_markdown, recording="generative_quality")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = harness.command_line(__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args(argv)

    def measured() -> dict:
        started = time.perf_counter()
        results = measure(n=args.n)
        return {**results, "seconds": round(time.perf_counter() - started, 1)}

    harness.run(BENCHMARK, args, measured)
    return 0


if __name__ == "__main__":
    sys.exit(main())
