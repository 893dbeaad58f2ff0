"""Chapter 12's diffusion process: variance schedules, the forward noising, the posterior q(x_{t−1} | x_t, x₀), and
the reverse steps of DDPM (Ho et al. 2020) and DDIM (Song et al. 2021).

Steps are counted from 1 to T as in the papers, and every table has T + 1 entries so that index t is step t:
entry 0 is the clean image (β₀ = 0, ᾱ₀ = 1). The forward process adds Gaussian noise in T small steps,
q(x_t | x_{t−1}) = N(√α_t x_{t−1}, β_t I) with α_t = 1 − β_t, and composes into one step from x₀:

    x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε,   ε ~ N(0, I),   ᾱ_t = α₁ α₂ … α_t.

Images are in [-1, 1] here (`autoaegan.pixels`'s signed range), so that x_T is about as spread as the noise. The
arithmetic is NumPy's: the network's call is the only costly part of a step, and NumPy keeps the formulas readable.
The network itself is a noise predictor ε̂(x_t, t), given to the samplers as a function (`noise_predictor` turns a
Keras model into one).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autoaegan.arguments import positive_int, real_number, whole_number
from autoaegan.pixels import SIGNED_RANGE, generated_to_images

STEPS = 1000  # T: Ho et al.'s 1,000 steps (Géron uses 4,000; DDIM makes so many unnecessary when sampling)
SCHEDULES = ("linear", "cosine")
# Nichol & Dhariwal (2021): the offset s keeps β₁ from being too small near t = 0; β is capped below 1 so that the
# last steps, where ᾱ_t → 0, stay finite.
COSINE_OFFSET = 0.008
MAX_BETA = 0.999
# Ho et al.'s linear schedule for T = 1,000, scaled by 1,000 / T for another T (as Nichol & Dhariwal do).
LINEAR_BETAS = (1e-4, 0.02)
SAMPLERS = ("ddim", "ddpm")
DDIM_STEPS = 50  # the chapter's default sampler: 50 DDIM steps at η = 0
SAMPLE_BATCH = 256

# A noise predictor: (x_t as float32 (batch, 28, 28, 1), t as float32 (batch,)) → ε̂ of x_t's shape.
NoisePredictor = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class NoiseSchedule:
    """A variance schedule: `betas[t]` for t = 0 … T (β₀ = 0), and the tables derived from it, in float64."""

    kind: str
    betas: np.ndarray

    @property
    def steps(self) -> int:
        """T, the number of noising steps."""
        return len(self.betas) - 1

    @property
    def alphas(self) -> np.ndarray:
        """α_t = 1 − β_t (α₀ = 1)."""
        return 1.0 - self.betas

    @property
    def alpha_bars(self) -> np.ndarray:
        """ᾱ_t = α₁ … α_t, the share of x₀'s variance left in x_t (ᾱ₀ = 1), decreasing towards 0."""
        return np.cumprod(self.alphas)

    def step(self, t, name: str = "t") -> np.ndarray:
        """`t` checked as whole steps in [0, T] (a number or an array of them), as an int array."""
        steps = np.asarray(t)
        if not np.issubdtype(steps.dtype, np.integer) or np.any(steps < 0) or np.any(steps > self.steps):
            raise ValueError(f"{name} must be whole steps from 0 to T = {self.steps}, got {t!r}")
        return steps.astype(np.int64)

    def add_noise(self, x0, t, noise) -> np.ndarray:
        """x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε for images `x0` in [-1, 1] at step(s) `t` (one per image, or one for all)."""
        x0, noise = _images(x0, "x0"), _images(noise, "noise")
        _same_shape(x0, noise, "x0", "noise")
        alpha_bar = _per_image(self.alpha_bars, self.step(t), x0)
        return (np.sqrt(alpha_bar) * x0 + np.sqrt(1.0 - alpha_bar) * noise).astype(np.float32)

    def predicted_x0(self, x_t, t, predicted_noise) -> np.ndarray:
        """x̂₀ = (x_t − √(1 − ᾱ_t) ε̂) / √ᾱ_t: the clean image that the predicted noise implies (t ≥ 1)."""
        x_t, predicted_noise = _images(x_t, "x_t"), _images(predicted_noise, "predicted_noise")
        _same_shape(x_t, predicted_noise, "x_t", "predicted_noise")
        alpha_bar = _per_image(self.alpha_bars, self._positive(t), x_t)
        return ((x_t - np.sqrt(1.0 - alpha_bar) * predicted_noise) / np.sqrt(alpha_bar)).astype(np.float32)

    def posterior(self, x0, x_t, t) -> tuple[np.ndarray, np.ndarray]:
        """The mean and variance of q(x_{t−1} | x_t, x₀), a Gaussian (Ho et al.'s eq. 6-7), for t ≥ 1:

        mean = √ᾱ_{t−1} β_t / (1 − ᾱ_t) · x₀ + √α_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · x_t,
        variance β̃_t = (1 − ᾱ_{t−1}) / (1 − ᾱ_t) · β_t (one per image, broadcastable to the images).
        """
        x0, x_t = _images(x0, "x0"), _images(x_t, "x_t")
        _same_shape(x0, x_t, "x0", "x_t")
        t = self._positive(t)
        beta, alpha = _per_image(self.betas, t, x_t), _per_image(self.alphas, t, x_t)
        alpha_bar, alpha_bar_before = _per_image(self.alpha_bars, t, x_t), _per_image(self.alpha_bars, t - 1, x_t)
        mean = (np.sqrt(alpha_bar_before) * beta * x0 + np.sqrt(alpha) * (1.0 - alpha_bar_before) * x_t) / (
            1.0 - alpha_bar
        )
        return mean.astype(np.float32), (1.0 - alpha_bar_before) / (1.0 - alpha_bar) * beta

    def _positive(self, t) -> np.ndarray:
        t = self.step(t)
        if np.any(t < 1):
            raise ValueError(f"t must be a step from 1 to T = {self.steps} here (x₀ has no noise to remove), got 0")
        return t


