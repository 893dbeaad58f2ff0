"""The real-vs-real floor of the generative metrics at N = 10,000, and what measuring costs.

With the shipped Fashion-MNIST classifier it measures a fixed, seeded set of 10,000
training images against the test set (FD, KID, precision, recall, class coverage):
the floor that every generator's figures are printed beside. It also prints the
classifier's test accuracy (from its manifest and measured again), a second draw of
10,000 real training images scored like a generated set (how far the floor moves
with the draw), and the time and peak memory of both measurements:

- the floor, cold: loading the data and the classifier, features of 20,000 images, the distances;
- one generated set, warm (test features and floor cached, as in a notebook): features of
  10,000 images and the distances.

    python -m benchmarks.generative_floor            # writes benchmarks/results/generative_floor.json and .md
    python -m benchmarks.generative_floor --n 2000 --output /tmp/floor  # a quick look (compare only at one N)

Peak memory is the process's resident high-water mark (Linux `VmHWM`, reset before
each step where the kernel allows it), TensorFlow and the data included.
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.metrics.evaluation import DEFAULT_N, DEFAULT_SEED, evaluate_generated, real_floor
from autoaegan.metrics.features import draw_sample
from autoaegan.models.classifier import accuracy
from autoaegan.pretrained import load_pretrained, read_manifest
from benchmarks import harness

STAND_IN_SEED = 7  # draws the second set of real training images, scored as if generated


def _rss_status(field: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes (0 where unreadable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _reset_peak() -> bool:
    """Reset the resident high-water mark (Linux ≥ 4.0); False where that is not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measured(step):
    """Run `step()`; return its result and its cost: wall seconds, peak RSS and RSS before (MiB), peak reset or not."""
    before = _rss_status("VmRSS")
    reset = _reset_peak()
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    return result, {
        "seconds": round(seconds, 1),
        "peak_rss_mib": round(_rss_status("VmHWM") / 2**20),
        "rss_before_mib": round(before / 2**20),
        "peak_reset": reset,
    }


def run(n: int, seed: int) -> dict:
    """Measure the floor and a stand-in generated set at `n`, `seed`; return every figure."""
    manifest = read_manifest("fashion_classifier")
    floor, floor_cost = measured(lambda: real_floor(n=n, seed=seed))
    data = load_fashion_mnist()
    stand_in = draw_sample(data.train_images, n, seed=STAND_IN_SEED, stream=99)
    report, report_cost = measured(lambda: evaluate_generated(stand_in, name="other real images", n=n, seed=seed))
    measured_accuracy = _test_accuracy(data)
    return {
        "machine": harness.machine(processor=platform.processor() or platform.machine()),
        "n": n,
        "seed": seed,
        "classifier": {
            "test_accuracy_manifest": manifest.metrics["test_accuracy"],
            "valid_accuracy_manifest": manifest.metrics["valid_accuracy"],
            "test_accuracy_measured": measured_accuracy,
            "train_seconds": manifest.train_seconds,
            "sha256": manifest.sha256,
        },
        "floor": floor.as_dict(),
        "second_real_draw": report.scores.as_dict(),
        "cost": {"floor_cold": floor_cost, "generated_set_warm": report_cost},
        "report": str(report),
    }


def _test_accuracy(data) -> float:
    return accuracy(load_pretrained("fashion_classifier"), data.test_images, data.test_labels)


def summary(results: dict) -> str:
    """The figures as text: the classifier, the floor beside a second real draw, and the costs."""
    c, cost = results["classifier"], results["cost"]
    lines = [
        f"classifier: test accuracy {c['test_accuracy_measured']:.4f} (manifest {c['test_accuracy_manifest']:.4f}, "
        f"validation {c['valid_accuracy_manifest']:.4f}), trained in {c['train_seconds'] / 60:.0f} min",
        "",
        results["report"],
        "",
        f"floor, cold (data, classifier, features of {2 * results['n']:,} images, distances): "
        f"{cost['floor_cold']['seconds']:.1f} s, peak RSS {cost['floor_cold']['peak_rss_mib']} MiB",
        f"one set of {results['n']:,} images, warm (features, distances): "
        f"{cost['generated_set_warm']['seconds']:.1f} s, peak RSS {cost['generated_set_warm']['peak_rss_mib']} MiB "
        f"(from {cost['generated_set_warm']['rss_before_mib']} MiB before)",
    ]
    return "\n".join(lines)


BENCHMARK = harness.Benchmark("generative_floor", summary)


def main(argv: list[str] | None = None) -> int:
    """Measure, write the results files, print the summary."""
    parser = harness.command_line(__doc__)
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    harness.run(BENCHMARK, args, lambda: run(args.n, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
