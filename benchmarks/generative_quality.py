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

    python -m benchmarks.generative_quality          # writes benchmarks/generative_quality.json and .md
    python -m benchmarks.generative_quality --n 2000 # a quick look (figures compare only at one N)

A generator whose weights are not shipped yet is listed as missing, not skipped silently.
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
from benchmarks.dcgan_quality import SAMPLE_SEEDS, generator_images, score_generator  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "generative_quality.json"


def _vae():
    from autoaegan.pretrained import load_pretrained

    return generator_images(load_pretrained("variational_autoencoder").decoder, value_range=(0.0, 1.0))


def _dense_gan():
    from autoaegan.pretrained import load_pretrained

    gan = load_pretrained("dense_gan")
    return generator_images(gan.generator, value_range=gan.value_range)


def _dcgan():
    from autoaegan.models.dcgan import VALUE_RANGE
    from autoaegan.pretrained import load_pretrained

    return generator_images(load_pretrained("dcgan"), value_range=VALUE_RANGE)


def _progressive(name: str):
    from autoaegan.pretrained import load_pretrained

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
    from autoaegan.pretrained.store import PretrainedError, read_manifest

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
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "n": n,
        "sample_seeds": list(seeds),
        "metric_seed": 42,
        "rows": rows,
        "floor": floor,
        "missing": missing,
    }


def to_markdown(results: dict) -> str:
    """The table in Markdown: means over the sample seeds (FD ± half its range), the floor last."""
    from autoaegan.metrics.evaluation import format_figure

    seeds = ", ".join(map(str, results["sample_seeds"]))
    lines = [
        f"N = {results['n']:,} generated images per sample seed ({seeds}) against the test set, in the shipped "
        "classifier's features; means over the seeds (`python -m benchmarks.generative_quality`).",
        "",
        "| model (chapter) | FD ↓ | KID ×1000 ↓ | precision | recall | classes covered | class entropy |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["rows"]:
        m, r = row["mean"], row["range"]
        lines.append(
            f"| {row['name']} ({row['chapter']}) | {format_figure(m['fd'])} ± {format_figure(r['fd'] / 2)} "
            f"| {format_figure(1000 * m['kid'])} | {m['precision']:.3f} | {m['recall']:.3f} "
            f"| {m['covered']:.1f}/10 | {m['entropy']:.3f} |"
        )
    f = results["floor"]
    if f is not None:
        lines.append(
            f"| real vs real (floor) | {format_figure(f['fd'])} | {format_figure(1000 * f['kid'])} "
            f"| {f['precision']:.3f} | {f['recall']:.3f} | {f['covered']}/10 | {f['entropy']:.3f} |"
        )
    for item in results["missing"]:
        lines.append(f"| {item['label']}: not shipped yet | | | | | | |")
    lines += [
        "",
        f"Measured {results['measured_at'][:10]}. The floor is a yardstick, not a target: real training "
        "images against real test images.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generative_quality", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file (the .md is written beside it)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = measure(n=args.n)
    results["seconds"] = round(time.perf_counter() - started, 1)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    args.output.with_suffix(".md").write_text(to_markdown(results))
    keep_recording(args.output, RESULTS)  # the copy the chapters read, when this is the default output
    print(to_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