def variance_schedule(
    kind: str = "cosine", steps: int = STEPS, *, offset: float = COSINE_OFFSET, max_beta: float = MAX_BETA
) -> NoiseSchedule:
    """The `kind` schedule ("linear" or "cosine") over `steps` = T steps.

    Cosine (Nichol & Dhariwal 2021): ᾱ_t = f(t) / f(0) with f(t) = cos²((t/T + s) / (1 + s) · π/2), s = `offset`,
    each β_t = 1 − ᾱ_t / ᾱ_{t−1} capped at `max_beta`. Linear (Ho et al. 2020): β from 10⁻⁴ to 0.02 for T = 1,000,
    scaled by 1,000 / T. The cosine one destroys the image more evenly over t: the linear one leaves little but
    noise for its last few hundred steps, which the network then learns nothing from.
    """
    steps = positive_int(steps, "steps")
    max_beta = real_number(max_beta, "max_beta", expected="a number in (0, 1)", accept=lambda v: 0 < v < 1)
    if kind == "cosine":
        offset = real_number(offset, "offset", expected="a number ≥ 0", accept=lambda v: v >= 0)
        f = np.cos((np.arange(steps + 1) / steps + offset) / (1 + offset) * math.pi / 2) ** 2
        betas = np.minimum(1.0 - f[1:] / f[:-1], max_beta)
    elif kind == "linear":
        scale = 1_000 / steps
        betas = np.minimum(np.linspace(scale * LINEAR_BETAS[0], scale * LINEAR_BETAS[1], steps), max_beta)
    else:
        raise ValueError(f"kind must be one of {SCHEDULES}, got {kind!r}")
    return NoiseSchedule(kind, np.concatenate([[0.0], betas]))


# ------------------------------------------------------------------------------------------------------ reverse steps
def ddpm_step(
    schedule: NoiseSchedule, x_t, t: int, predicted_noise, noise, *, clip: bool = True, variance: str = "posterior"
) -> np.ndarray:
    """One reverse step of DDPM, x_t → x_{t−1} ~ N(μ̃(x̂₀, x_t), σ_t²): the posterior of the forward process with
    the predicted x̂₀ in place of the unknown x₀, plus fresh `noise` (not added at t = 1).

    `clip` keeps x̂₀ in [-1, 1], where images are (the sample then cannot drift out of range). `variance` is
    "posterior" (σ² = β̃_t, the posterior's) or "beta" (σ² = β_t); Ho et al. found both work.
    """
    if variance not in ("posterior", "beta"):
        raise ValueError(f"variance must be 'posterior' or 'beta', got {variance!r}")
    t = int(schedule._positive(whole_number(t, "t")))
    x0 = schedule.predicted_x0(x_t, t, predicted_noise)
    if clip:
        x0 = np.clip(x0, *SIGNED_RANGE)
    mean, posterior_variance = schedule.posterior(x0, x_t, t)
    sigma = math.sqrt(posterior_variance if variance == "posterior" else schedule.betas[t]) if t > 1 else 0.0
    return (mean + sigma * _images(noise, "noise")).astype(np.float32)


