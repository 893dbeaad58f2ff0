"""The shipped Fashion-MNIST classifier run with NumPy alone, for the autograder's trusted checker.

The checker that scores a student's trained model never imports Keras or TensorFlow
(`autoaegan.grading.checker`): it is the process the student's code must not reach,
and a second TensorFlow would not fit a 2 GiB hub beside the student's kernel. So it
looks at generated images through this forward pass of `fashion_classifier`, read
from the verified weights file with h5py: the same layers as
`autoaegan.models.classifier.build_fashion_classifier` at inference (3×3 "same"
convolutions without bias, batch normalisation with its moving statistics, relu,
2×2 max-pooling, the 128 relu "features", a softmax). `tests/test_classifier_numpy.py`
checks it against the Keras model.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import h5py
import numpy as np

from autoaegan.metrics.features import CLASSIFIER_NAME, metric_images
from autoaegan.pretrained.store import verified_weights_path

BATCH_NORM_EPSILON = 1e-3  # Keras's default, which the classifier keeps
CHUNK = 250  # images per forward pass: the second convolution's patches take 250 × 196 × 288 floats


@dataclass(frozen=True)
class ClassifierWeights:
    """The arrays of the classifier: per block (kernel, γ, β, moving mean, moving variance), then the two dense
    layers."""

    blocks: tuple[tuple[np.ndarray, ...], ...]
    features: tuple[np.ndarray, np.ndarray]
    probabilities: tuple[np.ndarray, np.ndarray]


def _layer_arrays(group) -> list[np.ndarray]:
    variables = group["vars"]
    return [np.asarray(variables[str(i)], dtype=np.float32) for i in range(len(variables))]


@functools.lru_cache(maxsize=1)
def load_classifier_weights() -> ClassifierWeights:
    """Read the shipped classifier's weights (checksum verified) from its Keras `.weights.h5` file."""

    with h5py.File(verified_weights_path(CLASSIFIER_NAME), "r") as file:
        layers = file["layers"]

        def named(prefix: str, count: int) -> list[list[np.ndarray]]:
            return [_layer_arrays(layers[prefix if i == 0 else f"{prefix}_{i}"]) for i in range(count)]

        convolutions, norms = named("conv2d", 3), named("batch_normalization", 3)
        dense = named("dense", 2)
    blocks = tuple((conv[0], *norm) for conv, norm in zip(convolutions, norms))
    return ClassifierWeights(blocks, (dense[0][0], dense[0][1]), (dense[1][0], dense[1][1]))


def _convolve_same(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """A stride-1 "same" convolution of (N, H, W, C) by a (k, k, C, F) kernel, as Keras computes it."""
    k = kernel.shape[0]
    padded = np.pad(x, ((0, 0), (k // 2, k // 2), (k // 2, k // 2), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(1, 2))  # (N, H, W, C, k, k)
    n, h, w, c = x.shape
    patches = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, k * k * c)  # one matrix product: BLAS
    return (patches @ kernel.reshape(k * k * c, -1)).reshape(n, h, w, -1)


def _max_pool(x: np.ndarray) -> np.ndarray:
    """2×2 max-pooling with stride 2, dropping an odd last row and column (Keras's "valid")."""
    n, h, w, c = x.shape
    x = x[:, : h // 2 * 2, : w // 2 * 2]
    return x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def _forward(images: np.ndarray, weights: ClassifierWeights) -> tuple[np.ndarray, np.ndarray]:
    x = images[..., None]
    for kernel, gamma, beta, mean, variance in weights.blocks:
        x = _convolve_same(x, kernel)
        x = (x - mean) / np.sqrt(variance + BATCH_NORM_EPSILON) * gamma + beta
        x = _max_pool(np.maximum(x, 0))
    features = np.maximum(x.reshape(len(x), -1) @ weights.features[0] + weights.features[1], 0)
    logits = features @ weights.probabilities[0] + weights.probabilities[1]
    logits -= logits.max(axis=1, keepdims=True)
    probabilities = np.exp(logits)
    return features, probabilities / probabilities.sum(axis=1, keepdims=True)


def classifier_outputs(images, *, name: str = "images") -> tuple[np.ndarray, np.ndarray]:
    """The classifier's features (N, 128) and class probabilities (N, 10) of `images`, with NumPy only.

    `images` are checked as every generative metric checks them (`metric_images`): uint8,
    or floats in [0, 1], shaped (N, 28, 28), (N, 28, 28, 1) or 32×32 (centre-cropped).
    """
    images = metric_images(images, name=name)
    weights = load_classifier_weights()
    parts = [_forward(images[start : start + CHUNK], weights) for start in range(0, len(images), CHUNK)]
    return (
        np.concatenate([p[0] for p in parts]).astype(np.float32),
        np.concatenate([p[1] for p in parts]).astype(np.float32),
    )
