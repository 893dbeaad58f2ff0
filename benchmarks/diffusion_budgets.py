"""Chapter 12's sampling budgets: the chapter's default sampler, 50 DDIM steps (η = 0), on 2 cores.

The goals (chapter 12 in a classroom): 64 images for a figure in at most 30 s, and 2,000 images in at
most 5 minutes, with the shipped denoiser (`load_pretrained("diffusion")`). The process
pins itself to `--cores` CPUs (default 2) before TensorFlow starts. For each number
of images a fresh sampler (`autoaegan.experiments.shipped_generators.DiffusionImages`,
what `generate` makes at each call) first compiles its network for the batches of
that many images (one DDIM step of them, timed as "compile"), then samples them
(timed as "warm"). A first call waits for both: the goal is checked on their sum.

It writes `benchmarks/results/diffusion_budgets.json` (every figure, with the
weights and the machine) and `diffusion_budgets.md` (the README's block), and exits
with 1 when a goal is missed.

    python -m benchmarks.diffusion_budgets
    python -m benchmarks.diffusion_budgets --quick --output /tmp/bench   # the 64 images only
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence

from benchmarks import harness
from benchmarks.process_memory import pick_cores

# images -> the goal in seconds for a first call
GOALS = {64: 30.0, 2_000: 300.0}
SAMPLE_SEED = 0


def time_sampling(make_images, n: int) -> dict:
    """The seconds to compile `make_images` for `n` images, then to sample them warm; and their sum."""
    started = time.perf_counter()
    make_images.warm_up(n)
    compiled = time.perf_counter()
    images = make_images(SAMPLE_SEED, n)
    sampled = time.perf_counter()
    if images.shape[0] != n:
        raise RuntimeError(f"the sampler made {images.shape[0]} images instead of {n}")
    return {
        "images": n,
        "compile_seconds": round(compiled - started, 3),
        "seconds": round(sampled - compiled, 3),
        "first_call_seconds": round(sampled - started, 3),
    }


def measure(denoiser, counts: Sequence[int] = tuple(GOALS), *, jit_compile: bool = True) -> dict:
    """Time the default sampler of `denoiser` for each of `counts` images, against the goals where there is one."""
    from autoaegan.experiments.shipped_generators import DiffusionImages  # after the pinning: see main

    rows = []
    for n in counts:
        make_images = DiffusionImages(denoiser, jit_compile=jit_compile)  # a fresh one: its compiling is timed
        row = time_sampling(make_images, n)
        goal = GOALS.get(n)
        row["goal_seconds"] = goal
        row["goal_met"] = None if goal is None else row["first_call_seconds"] <= goal
        print(f"{n:,} images: {row['first_call_seconds']:.1f} s first call, {row['seconds']:.1f} s warm", flush=True)
        rows.append(row)
    return {
        "sampler": {
            "kind": make_images.sampler,
            "steps": make_images.steps,
            "eta": make_images.eta,
            "jit_compile": jit_compile,
        },
        "rows": rows,
    }


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def markdown(document: dict) -> str:
    """The README block: one row per number of images, with its goal, then the sampler, the weights and the machine."""
    rows = []
    for row in document["rows"]:
        goal = row["goal_seconds"]
        verdict = "—" if row["goal_met"] is None else ("pass" if row["goal_met"] else "over")
        rows.append(
            (
                f"{row['images']:,}",
                f"{row['first_call_seconds']:.1f}",
                f"{row['seconds']:.1f}",
                f"{row['compile_seconds']:.1f}",
                "—" if goal is None else f"≤ {_duration(goal)}",
                verdict,
            )
        )
    header = ("images", "first call (s)", "warm (s)", "compiling (s)", "goal, first call", "result")
    sampler, weights, machine = document["sampler"], document["weights"], document["machine"]
    lines = [
        harness.table(header, rows, align="rrrrll"),
        "",
        f"The chapter's default sampler: {sampler['steps']} DDIM steps (η = {sampler['eta']:g}) of the shipped "
        f"denoiser (`diffusion`, {weights['epochs']} epochs), "
        f"{'XLA-compiled' if sampler['jit_compile'] else 'without XLA'}; a first call compiles the network for "
        f"its batches, then samples. Measured {document['measured_at'][:10]} in one process on "
        f"{machine.get('cores_used', machine['cpus'])} of {machine['cpus']} CPUs, Python {machine['python']}, "
        f"TensorFlow {machine['tensorflow']} (`python -m benchmarks.diffusion_budgets`).",
    ]
    return "\n".join(lines)


BENCHMARK = harness.Benchmark("diffusion_budgets", markdown)


def main(argv: list[str] | None = None) -> int:
    """Measure, print, write the results; return 1 when a goal is missed."""
    parser = harness.command_line(__doc__)
    parser.add_argument("--quick", action="store_true", help="time the 64 images of a figure only")
    parser.add_argument("--cores", type=int, default=2, help="CPUs this process may use (default 2)")
    arguments = parser.parse_args(argv)
    cores = pick_cores(arguments.cores)
    if cores and not arguments.markdown:
        os.sched_setaffinity(0, cores)  # before TensorFlow starts its thread pools

    def measured() -> dict:
        from autoaegan.experiments.diffusion_sampling import shipped_weights
        from autoaegan.pretrained import load_pretrained

        counts = (64,) if arguments.quick else tuple(GOALS)
        return {
            "measured_at": harness.now(),
            "weights": shipped_weights(),
            **measure(load_pretrained("diffusion"), counts),
            "machine": harness.machine(cores or range(os.cpu_count() or 1)),
        }

    document = harness.run(BENCHMARK, arguments, measured)
    return 0 if all(row["goal_met"] is not False for row in document["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())
