"""What the generative metrics look at: checked images, a seeded sample of N of them, and classifier features.

Every generative metric compares sets of images through the shipped Fashion-MNIST
classifier (`fashion_classifier`): the 128 numbers of its penultimate layer, named
"features", and its class probabilities. Images come in as uint8 (0-255) or floats
in [0, 1], shaped (N, 28, 28) or (N, 28, 28, 1); 32×32 images (the padded size of
the ProGAN and StyleGAN chapters) are centre-cropped to 28×28. Anything else is
refused with an error that says what was expected: in particular tanh outputs in
[-1, 1] are not rescaled silently, because a metric that guesses the range of its
inputs can make a bad generator look good.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.pixels import uint8_to_unit

IMAGE_SIDE = 28
PADDED_SIDE = 32  # the ProGAN and StyleGAN chapters pad 28×28 images to 32×32
CLASSIFIER_NAME = "fashion_classifier"
# Floats may overshoot [0, 1] by rounding (a sigmoid computed in float16, say); beyond this it is an error.
RANGE_TOLERANCE = 1e-5

# An extractor maps float32 images (N, 28, 28) in [0, 1] to (features (N, d), class probabilities (N, classes)).
Extractor = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def metric_images(
    images, *, name: str = "images", n: int | None = None, seed: int | None = None, stream: int = 0
) -> np.ndarray:
    """Check `images` and return them as float32 (count, 28, 28) in [0, 1], 32×32 ones centre-cropped.

    uint8 images are scaled by 1/255; float images must already lie in [0, 1]. With `n`,
    at least `n` images are required; with `seed` as well, `n` of them are drawn
    (`draw_sample`) and only those are converted, so that a large set is never copied
    whole. Every image is checked all the same. Raises TypeError for another dtype and
    ValueError for a wrong shape, too few images, NaN or infinite values, or values out of range.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 and not np.issubdtype(images.dtype, np.floating):
        raise TypeError(
            f"{name} must be uint8 images (0-255) or floats in [0, 1], got dtype {images.dtype}. "
            f"Convert integer pixels with .astype(np.uint8), or divide them by 255."
        )
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]  # (N, side, side, 1): one grey channel
    if images.ndim != 3 or images.shape[1:] not in ((IMAGE_SIDE, IMAGE_SIDE), (PADDED_SIDE, PADDED_SIDE)):
        raise ValueError(
            f"{name} must be shaped (N, {IMAGE_SIDE}, {IMAGE_SIDE}) or (N, {IMAGE_SIDE}, {IMAGE_SIDE}, 1) "
            f"(or {PADDED_SIDE}×{PADDED_SIDE}, which is centre-cropped), got shape {np.shape(images)}"
        )
    if len(images) == 0:
        raise ValueError(f"{name} is empty: expected at least one image")
    if n is not None and len(images) < positive_int(n, "n"):
        raise ValueError(
            f"{name} holds {len(images):,} images, fewer than the N = {n:,} that the metrics draw. "
            f"Give at least {n:,} images, or pass a smaller n (figures compare only at the same N)."
        )
    if images.dtype != np.uint8:
        _check_unit_range(images, name)
    if seed is not None:
        if n is None:
            raise ValueError("a seed draws n images: give n as well")
        images = draw_sample(images, n, seed=seed, stream=stream)
    if images.shape[1] == PADDED_SIDE:
        margin = (PADDED_SIDE - IMAGE_SIDE) // 2
        images = images[:, margin : margin + IMAGE_SIDE, margin : margin + IMAGE_SIDE]
    if images.dtype == np.uint8:
        return uint8_to_unit(images)
    return np.clip(images, 0, 1).astype(np.float32, copy=False)  # clip: the rounding tolerance


