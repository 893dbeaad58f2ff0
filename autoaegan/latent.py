"""Walking a latent space: random codings, straight lines between codings, and the pixel blend to compare with.

The variational autoencoders of chapter 06 and the GANs after them all decode a
coding vector into an image. These helpers make the codings the figures and the
latent explorer decode: samples from the prior N(0, I), and points on the segment
between two codings. `pixel_overlay` is the contrast the chapter draws: blending
two images pixel by pixel gives a double exposure, while decoding the points
between their codings gives images that change shape along the way.

`dimension_use` and `active_dimensions` say which dimensions of a VAE's latent
space carry information: a dimension whose mean coding μ hardly varies from image
to image has collapsed to the prior, and its coding is pure N(0, 1) noise that the
decoder ignores (an inactive unit, in the sense of Burda et al. 2016).
"""

from __future__ import annotations

import numpy as np

from autoaegan.arguments import positive_int, real_number, whole_number
from autoaegan.pixels import uint8_to_unit

# Burda, Grosse & Salakhutdinov ("Importance weighted autoencoders", ICLR 2016) call a latent
# dimension active when the variance over the data of its mean coding exceeds 0.01 (a spread of 0.1).
ACTIVE_THRESHOLD = 1e-2


def _generator(seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    seed = whole_number(seed, "seed", at_least=0, expected="a non-negative integer, a numpy Generator or None")
    return np.random.default_rng(seed)


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


def blend(start, end, t: float) -> np.ndarray:
    """The point `(1 - t)·start + t·end` of the segment between two codings (exact at t = 0 and t = 1)."""
    return ((1.0 - t) * np.asarray(start, dtype=np.float32) + t * np.asarray(end, dtype=np.float32)).astype(np.float32)


def _unit_image(image, name: str) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"{name} must be one grey image, a 2-D array (height, width), got shape {array.shape}")
    if array.dtype == np.uint8:
        return uint8_to_unit(array)
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


def _codings_matrix(value, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim != 2 or len(array) < 2 or array.shape[1] == 0:
        raise ValueError(
            f"{name} must hold the codings of at least 2 images, shaped (n, latent_dim), got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers")
    return array


def dimension_use(mean, log_var=None) -> dict[str, np.ndarray]:
    """How much each latent dimension is used, from the encoder's outputs for a set of images.

    `mean` (μ) and `log_var` (γ = log σ²) are shaped `(n_images, latent_dim)`. Returns
    float64 arrays of `latent_dim` values:

    - `activity`: the variance of μ over the images, Burda et al.'s measure of an active unit;
    - `spread`: its square root, the standard deviation of μ;
    - `kl` (only with `log_var`): the mean latent loss of the dimension, in nats per image,
      −½ (1 + γ − exp γ − μ²) averaged over the images. The terms sum to the latent loss.

    A dimension that the decoder does not use has μ ≈ 0 and σ ≈ 1 for every image:
    activity and KL near 0.
    """
    mean = _codings_matrix(mean, "mean")
    activity = mean.var(axis=0)
    use = {"activity": activity, "spread": np.sqrt(activity)}
    if log_var is not None:
        log_var = _codings_matrix(log_var, "log_var")
        if log_var.shape != mean.shape:
            raise ValueError(f"mean and log_var must have the same shape, got {mean.shape} and {log_var.shape}")
        use["kl"] = (-0.5 * (1 + log_var - np.exp(log_var) - mean**2)).mean(axis=0)
    return use


def active_dimensions(activity, *, threshold: float = ACTIVE_THRESHOLD) -> np.ndarray:
    """The indices of the dimensions whose `activity` (variance of μ) exceeds `threshold`, in increasing order."""
    activity = np.asarray(activity, dtype=np.float64)
    if activity.ndim != 1 or activity.size == 0 or not np.isfinite(activity).all() or (activity < 0).any():
        raise ValueError(f"activity must be a 1-D array of variances ≥ 0, one per dimension, got {activity!r}")
    threshold = real_number(threshold, "threshold", expected="a number ≥ 0", accept=lambda value: value >= 0)
    return np.flatnonzero(activity > threshold)
