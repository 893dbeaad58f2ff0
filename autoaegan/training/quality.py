"""Quick quality figures of a generator during and after a long training: the quick FD that a checkpoint's history
keeps, and the figures (FD, KID, precision, recall, classes covered) that a shipped GAN's manifest records."""

from __future__ import annotations

import keras
import numpy as np

from autoaegan.metrics.evaluation import DEFAULT_SEED, evaluate_generated
from autoaegan.pixels import SIGNED_RANGE
from autoaegan.training.sampling import sample_images

# The sample seeds of the shipped GANs' quality figures (the metric's own draw stays at its default seed).
SAMPLE_SEEDS = (1, 2, 3)
# Samples of the quick FD that a long training records after each chunk.
QUICK_FD_N = 2_000


def quick_fd(generator: keras.Model, *, n: int = QUICK_FD_N, seed: int = 0, value_range=SIGNED_RANGE) -> float:
    """The FD of `n` samples of `generator` (images in `value_range`; 32×32 ones centre-cropped), for monitoring."""
    images = sample_images(generator, n, seed=seed, value_range=value_range)
    return float(evaluate_generated(images, n=n).scores.fd)


def score_seeds(
    make_images, *, n: int, seeds=SAMPLE_SEEDS, name: str = "generated", metric_seed: int = DEFAULT_SEED, **evaluation
) -> dict:
    """Score `make_images(seed)` (at least `n` images, as `evaluate_generated` takes them) for each sample seed.

    Returns the headline figures of each seed (`runs`), their means, and the real-vs-real floor's figures. The
    metric's own draw (`metric_seed`) stays fixed, so the seeds change only the generated samples. `evaluation`
    goes to `evaluate_generated` (`extractor`, `data`).
    """
    runs, floor = [], None
    for seed in seeds:
        report = evaluate_generated(make_images(seed), name=name, n=n, seed=metric_seed, **evaluation)
        runs.append({"sample_seed": seed, **report.scores.headline()})
        floor = report.floor
    means = {key: float(np.mean([run[key] for run in runs])) for key in runs[0] if key != "sample_seed"}
    return {"n": n, "sample_seeds": list(seeds), "mean": means, "runs": runs, "floor": floor.headline()}


def quality_figures(generator: keras.Model, *, n: int, seeds=SAMPLE_SEEDS, value_range=SIGNED_RANGE) -> dict:
    """FD, KID, precision, recall and classes covered for `n` samples per seed, and their means over the seeds.

    Measured by `autoaegan.metrics.evaluation.evaluate_generated` against the test
    set (the real-vs-real floor beside them).
    """

    def samples(seed: int):
        return sample_images(generator, n, seed=seed, value_range=value_range)

    figures = score_seeds(samples, n=n, seeds=seeds)
    figures["floor"].pop("entropy")
    return figures
