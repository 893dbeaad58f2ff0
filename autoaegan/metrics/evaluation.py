"""One call that measures a generated set against the test set, always beside the real-vs-real floor.

`evaluate_generated(images)` draws N = 10,000 of the images with a seed, runs them and
the test set through the shipped classifier, and computes the Fréchet distance, KID,
precision, recall and class coverage (`autoaegan.metrics.generative`). Beside them it
puts the same figures for a fixed, seeded set of N training images against the test
set: the floor that a perfect generator would reach (real images are as good as it
gets), measured the same way. Fréchet distances are biased at small N, so figures
compare only at the same N and seed; the floor is computed once per (N, seed) and
kept for the rest of the process.

KID is an unbiased estimate, so the floor's is about 0 and may come out below it
(-0.017 at N = 10,000 with the shipped classifier, within its noise): the table
then prints no ratio to the floor for it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from autoaegan.arguments import positive_int
from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.metrics.features import Extractor, Features, extract_features, metric_images
from autoaegan.metrics.generative import (
    MIN_CLASS_SHARE,
    NEIGHBOURS,
    ClassCoverage,
    class_coverage,
    frechet_distance,
    kernel_distance,
    precision_recall,
)

DEFAULT_N = 10_000
DEFAULT_SEED = 42
# Separate random streams under one seed: the generated set, the floor's training images, the test images.
GENERATED_STREAM, FLOOR_STREAM, TEST_STREAM = 0, 1, 2

# Per process: test-set features and floors, keyed by (what, n, seed, extractor, data) identities.
# The values keep the extractor and data objects alive, so that their ids cannot be reused.
_CACHE: dict[tuple, tuple] = {}


@dataclass(frozen=True)
class GenerativeScores:
    """The figures of one set measured against the test set."""

    fd: float
    kid: float
    precision: float
    recall: float
    coverage: ClassCoverage

    def as_dict(self) -> dict:
        """The figures as plain numbers (coverage counts as a list), e.g. for JSON."""
        figures = asdict(self)
        figures["coverage"]["counts"] = list(self.coverage.counts)
        return figures

    def headline(self) -> dict:
        """The six figures the course's tables show, as floats by name: fd, kid, precision, recall, covered (classes)
        and entropy (the normalised entropy of the class shares)."""
        return {
            "fd": self.fd,
            "kid": self.kid,
            "precision": self.precision,
            "recall": self.recall,
            "covered": self.coverage.covered,
            "entropy": self.coverage.normalised_entropy,
        }


def score_features(
    real: Features, generated: Features, *, k: int = NEIGHBOURS, min_share: float = MIN_CLASS_SHARE
) -> GenerativeScores:
    """Every metric for `generated` against `real`, from their classifier features and probabilities."""
    pr = precision_recall(real.features, generated.features, k=k)
    return GenerativeScores(
        fd=frechet_distance(real.features, generated.features),
        kid=kernel_distance(real.features, generated.features),
        precision=pr.precision,
        recall=pr.recall,
        coverage=class_coverage(generated.probabilities, classes=generated.probabilities.shape[1], min_share=min_share),
    )


def format_figure(value: float) -> str:
    """A distance as text: four significant digits (0.001234, 12.34), whole numbers from 1,000 on."""
    return f"{value:,.0f}" if abs(value) >= 1_000 else f"{value:.4g}"


@dataclass(frozen=True)
class GenerativeReport:
    """A generated set's figures beside the real-vs-real floor, at one N and seed. Print it for a table."""

    name: str
    scores: GenerativeScores
    floor: GenerativeScores
    n: int
    seed: int

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(metric, this set, real-vs-real floor, ratio to the floor) as text, one row per figure."""
        s, f = self.scores, self.floor

        def ratio(value, floor):
            return f"{value / floor:,.1f}×" if floor > 0 else "–"

        k = NEIGHBOURS
        return [
            ("FD (lower is better)", format_figure(s.fd), format_figure(f.fd), ratio(s.fd, f.fd)),
            (
                "KID ×1000 (lower is better)",
                format_figure(1000 * s.kid),
                format_figure(1000 * f.kid),
                ratio(s.kid, f.kid),
            ),
            (f"precision, k={k}", f"{s.precision:.3f}", f"{f.precision:.3f}", ""),
            (f"recall, k={k}", f"{s.recall:.3f}", f"{f.recall:.3f}", ""),
            (
                f"classes covered (≥{s.coverage.min_share:.0%})",
                f"{s.coverage.covered}/{s.coverage.classes}",
                f"{f.coverage.covered}/{f.coverage.classes}",
                "",
            ),
            (
                "class entropy, normalised",
                f"{s.coverage.normalised_entropy:.3f}",
                f"{f.coverage.normalised_entropy:.3f}",
                "",
            ),
        ]

    def __str__(self) -> str:
        header = ("metric", self.name, "real vs real", "ratio")
        rows = [header, *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [f"{self.name} against the test set, N = {self.n:,}, seed {self.seed} (classifier features)"]
        for index, row in enumerate(rows):
            lines.append(
                "  ".join(
                    cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))
                ).rstrip()
            )
            if index == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The table in Markdown (display it with `IPython.display.Markdown`)."""
        lines = [f"| metric | {self.name} | real vs real | ratio |", "|---|---:|---:|---:|"]
        lines += [f"| {m} | {a} | {b} | {r} |" for m, a, b, r in self.rows()]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        """Every figure as plain numbers, e.g. for a manifest or a JSON file."""
        return {
            "name": self.name,
            "n": self.n,
            "seed": self.seed,
            "scores": self.scores.as_dict(),
            "floor": self.floor.as_dict(),
        }