def ddim_step(
    schedule: NoiseSchedule, x_t, t: int, t_before: int, predicted_noise, *, eta: float = 0.0, noise=None, clip=True
) -> np.ndarray:
    """One step of DDIM from step t to an earlier step `t_before` (any, 0 included: then x̂₀ is returned):

    x_{t_before} = √ᾱ_{t_before} x̂₀ + √(1 − ᾱ_{t_before} − σ²) ε̂ + σ z,
    σ = η √((1 − ᾱ_{t_before}) / (1 − ᾱ_t)) √(1 − ᾱ_t / ᾱ_{t_before}).

    η = 0 is deterministic (no `noise` needed): the same x_T always gives the same image. η = 1 with t_before = t − 1
    is DDPM's step with the posterior's variance. With `clip`, x̂₀ is kept in [-1, 1] and ε̂ recomputed from it, so
    that x_t = √ᾱ_t x̂₀ + √(1 − ᾱ_t) ε̂ still holds.
    """
    t = int(schedule._positive(whole_number(t, "t")))
    t_before = int(schedule.step(whole_number(t_before, "t_before"), "t_before"))
    if t_before >= t:
        raise ValueError(f"t_before must be an earlier step than t = {t}, got {t_before}")
    eta = real_number(eta, "eta", expected="a number ≥ 0", accept=lambda v: v >= 0)
    x_t = _images(x_t, "x_t")
    x0 = schedule.predicted_x0(x_t, t, predicted_noise)
    alpha_bar, alpha_bar_before = schedule.alpha_bars[t], schedule.alpha_bars[t_before]
    epsilon = _images(predicted_noise, "predicted_noise")
    if clip:
        x0 = np.clip(x0, *SIGNED_RANGE)
        epsilon = (x_t - math.sqrt(alpha_bar) * x0) / math.sqrt(1.0 - alpha_bar)
    sigma = eta * math.sqrt((1.0 - alpha_bar_before) / (1.0 - alpha_bar) * (1.0 - alpha_bar / alpha_bar_before))
    direction = math.sqrt(max(1.0 - alpha_bar_before - sigma**2, 0.0))  # max: rounding when η > 1
    x_before = math.sqrt(alpha_bar_before) * x0 + direction * epsilon
    if sigma > 0:
        if noise is None:
            raise ValueError(f"eta = {eta} > 0 adds noise: give noise shaped like x_t {x_t.shape}")
        x_before = x_before + sigma * _images(noise, "noise")
    return x_before.astype(np.float32)


def ddim_timesteps(steps: int, total: int = STEPS) -> np.ndarray:
    """The `steps` steps that DDIM visits, from T down to 1, evenly spaced (rounded): T = 1,000 and 50 steps give
    1000, 980, …, 21, 1. All T of them (`steps` = T) are DDPM's full chain."""
    total = positive_int(total, "total")
    steps = whole_number(steps, "steps", at_least=1, expected=f"a whole number of steps from 1 to T = {total}")
    if steps > total:
        raise ValueError(f"steps must be a whole number of steps from 1 to T = {total}, got {steps}")
    return np.round(np.linspace(total, 1, steps)).astype(np.int64) if steps > 1 else np.array([total])


