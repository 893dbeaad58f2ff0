"""Unsupervised pretraining: a classifier on few labels, on top of an autoencoder's trained encoder.

The experiment of the chapter on stacked autoencoders. An autoencoder trained on
all the images (no labels) gives an encoder; a classifier made of that encoder, a
batch normalization and a softmax layer is then trained on only a few labelled
images, in three ways:

- `"from scratch"`: the same classifier with a freshly initialised encoder;
- `"pretrained, frozen"`: the pretrained encoder kept fixed, only the top layers learn;
- `"pretrained, fine-tuned"`: the frozen classifier, then every layer unfrozen and
  trained further at a lower learning rate (Géron's two phases).

Each classifier gets its own copy of the encoder: a new encoder built by the same
builder, into which the trained weights are copied with `set_weights`. The copy
starts from the trained weights, unlike `keras.models.clone_model`, which makes
new, re-initialised weights; and fine-tuning one classifier changes neither the
original encoder nor the encoder of another classifier.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keras
import numpy as np

from autoaegan.data.pipeline import make_dataset
from autoaegan.plans import PerProfile, Plan, Recipe
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import Profile
from autoaegan.training.fitting import train

METHODS = ("from scratch", "pretrained, frozen", "pretrained, fine-tuned")
LABEL_COUNTS = (100, 500, 1_000, 5_000)
# The frozen phase trains only the small top layers, a convex-like problem that tolerates a
# larger step; the fine-tuning phase then trains every layer at a smaller one, so as not to wreck
# the pretrained features. Both are factors of the recipe's learning rate.
FROZEN_LEARNING_RATE_FACTOR = 5.0
FINE_TUNE_LEARNING_RATE_FACTOR = 0.2
# The classifiers' plan. The course's recipe without XLA: these trainings are a few hundred steps of a small
# model, and compiling each of the 12 classifiers cost more than it saved (measured here on an early version of
# the classroom experiment: 170 s with XLA, 70 s without). Optimizer steps per classifier training, per run
# profile: a fixed number of steps, not of epochs, gives 100 labels and 5,000 labels the same amount of training.
PLAN = Plan(
    recipe=FAST_RECIPE.with_changes(jit_compile=False),
    counts={"steps": PerProfile(test=20, classroom=200, full=1_000)},
)
# Keras pays a fixed cost per epoch: a small labelled set is repeated so that an epoch holds
# at least this many examples (the classifier still sees only the labelled images).
MIN_EPOCH_EXAMPLES = 2_048


@dataclass(frozen=True)
class PretrainingRun:
    """One classifier: how many labels it saw, how it was trained, and its validation accuracy."""

    n_labels: int
    method: str
    valid_accuracy: float
    epochs: int
    seconds: float


@dataclass(frozen=True)
class PretrainingResult:
    """Every run of `compare_pretraining`, with accessors for one method's accuracies and a text table."""

    runs: tuple[PretrainingRun, ...]

    @property
    def label_counts(self) -> tuple[int, ...]:
        """The label counts tried, in increasing order."""
        return tuple(sorted({run.n_labels for run in self.runs}))

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods compared, in the order of `METHODS`."""
        present = {run.method for run in self.runs}
        return tuple(method for method in METHODS if method in present)

    def accuracy(self, method: str, n_labels: int) -> float:
        """The validation accuracy of `method` trained on `n_labels` labels."""
        for run in self.runs:
            if run.method == method and run.n_labels == n_labels:
                return run.valid_accuracy
        raise KeyError(
            f"no run of {method!r} with {n_labels} labels; methods {self.methods}, counts {self.label_counts}"
        )

    def accuracies(self, method: str) -> list[float]:
        """The validation accuracies of `method`, one per label count (in increasing order)."""
        return [self.accuracy(method, n) for n in self.label_counts]

    def table(self) -> str:
        """A plain-text table: one row per label count, one column of validation accuracy per method."""
        width = max(len(method) for method in self.methods)
        lines = ["labels  " + "  ".join(f"{method:>{width}}" for method in self.methods)]
        for n in self.label_counts:
            lines.append(f"{n:>6,}  " + "  ".join(f"{self.accuracy(m, n):>{width}.4f}" for m in self.methods))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def copy_encoder(encoder: keras.Model, build_encoder: Callable[[], keras.Model]) -> keras.Model:
    """A new encoder from `build_encoder()`, holding a copy of `encoder`'s trained weights (not shared with it)."""
    fresh = build_encoder()
    if fresh is encoder:
        raise ValueError("build_encoder must build a new encoder, not return the trained one")
    try:
        fresh.set_weights(encoder.get_weights())
    except ValueError as error:
        raise ValueError(
            f"build_encoder() made an encoder whose weights do not fit the trained one ({error}); "
            "pass the builder that made the trained encoder"
        ) from None
    return fresh


def build_classifier(
    encoder: keras.Model, n_classes: int = 10, *, trainable_encoder: bool = True, seed: int | None = None
) -> keras.Sequential:
    """`encoder`, a batch normalization and a softmax layer of `n_classes`; the encoder is frozen unless trainable.

    The normalization puts the codings on a common scale: an autoencoder's codings
    can reach tens, and a softmax layer on them would learn slowly.
    """
    encoder.trainable = trainable_encoder
    initializer = keras.initializers.GlorotUniform(seed)
    head = keras.layers.Dense(n_classes, activation="softmax", kernel_initializer=initializer)
    return keras.Sequential([encoder, keras.layers.BatchNormalization(momentum=0.9), head], name="classifier")