def _check_unit_range(images: np.ndarray, name: str) -> None:
    finite = np.isfinite(images)
    if not finite.all():
        raise ValueError(f"{name} contains {int(images.size - finite.sum()):,} NaN or infinite values")
    low, high = float(images.min()), float(images.max())
    if low < -RANGE_TOLERANCE or high > 1 + RANGE_TOLERANCE:
        hint = (
            " They look like tanh outputs in [-1, 1]: rescale them first with (images + 1) / 2."
            if low >= -1 - RANGE_TOLERANCE and high <= 1 + RANGE_TOLERANCE
            else " Scale them to [0, 1] first (uint8 images are scaled by 1/255 here)."
        )
        raise ValueError(f"float {name} must lie in [0, 1], got values from {low:.4g} to {high:.4g}.{hint}")


def draw_sample(images: np.ndarray, n: int, *, seed: int, stream: int = 0) -> np.ndarray:
    """`n` of `images`, drawn without replacement with `seed`, in their original order (all of them if exactly `n`).

    `stream` separates draws that share a seed (the generated set, the floor's training
    images and the test images each have their own), so that they do not pick the same indices.
    """
    n = positive_int(n, "n")
    if len(images) < n:
        raise ValueError(f"cannot draw {n:,} samples from {len(images):,}: give at least {n:,}")
    if len(images) == n:
        return images
    rng = np.random.default_rng([int(seed), int(stream)])
    return images[np.sort(rng.choice(len(images), size=n, replace=False))]


@dataclass(frozen=True)
class Features:
    """A set of images as the classifier sees them: penultimate features (N, d) and class probabilities (N, classes)."""

    features: np.ndarray
    probabilities: np.ndarray

    def __len__(self) -> int:
        return len(self.features)

    @property
    def predicted_classes(self) -> np.ndarray:
        """The most probable class of each image."""
        return np.argmax(self.probabilities, axis=1)


class ClassifierFeatures:
    """An extractor: images → (the "features" layer's outputs, the class probabilities) of a Keras classifier.

    `model` defaults to the shipped `fashion_classifier` (loaded offline, checksum checked).
    """

    def __init__(self, model=None, *, layer: str = "features", batch_size: int = 250):
        # Here, not at the top: `classifier_numpy` imports this module in the checker, which never loads TensorFlow.
        import keras

        if model is None:
            from autoaegan.pretrained import load_pretrained  # here too: `autoaegan.pretrained` loads TensorFlow

            model = load_pretrained(CLASSIFIER_NAME)
        try:
            penultimate = model.get_layer(layer)
        except ValueError:
            raise ValueError(
                f"the classifier has no layer named {layer!r}; its layers: "
                f"{', '.join(layer.name for layer in model.layers)}"
            ) from None
        # One pass gives both outputs: features for the distances, probabilities for the coverage.
        self.model = keras.Model(model.inputs, [penultimate.output, model.outputs[0]])
        self.batch_size = positive_int(batch_size, "batch_size")

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Batches of 250: the classifier's activations for 1,000 images at a time cost about 200 MB more at peak.
        features, probabilities = self.model.predict(images, batch_size=self.batch_size, verbose=0)
        return np.asarray(features), np.asarray(probabilities)


@functools.lru_cache(maxsize=1)
def default_extractor() -> ClassifierFeatures:
    """The shipped classifier as an extractor, loaded once per process."""
    return ClassifierFeatures()


def extract_features(images: np.ndarray, extractor: Extractor | None = None, *, name: str = "images") -> Features:
    """Run checked float images (from `metric_images`) through `extractor` (default: the shipped classifier)."""
    extractor = extractor or default_extractor()
    features, probabilities = extractor(images)
    features = np.asarray(features, dtype=np.float64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if features.ndim != 2 or probabilities.ndim != 2 or not len(features) == len(probabilities) == len(images):
        raise ValueError(
            f"the extractor must return features (N, d) and probabilities (N, classes) for the {len(images):,} "
            f"{name}, got shapes {features.shape} and {probabilities.shape}"
        )
    if not (np.isfinite(features).all() and np.isfinite(probabilities).all()):
        raise ValueError(f"the extractor returned NaN or infinite values for the {name}")
    return Features(features, probabilities)
