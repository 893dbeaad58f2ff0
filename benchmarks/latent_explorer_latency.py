"""Latency of the latent explorer: what one slider move costs in the kernel, decode plus PNG encoding.

The process pins itself to 2 cores (`--cores`), builds a `LatentExplorer` on the
latent-10 VAE decoder (the shipped `variational_autoencoder` weights when they
exist, else a freshly built decoder of the same architecture, which costs the
same to run), and times many slider moves:

- **slider move**: `slider.value = v`, which runs the explorer's observer: decode
  the coding with `decoder(z, training=False)`, encode the PNG, set the image
  widget's value (its state is serialised as in a kernel; only the socket send is
  missing);
- **decode + PNG**: the same work through the pure functions, without widgets;
- **decode**: the decoder call alone.

It prints the median and 95th percentile of each in milliseconds, writes
`benchmarks/results/latent_explorer_latency.json` (every figure, with the machine) and
`latent_explorer_latency.md` (the README's block), and exits with 1
when the median or p95 slider move misses the 100 ms target.

    python -m benchmarks.latent_explorer_latency
    python -m benchmarks.latent_explorer_latency --repetitions 200 --output /tmp/bench
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from benchmarks import harness
from benchmarks.process_memory import pick_cores

TARGET_MS = 100.0
MODEL_NAME = "variational_autoencoder"


def load_decoder():
    """The latent-10 VAE decoder, and a sentence saying where it came from (shipped weights or freshly built)."""
    # TensorFlow is imported only here and in `measure`, after `main` pinned the process to its cores: it sizes its
    # thread pools from the CPUs the process may use.
    from autoaegan.models.variational import build_variational_autoencoder
    from autoaegan.pretrained import CATALOG, PretrainedError, load_pretrained

    if MODEL_NAME in CATALOG:
        try:
            vae = load_pretrained(MODEL_NAME)
            return vae.decoder, f"the shipped `{MODEL_NAME}` weights (`load_pretrained`)"
        except (PretrainedError, FileNotFoundError) as error:
            reason = f"its weights could not be loaded ({type(error).__name__})"
    else:
        reason = f"`{MODEL_NAME}` is not in the pretrained catalogue yet"
    _, decoder, _ = build_variational_autoencoder(latent_dim=10)
    return (
        decoder,
        f"a freshly built decoder of the same architecture: {reason}; the cost does not depend on the weights",
    )


def percentiles(milliseconds: list[float]) -> dict[str, float]:
    """Median, 95th percentile, mean and maximum of a list of timings, in ms."""
    values = np.asarray(milliseconds)
    return {
        "median_ms": float(np.median(values)),
        "p95_ms": float(np.percentile(values, 95)),
        "mean_ms": float(values.mean()),
        "max_ms": float(values.max()),
    }


def measure(repetitions: int, warmup: int, scale: int) -> dict:
    """Time `repetitions` slider moves (after `warmup` untimed ones), and the pure path, on the VAE decoder."""
    from autoaegan.widgets.decoding import decode  # after the pinning, as in load_decoder
    from autoaegan.widgets.latent_explorer import LatentExplorer
    from autoaegan.widgets.png import grey_png

    decoder, source = load_decoder()
    explorer = LatentExplorer(decoder, seed=0, scale=scale)
    sliders = explorer.sliders
    # A walk that changes one slider per move, as a learner's arrow keys do, always to a new value.
    moves = [(k % len(sliders), round(-3.0 + (k * 0.7) % 6.0, 1)) for k in range(warmup + repetitions)]
    timings = {"slider move": [], "decode + PNG": [], "decode": []}
    for k, (index, value) in enumerate(moves):
        if sliders[index].value == value:
            value = round(value - 0.1, 1)
        started = time.perf_counter()
        sliders[index].value = value
        moved = time.perf_counter()
        values = [slider.value for slider in sliders]
        grey_png(explorer.image_for(values), scale=scale)
        pure = time.perf_counter()
        decode(decoder, explorer.coding_for(values)[None])
        decoded = time.perf_counter()
        if k >= warmup:
            timings["slider move"].append((moved - started) * 1000)
            timings["decode + PNG"].append((pure - moved) * 1000)
            timings["decode"].append((decoded - pure) * 1000)
    assert np.isfinite(explorer.compute()).all()
    return {
        "model": source,
        "latent_dim": explorer.latent_dim,
        "sliders": len(sliders),
        "image_pixels": f"{explorer.image_shape[0] * scale}×{explorer.image_shape[1] * scale}",
        "repetitions": repetitions,
        "warmup": warmup,
        "results": {name: percentiles(values) for name, values in timings.items()},
    }


def markdown(document: dict) -> str:
    """The README block: one row per timed path, then the model and the machine."""
    rows = []
    for name, figures in document["results"].items():
        if name == "slider move":
            verdict = "pass" if figures["p95_ms"] < TARGET_MS else "over"
            target = f"< {TARGET_MS:.0f} ms"
        else:
            verdict = target = "—"
        rows.append((name, f"{figures['median_ms']:.1f}", f"{figures['p95_ms']:.1f}", target, verdict))
    header = ("one slider move, latent-10 VAE decoder", "median (ms)", "p95 (ms)", "target", "result")
    lines = [harness.table(header, rows, align="lrrll")]
    machine = document["machine"]
    lines += [
        "",
        f"{document['repetitions']} moves after {document['warmup']} untimed ones, {document['image_pixels']} PNG, "
        f"decoder from {document['model']}. Measured {document['measured_at'][:10]} in one process on "
        f"{machine['cores_used']} of {machine['cpus']} CPUs, Python {machine['python']}, TensorFlow "
        f"{machine['tensorflow']}.",
    ]
    return "\n".join(lines)


BENCHMARK = harness.Benchmark("latent_explorer_latency", markdown)


def parse_arguments(argv: list[str] | None = None):
    """The command line: the harness's (--output, --markdown), --repetitions, --warmup, --scale, --cores."""
    parser = harness.command_line(__doc__)
    parser.add_argument("--repetitions", type=int, default=500, help="timed slider moves (default 500)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed moves first (default 20)")
    parser.add_argument("--scale", type=int, default=5, help="pixel block size of the PNG, as in the app (default 5)")
    parser.add_argument("--cores", type=int, default=2, help="CPUs this process may use (default 2)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure, print, write the results; return 1 when the slider move misses the target."""
    arguments = parse_arguments(argv)
    if arguments.repetitions < 1 or arguments.warmup < 0:
        raise SystemExit(
            f"--repetitions must be at least 1 and --warmup at least 0, got {arguments.repetitions} and "
            f"{arguments.warmup}"
        )
    cores = pick_cores(arguments.cores)
    if cores and not arguments.markdown:
        os.sched_setaffinity(0, cores)  # before TensorFlow starts its thread pools

    def measured() -> dict:
        return {
            "measured_at": harness.now(),
            "target_ms": TARGET_MS,
            **measure(arguments.repetitions, arguments.warmup, arguments.scale),
            "machine": harness.machine(cores or range(os.cpu_count() or 1)),
        }

    document = harness.run(BENCHMARK, arguments, measured)
    return 0 if document["results"]["slider move"]["p95_ms"] < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