def labelled_subset(n_labels: int, n_available: int, *, seed: int) -> np.ndarray:
    """The indices of the `n_labels` labelled examples among `n_available`, sorted.

    One seeded permutation serves every count, so the 100 labelled images are
    among the 500, which are among the 1,000, and so on.
    """
    if n_labels > n_available:
        raise ValueError(f"cannot label {n_labels:,} examples out of {n_available:,}: ask for at most {n_available:,}")
    return np.sort(np.random.default_rng(seed).permutation(n_available)[:n_labels])


def valid_accuracy(classifier: keras.Model, images: np.ndarray, labels: np.ndarray, batch_size: int = 1024) -> float:
    """The share of `images` that `classifier` puts in their class.

    The classifier is called eagerly on each batch: tracing a prediction function
    for one pass over the validation set costs more time and memory than it saves.
    """
    predicted = [
        keras.ops.convert_to_numpy(keras.ops.argmax(classifier(batch, training=False), axis=-1))
        for batch in make_dataset(images, batch_size=batch_size)
    ]
    return float(np.mean(np.concatenate(predicted) == np.asarray(labels)))


def _epochs_for(steps: int, n_examples: int, batch_size: int) -> int:
    return max(1, math.ceil(steps / math.ceil(n_examples / batch_size)))


def _repeated(indices: np.ndarray, at_least: int) -> np.ndarray:
    return np.tile(indices, max(1, math.ceil(at_least / len(indices))))


def _classifier(make_classifier, encoder: keras.Model, *, trainable: bool) -> keras.Model:
    classifier = make_classifier(encoder)
    if not isinstance(classifier, keras.Model):
        raise TypeError(f"make_classifier must return a keras.Model, got {type(classifier).__name__}")
    if not any(layer is encoder for layer in classifier.layers):
        raise ValueError("make_classifier must build the classifier on the encoder it is given (as its first layers)")
    encoder.trainable = trainable
    return classifier


def compare_pretraining(
    encoder: keras.Model,
    build_encoder: Callable[[], keras.Model],
    train_images: np.ndarray,
    train_labels: np.ndarray,
    valid_images: np.ndarray,
    valid_labels: np.ndarray,
    *,
    label_counts: Sequence[int] = LABEL_COUNTS,
    steps: int | None = None,
    recipe: Recipe = PLAN.recipe,
    make_classifier: Callable[[keras.Model], keras.Model] | None = None,
    profile: Profile,
    verbose: int = 0,
) -> PretrainingResult:
    """Train the three classifiers of `METHODS` on each number of labels in `label_counts`; score them on validation.

    `encoder` is the trained encoder (it is never modified) and `build_encoder` a
    function that builds a new, untrained encoder of the same architecture. Each
    training lasts about `steps` optimizer steps (default: `PLAN`'s under `profile`) and
    goes through `autoaegan.training.fitting.train` with `recipe`.

    `make_classifier(encoder)` puts the classification layers on top of an encoder and
    returns the classifier (a chapter passes its own); by default `build_classifier`,
    with as many classes as the labels hold. This function sets the encoder's
    `trainable` flag itself: off for the frozen phase, on for the fine-tuning.
    """
    steps = PLAN.count("steps", profile) if steps is None else int(steps)
    train_labels, valid_labels = np.asarray(train_labels), np.asarray(valid_labels)
    if len(train_labels) != len(train_images) or len(valid_labels) != len(valid_images):
        raise ValueError(
            f"every image needs a label: got {len(train_images)} training images and {len(train_labels)} labels, "
            f"{len(valid_images)} validation images and {len(valid_labels)} labels"
        )
    n_classes = int(max(train_labels.max(), valid_labels.max())) + 1
    if make_classifier is None:

        def make_classifier(encoder):
            return build_classifier(encoder, n_classes, seed=profile.seed)

    frozen_recipe = recipe.with_changes(learning_rate=recipe.learning_rate * FROZEN_LEARNING_RATE_FACTOR)
    fine_tune_recipe = recipe.with_changes(learning_rate=recipe.learning_rate * FINE_TUNE_LEARNING_RATE_FACTOR)
    settings = {"loss": "sparse_categorical_crossentropy", "profile": profile, "verbose": verbose}

    runs = []

    def run(labelled, method, classifier, training_recipe, started):
        n_labels, x, y, epochs = labelled
        train(classifier, x, y, epochs=epochs, recipe=training_recipe, **settings)
        accuracy = valid_accuracy(classifier, valid_images, valid_labels)
        runs.append(PretrainingRun(n_labels, method, accuracy, epochs, time.perf_counter() - started))

    for n_labels in sorted(label_counts):
        chosen = labelled_subset(n_labels, len(train_images), seed=profile.seed)
        chosen = _repeated(chosen, min(MIN_EPOCH_EXAMPLES, steps * recipe.batch_size))
        labelled = (
            n_labels,
            train_images[chosen],
            train_labels[chosen],
            _epochs_for(steps, len(chosen), recipe.batch_size),
        )

        started = time.perf_counter()
        keras.utils.set_random_seed(profile.seed)
        run(labelled, "from scratch", _classifier(make_classifier, build_encoder(), trainable=True), recipe, started)

        started = time.perf_counter()
        keras.utils.set_random_seed(profile.seed)
        pretrained = copy_encoder(encoder, build_encoder)
        classifier = _classifier(make_classifier, pretrained, trainable=False)
        run(labelled, "pretrained, frozen", classifier, frozen_recipe, started)

        started = time.perf_counter()
        pretrained.trainable = True
        run(labelled, "pretrained, fine-tuned", classifier, fine_tune_recipe, started)
    return PretrainingResult(tuple(runs))