def _data(data):
    return load_fashion_mnist() if data is None else data


def _cached(what: str, n: int, seed: int, extractor, data, compute):
    key = (what, n, seed, id(extractor), id(data))
    if key not in _CACHE:
        _CACHE[key] = (compute(), extractor, data)
    return _CACHE[key][0]


def clear_cache() -> None:
    """Forget the test-set features and floors computed so far in this process."""
    _CACHE.clear()


def reference_features(
    *, n: int = DEFAULT_N, seed: int = DEFAULT_SEED, extractor: Extractor | None = None, data=None
) -> Features:
    """The classifier features of N test images (all 10,000 at the default N), cached per (N, seed)."""
    n = positive_int(n, "n")

    def compute():
        images = metric_images(_data(data).test_images, name="test images", n=n, seed=seed, stream=TEST_STREAM)
        return extract_features(images, extractor, name="test images")

    return _cached("test", n, seed, extractor, data, compute)


def real_floor(
    *, n: int = DEFAULT_N, seed: int = DEFAULT_SEED, extractor: Extractor | None = None, data=None
) -> GenerativeScores:
    """The real-vs-real floor: N seeded training images measured against the test set, cached per (N, seed).

    `data` defaults to `load_fashion_mnist()` (its 55,000 training images); `extractor` to the shipped classifier.
    """
    n = positive_int(n, "n")

    def compute():
        images = metric_images(_data(data).train_images, name="training images", n=n, seed=seed, stream=FLOOR_STREAM)
        train = extract_features(images, extractor, name="training images")
        return score_features(reference_features(n=n, seed=seed, extractor=extractor, data=data), train)

    return _cached("floor", n, seed, extractor, data, compute)


def evaluate_generated(
    images,
    *,
    name: str = "generated",
    n: int = DEFAULT_N,
    seed: int = DEFAULT_SEED,
    extractor: Extractor | None = None,
    data=None,
) -> GenerativeReport:
    """Measure N of `images` (drawn with `seed`) against the test set, beside the real-vs-real floor.

    `images`: uint8, or floats in [0, 1] (rescale tanh outputs with (x + 1) / 2 first), shaped
    (count, 28, 28) or (count, 28, 28, 1), or 32×32 (centre-cropped); at least N of them.
    """
    n = positive_int(n, "n")
    # Checked before any slow work, so that a bad input fails at once.
    drawn = metric_images(images, name=f"the {name} images", n=n, seed=seed, stream=GENERATED_STREAM)
    generated = extract_features(drawn, extractor, name=f"{name} images")
    scores = score_features(reference_features(n=n, seed=seed, extractor=extractor, data=data), generated)
    floor = real_floor(n=n, seed=seed, extractor=extractor, data=data)
    return GenerativeReport(name=name, scores=scores, floor=floor, n=n, seed=seed)
