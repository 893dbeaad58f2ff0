"""Walking a latent space: random codings, straight lines between codings, and the pixel blend to compare with.

The variational autoencoders of chapter 06 and the GANs after them all decode a
coding vector into an image. These helpers make the codings the figures and the
latent explorer decode: samples from the prior N(0, I), and points on the segment
between two codings. `pixel_overlay` is the contrast the chapter draws: blending
two images pixel by pixel gives a double exposure, while decoding the points
between their codings gives images that change shape along the way.
"""

from __future__ import annotations

import numpy as np

from autoaegan.models.arguments import positive_int


def _generator(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, a numpy Generator or None, got {seed!r}")
    return np.random.default_rng(int(seed))


def sample_codings(n: int, latent_dim: int, *, seed) -> np.ndarray:
    """`n` codings drawn from the prior N(0, I) of a `latent_dim`-D latent space: float32, shape `(n, latent_dim)`.

    `seed` is an integer (the same seed gives the same codings), a NumPy `Generator`
    (drawn from, so successive calls differ), or None for fresh randomness. It is
    keyword-only and required, so that every figure says how it can be repeated.
    """
    n, latent_dim = positive_int(n, "n"), positive_int(latent_dim, "latent_dim")
    return _generator(seed).standard_normal((n, latent_dim), dtype=np.float32)


def _vector(value, name: str) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be one coding, a non-empty 1-D array, got shape {array.shape}")
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers, got {array}")
    return array.astype(np.float32)


def _steps(steps) -> int:
    steps = positive_int(steps, "steps")
    if steps < 2:
        raise ValueError(f"steps must be at least 2 (the two endpoints), got {steps}")
    return steps


def interpolate_codings(start, end, steps: int) -> np.ndarray:
    """`steps` codings evenly spaced on the segment from `start` to `end`, both included: shape `(steps, dim)`.

    The line is straight in the latent space; decoding its points is the semantic
    interpolation. Row 0 is `start` and the last row `end`, exactly.
    """
    start, end = _vector(start, "start"), _vector(end, "end")
    if start.shape != end.shape:
        raise ValueError(f"start and end must have the same size, got {start.shape[0]} and {end.shape[0]}")
    t = np.linspace(0.0, 1.0, _steps(steps), dtype=np.float32)[:, None]
    # (1 - t)·start + t·end rather than start + t·(end - start): both endpoints come out exact.
    return (1 - t) * start + t * end


def _unit_image(image, name: str) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be one grey image, a 2-D array (height, width), got shape {array.shape}")
    if array.dtype == np.uint8:
        return array.astype(np.float32) / 255
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f"{name} must be uint8 (0-255) or floats in [0, 1], got dtype {array.dtype}")
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ValueError(f"{name} must hold floats in [0, 1], got values from {array.min()} to {array.max()}")
    return array.astype(np.float32)


def pixel_overlay(image_a, image_b, steps: int) -> np.ndarray:
    """The pixel-space blend from `image_a` to `image_b` in `steps` images, both included: `(steps, height, width)`.

    Each image is `(1 - t)·a + t·b`: a double exposure, not a new garment, which is
    what latent interpolation is compared with. uint8 images are scaled to [0, 1];
    float images must already lie in [0, 1]. The result is float32 in [0, 1].
    """
    a, b = _unit_image(image_a, "image_a"), _unit_image(image_b, "image_b")
    if a.shape != b.shape:
        raise ValueError(f"image_a and image_b must have the same shape, got {a.shape} and {b.shape}")
    t = np.linspace(0.0, 1.0, _steps(steps), dtype=np.float32)[:, None, None]
    return (1 - t) * a + t * b
