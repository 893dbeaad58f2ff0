"""How well reconstructions match their images: the rounded accuracy, and a PCA baseline.

The rounded accuracy is Géron's 2nd-edition metric for autoencoders trained with
binary cross-entropy: round every target pixel and every predicted pixel to 0 or 1,
then count the share of pixels that agree. It reads more easily than a loss value
(0.94 means 94% of the pixels land on the right side of 0.5).
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops
from sklearn.decomposition import PCA

from autoaegan.arguments import positive_int
from autoaegan.pixels import uint8_to_unit


def rounded_accuracy(y_true, y_pred):
    """Binary accuracy of the rounded targets against the rounded predictions, averaged over the last axis."""
    agree = ops.equal(ops.round(ops.cast(y_true, "float32")), ops.round(ops.cast(y_pred, "float32")))
    return ops.mean(ops.cast(agree, "float32"), axis=-1)


@keras.saving.register_keras_serializable(package="autoaegan")
class RoundedAccuracy(keras.metrics.MeanMetricWrapper):
    """The running mean of `rounded_accuracy` over every pixel seen, as a Keras metric."""

    def __init__(self, name: str = "rounded_accuracy", dtype=None):
        super().__init__(fn=rounded_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


def _as_unit_floats(images, name: str) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim < 2:
        raise ValueError(f"{name} must hold one image per row (at least 2 dimensions), got shape {images.shape}")
    if images.dtype == np.uint8:
        return uint8_to_unit(images.reshape(len(images), -1))
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(f"{name} must be uint8 images or floats in [0, 1], got dtype {images.dtype}")
    return np.array(images.reshape(len(images), -1), dtype=np.float32)  # always a copy: PCA centres it in place


def pca_baseline_mse(train_images, valid_images, n_components: int = 30, *, seed: int = 42) -> float:
    """Fit scikit-learn's PCA on `train_images`; return its MSE per pixel (in [0, 1]) on `valid_images`.

    Images may be uint8 (scaled by 1/255) or floats in [0, 1]. The arrays are
    flattened into one float32 copy (55,000 images then take 172 MB, not 345 MB),
    which PCA centres in place, and the randomized solver fits 30 components of
    784 in seconds.
    """
    n_components = positive_int(n_components, "n_components")
    train = _as_unit_floats(train_images, "train_images")
    valid = _as_unit_floats(valid_images, "valid_images")
    if train.shape[1] != valid.shape[1]:
        raise ValueError(
            f"train and validation images must have the same size, got {train.shape[1]} and {valid.shape[1]} pixels"
        )
    if n_components > min(train.shape):
        raise ValueError(f"n_components must be at most {min(train.shape)} for training data of shape {train.shape}")
    pca = PCA(n_components=int(n_components), svd_solver="randomized", copy=False, random_state=seed).fit(train)
    del train
    reconstructions = pca.inverse_transform(pca.transform(valid))
    return float(np.mean((reconstructions - valid) ** 2))
