"""The course's one pixel convention: how images go between uint8, [0, 1] and [-1, 1].

Fashion-MNIST comes as uint8 in [0, 255]. Autoencoders train on float32 in [0, 1] (a sigmoid
output); GANs train on [-1, 1] (a tanh output). Figures, widgets and metrics take [0, 1].
Every conversion in the package goes through these functions, for NumPy arrays and for
tensors (Keras ops), so the scale is written once.
"""

from __future__ import annotations

import numpy as np

UINT8_MAX = 255.0
# A generator's output range: tanh's.
SIGNED_RANGE = (-1.0, 1.0)


def _keras_ops():
    """Keras's ops, for tensors only: the grading checker and the NumPy metrics convert pixels without TensorFlow."""
    from keras import ops

    return ops


def _array(images, name: str) -> np.ndarray:
    """`images` as a NumPy array (a tensor converted), or a TypeError naming what came."""
    if isinstance(images, (np.ndarray, list, tuple)):
        return np.asarray(images)
    try:
        return np.asarray(_keras_ops().convert_to_numpy(images))
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array or a tensor of pixels, got {type(images).__name__}") from error


def uint8_to_unit(images):
    """uint8 pixels in [0, 255] → float32 in [0, 1] (an array stays an array, a tensor a tensor)."""
    if isinstance(images, np.ndarray):
        return images.astype(np.float32) / np.float32(UINT8_MAX)
    return _keras_ops().cast(images, "float32") / UINT8_MAX


def uint8_to_signed(images):
    """uint8 pixels in [0, 255] → float32 in [-1, 1], a tanh generator's range (a tensor stays a tensor)."""
    if isinstance(images, np.ndarray):
        return images.astype(np.float32) / np.float32(UINT8_MAX / 2) - np.float32(1.0)
    return _keras_ops().cast(images, "float32") / (UINT8_MAX / 2) - 1.0


def unit_to_signed(images):
    """[0, 1] → [-1, 1]."""
    return images * 2.0 - 1.0


def signed_to_unit(images, *, clip: bool = True):
    """[-1, 1] → [0, 1]; clipped unless `clip=False` (a tanh output never leaves the range, a linear one may)."""
    unit = (images + 1.0) / 2.0
    if not clip:
        return unit
    if isinstance(unit, (np.ndarray, np.generic, float)):
        return np.clip(unit, 0.0, 1.0)
    return _keras_ops().clip(unit, 0.0, 1.0)


def rescale_to_unit(images, value_range: tuple[float, float]) -> np.ndarray:
    """Pixels in `value_range` (low, high) → float32 in [0, 1], not clipped: e.g. a tanh output's (-1, 1)."""
    low, high = value_range
    if not high > low:
        raise ValueError(f"value_range must be (low, high) with high > low, got {value_range!r}")
    return (np.asarray(images, dtype=np.float32) - np.float32(low)) / np.float32(high - low)


def output_to_unit(outputs, value_range: tuple[float, float] = SIGNED_RANGE, *, name: str = "outputs") -> np.ndarray:
    """A network's output in `value_range` → float32 in [0, 1], clipped, in the output's own shape."""
    return np.clip(rescale_to_unit(_array(outputs, name), value_range), 0.0, 1.0)


def unit_to_uint8(images) -> np.ndarray:
    """[0, 1] → uint8 in [0, 255], rounded: how recorded samples are stored."""
    return np.round(np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0) * UINT8_MAX).astype(np.uint8)


def generated_to_images(
    outputs, *, value_range: tuple[float, float] = SIGNED_RANGE, name: str = "outputs"
) -> np.ndarray:
    """A generator's or decoder's output `(n, h, w)` or `(n, h, w, 1)` in `value_range` → float32 images
    `(n, h, w)` in [0, 1], clipped: what figures, widgets and metrics take."""
    images = _array(outputs, name).astype(np.float32, copy=False)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(
            f"{name} must be grey images shaped (n, height, width) or (n, height, width, 1), got {images.shape}"
        )
    return output_to_unit(images, value_range, name=name)
