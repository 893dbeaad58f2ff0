"""A callback that watches a GAN's class coverage during training: the meter that shows mode collapse.

Every `every` training steps, the generator turns the same fixed codings into
images, the shipped Fashion-MNIST classifier classifies them, and `class_coverage`
counts the classes they fall in. A healthy generator keeps its samples spread over
the ten classes; a collapsing one narrows onto a few, and one that cycles moves its
samples from class to class. A few of the images are kept at each record, so that
the collapse can be seen as well as counted.
"""

from __future__ import annotations

import time

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.latent import sample_codings
from autoaegan.metrics.features import default_extractor
from autoaegan.metrics.generative import MIN_CLASS_SHARE, ClassCoverage, class_coverage
from autoaegan.pixels import unit_to_uint8
from autoaegan.training.sampling import generate_from


class CoverageTracker(keras.callbacks.Callback):
    """Record the class coverage of `n` samples from fixed codings every `every` steps of a `GAN`'s training.

    The codings are drawn once with `seed`, so every record judges the same inputs
    and only the generator changes. The first record is taken before the first step.
    `extractor` maps float images in [0, 1] to `(features, probabilities)` (default:
    the shipped classifier, `autoaegan.metrics.features.default_extractor`). The steps
    are those of the discriminator's optimizer, so a tracker can follow a training
    split over several `fit` calls. With `steps_per_execution`, a record can only fall
    at the end of an execution: pick `every` as a multiple of it.

    After training: `steps`, `coverages` (`ClassCoverage` per record), `logs` (the
    logged figures at each record), `samples` (`keep` images per record, uint8) and
    `as_dict()` for JSON.
    """

    def __init__(
        self,
        *,
        every: int,
        n: int = 1_000,
        seed: int = 0,
        keep: int = 10,
        extractor=None,
        min_share: float = MIN_CLASS_SHARE,
    ):
        super().__init__()
        self.every = positive_int(every, "every")
        self.n = positive_int(n, "n")
        self.keep = min(positive_int(keep, "keep"), self.n)
        self.seed = int(seed)
        self.extractor = extractor
        self.min_share = float(min_share)
        self.steps: list[int] = []
        self.coverages: list[ClassCoverage] = []
        self.logs: list[dict] = []
        self.samples: list[np.ndarray] = []
        self.seconds = 0.0  # spent recording, outside the training steps
        self._codings = None

    def _step(self) -> int:
        return int(keras.ops.convert_to_numpy(self.model.d_optimizer.iterations))

    def record(self, logs=None) -> ClassCoverage:
        """Classify the samples of the current generator now and append the figures; return the coverage."""
        started = time.perf_counter()
        gan = self.model
        if self._codings is None:
            self._codings = sample_codings(self.n, gan.codings_size, seed=self.seed)
        images = generate_from(gan.generator, self._codings, value_range=gan.value_range)
        _, probabilities = (self.extractor or default_extractor())(images)
        coverage = class_coverage(
            np.asarray(probabilities), classes=np.shape(probabilities)[1], min_share=self.min_share
        )
        self.steps.append(self._step())
        self.coverages.append(coverage)
        self.logs.append({name: round(float(value), 5) for name, value in (logs or {}).items()})
        self.samples.append(unit_to_uint8(images[: self.keep]))
        self.seconds += time.perf_counter() - started
        return coverage

    def on_train_begin(self, logs=None):
        if not self.steps:
            self.record()

    def on_train_batch_end(self, batch, logs=None):
        if self._step() >= self.steps[-1] + self.every:
            self.record(logs)

    @property
    def covered(self) -> list[int]:
        """The number of classes covered at each record."""
        return [coverage.covered for coverage in self.coverages]

    def as_dict(self) -> dict:
        """Steps, class counts, classes covered, normalised entropy and logs per record, as plain numbers."""
        return {
            "every": self.every,
            "n": self.n,
            "seed": self.seed,
            "min_share": self.min_share,
            "steps": list(self.steps),
            "counts": [list(coverage.counts) for coverage in self.coverages],
            "covered": self.covered,
            "entropy": [round(coverage.normalised_entropy, 4) for coverage in self.coverages],
            "logs": list(self.logs),
            "seconds": round(self.seconds, 1),
        }