# ---------------------------------------------------------------------------------------------------------- sampling
def sample(
    predict_noise: NoisePredictor,
    schedule: NoiseSchedule,
    n: int | None = None,
    *,
    x_T=None,
    sampler: str = "ddim",
    steps: int | None = None,
    eta: float = 0.0,
    seed: int = 0,
    clip: bool = True,
    batch_size: int = SAMPLE_BATCH,
    callback: Callable[[int, np.ndarray, np.ndarray], object] | None = None,
    image_shape=(28, 28, 1),
) -> np.ndarray:
    """Images in [0, 1], shaped `(n, 28, 28)`, generated from noise by `sampler`: "ddim" (`steps` steps, 50 by
    default, η = `eta`) or "ddpm" (every one of the T steps; `steps` must be None or T).

    The starting noise x_T is drawn with `seed` (`n` images), or given as `x_T` (images shaped `image_shape`, a
    batch of them); the noise of DDPM's steps and of DDIM with η > 0 comes from the same seeded generator, so a seed
    gives the same images. The network runs on batches of at most `batch_size`, equal in size so that a compiled
    predictor is traced once. `callback(t, x_t, x0)`, if given, sees every image after each step: the step t
    reached (0 at the end), x_t and the x̂₀ predicted on the way, both in [-1, 1] (a scrubber records them).
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {sampler!r}")
    if sampler == "ddpm" and steps not in (None, schedule.steps):
        raise ValueError(
            f"DDPM walks all T = {schedule.steps} steps: give steps=None (or {schedule.steps}), got {steps}"
        )
    if steps is None:
        steps = schedule.steps if sampler == "ddpm" else min(DDIM_STEPS, schedule.steps)
    timesteps = ddim_timesteps(steps, schedule.steps)
    eta = real_number(eta, "eta", expected="a number ≥ 0", accept=lambda v: v >= 0)
    rng = np.random.default_rng(whole_number(seed, "seed", at_least=0, expected="a non-negative integer"))
    x = _start(x_T, n, image_shape, rng)
    batch_size = positive_int(batch_size, "batch_size")
    batches = math.ceil(len(x) / batch_size)
    size = math.ceil(len(x) / batches)  # equal batches (the last one at most batches − 1 images smaller)
    for index, t in enumerate(timesteps):
        t_before = int(timesteps[index + 1]) if index + 1 < len(timesteps) else 0
        epsilon = _predict(predict_noise, x, int(t), size)
        needs_noise = sampler == "ddpm" or eta > 0
        noise = rng.standard_normal(x.shape, dtype=np.float32) if needs_noise else None
        x_t = x
        if sampler == "ddpm":
            x = ddpm_step(schedule, x, int(t), epsilon, noise, clip=clip)
        else:
            x = ddim_step(schedule, x, int(t), t_before, epsilon, eta=eta, noise=noise, clip=clip)
        if callback is not None:
            x0 = schedule.predicted_x0(x_t, int(t), epsilon)
            callback(t_before, x, np.clip(x0, *SIGNED_RANGE) if clip else x0)
    return generated_to_images(x, value_range=SIGNED_RANGE, name="the samples")


def _start(x_T, n, image_shape, rng) -> np.ndarray:
    if x_T is not None:
        if n is not None and n != len(x_T):
            raise ValueError(f"give n or x_T, or an n equal to len(x_T); got n = {n} and {len(x_T)} images")
        x = _images(x_T, "x_T")
        if x.shape[1:] != tuple(image_shape):
            raise ValueError(f"x_T must be shaped (n, {', '.join(map(str, image_shape))}), got {x.shape}")
        return x
    if n is None:
        raise ValueError("give the number of images n, or the starting noise x_T")
    return rng.standard_normal((positive_int(n, "n"), *image_shape), dtype=np.float32)


def _predict(predict_noise: NoisePredictor, x: np.ndarray, t: int, size: int) -> np.ndarray:
    parts = []
    for start in range(0, len(x), size):
        batch = x[start : start + size]
        predicted = np.asarray(predict_noise(batch, np.full(len(batch), t, np.float32)), dtype=np.float32)
        if predicted.shape != batch.shape:
            raise ValueError(f"the noise predictor must return ε̂ shaped like x_t {batch.shape}, got {predicted.shape}")
        parts.append(predicted)
    return np.concatenate(parts)


def noise_predictor(model, *, jit_compile: bool = True) -> NoisePredictor:
    """A Keras denoiser `[x_t, t] → ε̂` as a `NoisePredictor` (NumPy in, NumPy out), compiled with XLA unless
    `jit_compile=False` (TensorFlow's deterministic ops, the test profile's, refuse XLA)."""
    import tensorflow as tf  # here: the schedules and steps above need NumPy only

    @tf.function(jit_compile=jit_compile, reduce_retracing=True)
    def predict(x, t):
        return model([x, t], training=False)

    return lambda x, t: predict(tf.constant(x, tf.float32), tf.constant(t, tf.float32)).numpy()


# ---------------------------------------------------------------------------------------------------------- checks
def _images(array, name: str) -> np.ndarray:
    images = np.asarray(array, dtype=np.float32)
    if images.ndim < 2:
        raise ValueError(f"{name} must be a batch of images (n, height, width, channels), got shape {images.shape}")
    bad = int(np.size(images) - np.isfinite(images).sum())
    if bad:
        raise ValueError(f"{name} must be finite numbers, got {bad} NaN or infinite values")
    return images


def _same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_b} must have the shape of {name_a} {a.shape}, got {b.shape}")


def _per_image(table: np.ndarray, t: np.ndarray, images: np.ndarray) -> np.ndarray:
    """`table[t]` shaped to broadcast over `images`: one value for all, or one per image."""
    values = table[t]
    if values.ndim == 0:
        return values
    if values.shape != (len(images),):
        raise ValueError(f"t must be one step, or one per image ({len(images)}), got {values.shape[0]} steps")
    return values.reshape(-1, *([1] * (images.ndim - 1)))
