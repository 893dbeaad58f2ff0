"""Denoising autoencoders: a stacked autoencoder whose encoder corrupts its own inputs (Vincent et al. 2008).

The noise layer sits right after `Flatten`, before the first `Dense`. Keras'
`GaussianNoise` (adds N(0, level²) to each pixel) and `Dropout` (sets a share
`level` of the pixels to 0 and scales the others by 1 / (1 - level)) are active
only when the model is called with `training=True`, which `fit` does; in
inference (`predict`, or a plain call) they pass their inputs through unchanged.
The targets are the clean images, so the network learns to remove the noise.

Architecture (Géron, 3rd ed.): Flatten → noise → Dense(100, relu) → Dense(codings, relu);
decoder Dense(100, relu) → Dense(784) → Reshape(28, 28); MSE loss.
"""

from __future__ import annotations

import keras
import numpy as np

from autoaegan.arguments import is_real_number, positive_int
from autoaegan.pixels import uint8_to_unit

IMAGE_SHAPE = (28, 28)
NOISE_KINDS = ("gaussian", "dropout")
# Géron's levels: GaussianNoise(0.2) in his 2nd edition, Dropout(0.5) in both.
DEFAULT_LEVELS = {"gaussian": 0.2, "dropout": 0.5}


def _check_noise(noise: str, level) -> float:
    if noise not in NOISE_KINDS:
        raise ValueError(f"noise must be one of {NOISE_KINDS}, got {noise!r}")
    if not is_real_number(level):
        raise TypeError(f"level must be a number, got {type(level).__name__}")
    level = float(level)
    if noise == "dropout" and not 0.0 <= level < 1.0:
        raise ValueError(f"a dropout level is the share of pixels dropped: expected 0 ≤ level < 1, got {level}")
    if noise == "gaussian" and not level >= 0.0:
        raise ValueError(f"a gaussian level is a standard deviation: expected level ≥ 0, got {level}")
    return level


def noise_layer(noise: str, level: float, *, seed: int | None = None, name: str = "noise") -> keras.layers.Layer:
    """A Keras layer that corrupts its inputs in training only: `GaussianNoise(level)` or `Dropout(level)`."""
    level = _check_noise(noise, level)
    if noise == "gaussian":
        return keras.layers.GaussianNoise(level, seed=seed, name=name)
    return keras.layers.Dropout(level, seed=seed, name=name)


def build_denoising_autoencoder(
    noise: str = "gaussian", level: float | None = None, codings: int = 30, hidden: int = 100
) -> tuple[keras.Sequential, keras.Sequential, keras.Sequential]:
    """Return `(encoder, decoder, autoencoder)`, not compiled, with `noise` ("gaussian" or "dropout") on the inputs.

    `level` is the Gaussian standard deviation or the dropout rate; None takes
    Géron's (0.2 and 0.5). The noise acts in training only.
    """
    level = DEFAULT_LEVELS.get(noise, 0.0) if level is None else level
    corrupt = noise_layer(noise, level)
    codings, hidden = positive_int(codings, "codings"), positive_int(hidden, "hidden")
    encoder = keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Flatten(),
            corrupt,
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(codings, activation="relu", name="codings"),
        ],
        name="encoder",
    )
    decoder = keras.Sequential(
        [
            keras.Input(shape=(codings,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(int(np.prod(IMAGE_SHAPE))),
            keras.layers.Reshape(IMAGE_SHAPE),
        ],
        name="decoder",
    )
    autoencoder = keras.Sequential([encoder, decoder], name=f"{noise}_denoising_autoencoder")
    return encoder, decoder, autoencoder


def as_unit_floats(images) -> np.ndarray:
    """Images as float32 in [0, 1]: uint8 images are divided by 255, float images are checked to lie in [0, 1]."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return uint8_to_unit(images)
    if not np.issubdtype(images.dtype, np.floating):
        raise TypeError(f"expected uint8 images or floats in [0, 1], got dtype {images.dtype}")
    if images.size and (images.min() < 0.0 or images.max() > 1.0):
        raise ValueError(f"float images must lie in [0, 1], got values from {images.min():.3g} to {images.max():.3g}")
    return images.astype(np.float32, copy=False)


def corrupt(images, noise: str, level: float, *, seed: int = 0) -> np.ndarray:
    """Apply the training-time noise to `images` (uint8 or floats in [0, 1]), as the model's noise layer does.

    Returns float32 arrays, not clipped (Gaussian noise goes below 0 and above 1,
    dropout scales kept pixels by 1 / (1 - level)), exactly what the encoder sees
    in training. The same `seed` gives the same noise.
    """
    images = as_unit_floats(images)
    layer = noise_layer(noise, level, seed=seed)
    return keras.ops.convert_to_numpy(layer(images, training=True))


def noisy_and_reconstruction(autoencoder, image, noise: str, level: float, *, seed: int = 0):
    """Corrupt one `image` (28×28, uint8 or [0, 1]) at `level` and reconstruct it: `(noisy, reconstruction)`.

    Both are float32 28×28 arrays. The autoencoder runs in inference mode, so its
    own noise layer is off: the only noise is the one added here.
    """
    image = as_unit_floats(image)
    if image.shape != IMAGE_SHAPE:
        raise ValueError(f"expected one image of shape {IMAGE_SHAPE}, got shape {image.shape}")
    noisy = corrupt(image[np.newaxis], noise, level, seed=seed)
    reconstruction = keras.ops.convert_to_numpy(autoencoder(noisy, training=False))
    return noisy[0], reconstruction[0]
