"""The training part of assignment 12 scored in the checker: how well the student's trained denoiser finds the noise.

The student writes `train_...(images, *, steps, seed)`, which builds a denoiser `[x_t, t] → ε̂` (noisy images
(n, 28, 28, 1) in the [-1, 1] scale and their steps t, float32 (n,)), trains it with chapter 12's cosine schedule
over T = 1,000 steps, and returns it. It is trained as every training part is (`autoaegan.grading.training`: the
grading's training images, seeded, deterministic ops, a budget in steps) and scored here, in the checker, with
NumPy alone: the checker takes `TEST_IMAGES` test images that the student's kernel cannot read, scales them to
[-1, 1], draws the noise ε itself, from fresh entropy (a seed no code can know beforehand, kept in the report), makes
x_t in closed form at each of `NOISE_LEVELS`, and measures the mean squared error of the denoiser's ε̂ against ε.
Predicting ε̂ = 0 scores 1 at every level; a denoiser scores well below it. The same x_t go through the best linear
denoiser, which the checker fits itself to the grading's training images (`linear_noise_estimate`): a trained
denoiser must beat it (`noise_level_failures`), as a trained autoencoder must beat PCA. Last, the checker tells the
denoiser the wrong step (each level's x_t with the step of the level opposite it) and measures the error again: a
denoiser that uses t gets much worse; one that ignores t does exactly as well.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

import numpy as np

from autoaegan.grading.training import (
    FUNCTION_CHECK_IMAGES,
    TEST_IMAGES,
    cached_report,
    check_array,
    check_same_function,
    predict,
    returned_models,
    test_images,
    train_part,
    training_images,
    training_seed,
)

STEPS = 1000  # T
# The noise levels scored, from a faint noise to an image nearly drowned: √(1 − ᾱ_t) = 0.09, 0.32, 0.71 and 0.95.
NOISE_LEVELS = (50, 200, 500, 800)
# The graded limits on ε̂'s mean squared error at each level (ε̂ = 0 scores 1), read by Part 3's test cells.
NOISE_LIMITS = {50: 0.7, 200: 0.28, 500: 0.11, 800: 0.04}
# At moderate noise a trained denoiser must beat the best linear one by this factor: there the garments' shapes, which
# no linear filter knows, tell the noise from the image. At the other levels a small denoiser trained for 800 steps
# is no better than the linear filter by a sure margin (the instructor's guide has the figures).
LINEAR_LEVEL, LINEAR_FACTOR = 200, 0.95


def cosine_alpha_bars(steps: int = STEPS, offset: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    """ᾱ_t for t = 0 … `steps` (ᾱ₀ = 1), chapter 12's cosine schedule (Nichol & Dhariwal 2021), each
    β_t = 1 − ᾱ_t / ᾱ_{t−1} capped at `max_beta`: the checker's own table, computed with NumPy."""
    f = np.cos((np.arange(steps + 1) / steps + offset) / (1 + offset) * np.pi / 2) ** 2
    return np.concatenate([[1.0], np.cumprod(1 - np.minimum(1 - f[1:] / f[:-1], max_beta))])


def denoiser_report(function: str, *, steps: int) -> dict:
    """Train `function` (it returns the denoiser) and score its noise predictions on the test images; computed once,
    then kept.

    The report's keys: as `autoencoder_report`'s for the training (`error`, `problems`,
    `seconds`, `cpu_seconds`...); `noise_seed` (the fresh seed the checker drew the noise
    with, for the record); `noise_mse` (by noise level: the mean squared error of ε̂ against
    the checker's ε, per pixel), `linear_mse` (the same for the best linear denoiser,
    `linear_noise_estimate`, on the same x_t), `mean_mse` (the mean of `noise_mse`),
    `wrong_step_mse` (by noise level: the student's error with the step of the opposite
    level in `NOISE_LEVELS` told) and `wrong_step_ratio` (the mean of `wrong_step_mse` over
    `mean_mse`: 1 for a denoiser that ignores t).
    """
    key = ("denoiser", function, steps, training_seed())
    return cached_report(key, lambda: _denoiser_report(function, steps=steps))


def _denoiser_report(function: str, *, steps: int) -> dict:
    report: dict = {"problems": []}
    trained = train_part(function, steps=steps, labels=False, report=report)
    if trained is None:
        return report
    result, probes = trained
    models = returned_models(result, 1, "the denoiser", report)
    if models is None:
        return report
    (denoiser,) = models
    images, _ = test_images()
    clean = images[..., None] * 2 - 1  # the [-1, 1] scale of chapter 12
    alpha_bars = cosine_alpha_bars()
    # Fresh entropy, not a fixed random seed: code that knew a fixed one could return the very noise it is asked for.
    report["noise_seed"] = secrets.randbits(64)
    rng = np.random.default_rng(report["noise_seed"])
    noise_mse, linear_mse, wrong_step_mse = {}, {}, {}
    for level, told in zip(NOISE_LEVELS, reversed(NOISE_LEVELS)):
        noise = rng.standard_normal(clean.shape, dtype=np.float32)
        noisy = (np.sqrt(alpha_bars[level]) * clean + np.sqrt(1 - alpha_bars[level]) * noise).astype(np.float32)
        right = _noise_estimate(probes, denoiser, noisy, level, report)
        wrong = None if right is None else _noise_estimate(probes, denoiser, noisy, told, report)
        if wrong is None:
            return report
        order = rng.permutation(TEST_IMAGES)[:FUNCTION_CHECK_IMAGES]  # the same images again, in another batch
        again = _noise_estimate(probes, denoiser, noisy[order], level, report, check=False)
        if again is None:
            return report
        check_same_function(right[order], again.reshape(-1, 28, 28, 1), "the denoiser", report)
        if report["problems"]:
            return report
        noise_mse[level] = float(np.mean((right - noise) ** 2))
        linear_mse[level] = float(np.mean((linear_noise_estimate(noisy, level) - noise) ** 2))
        wrong_step_mse[level] = float(np.mean((wrong - noise) ** 2))
    report["noise_mse"] = noise_mse
    report["linear_mse"] = linear_mse
    report["wrong_step_mse"] = wrong_step_mse
    report["mean_mse"] = float(np.mean(list(noise_mse.values())))
    report["wrong_step_ratio"] = float(np.mean(list(wrong_step_mse.values())) / max(report["mean_mse"], 1e-12))
    return report


def noise_level_failures(report: dict) -> list[str]:
    """The limits on ε̂'s errors that the report's denoiser misses, each said as "at step t: expected at most …, got
    …"; empty when it meets them all: `NOISE_LIMITS` at every level, and at `LINEAR_LEVEL` at most `LINEAR_FACTOR`
    times the best linear denoiser's error."""
    errors = report["noise_mse"]
    failures = [
        f"at step {t}: expected at most {limit}, got {errors[t]:.3f}"
        for t, limit in NOISE_LIMITS.items()
        if not errors[t] <= limit
    ]
    linear = report["linear_mse"][LINEAR_LEVEL]
    if not errors[LINEAR_LEVEL] <= LINEAR_FACTOR * linear:
        failures.append(
            f"at step {LINEAR_LEVEL}: expected at most {LINEAR_FACTOR * linear:.3f}, the best linear denoiser's "
            f"{linear:.3f} × {LINEAR_FACTOR}; got {errors[LINEAR_LEVEL]:.3f}"
        )
    return failures


@lru_cache(maxsize=1)
def _linear_fit() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grading's training images in [-1, 1] (float64): their mean μ, and their covariance's eigenvalues λ and
    eigenvectors V (one per column); computed once (a 784 × 784 eigendecomposition)."""
    images, _ = training_images()
    flat = images.reshape(len(images), -1).astype(np.float64) * 2 - 1
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(flat, rowvar=False))
    return flat.mean(axis=0), np.maximum(eigenvalues, 0), eigenvectors  # λ ≥ 0: rounding leaves some at -1e-17


def linear_noise_estimate(noisy: np.ndarray, step: int) -> np.ndarray:
    """The best linear denoiser's ε̂ for the images `noisy` (n, 28, 28, 1) at `step`, shaped like them: no training
    step, only the mean and covariance of the grading's training images.

    With a = √ᾱ_t and b = √(1 − ᾱ_t), x_t = a x₀ + b ε; for images x₀ of mean μ and covariance VΛVᵀ, the linear
    function of x_t with the least mean squared error to ε (Wiener's filter) is
    ε̂ = b V diag(1 / (a²λ + b²)) Vᵀ (x_t − a μ). Its guess of the clean image, (x_t − b ε̂) / a, is clipped to [-1, 1],
    where images lie, and ε̂ is taken from it again.
    """
    mean, eigenvalues, eigenvectors = _linear_fit()
    alpha_bar = cosine_alpha_bars()[step]
    a, b = np.sqrt(alpha_bar), np.sqrt(1 - alpha_bar)
    flat = noisy.reshape(len(noisy), -1).astype(np.float64)
    noise = ((flat - a * mean) @ eigenvectors * (b / (a**2 * eigenvalues + b**2))) @ eigenvectors.T
    clean = np.clip((flat - b * noise) / a, -1, 1)
    return ((flat - a * clean) / b).reshape(noisy.shape)


def _noise_estimate(probes, denoiser, noisy: np.ndarray, step: int, report: dict, *, check: bool = True):
    """The denoiser's ε̂ for the images `noisy`, all told `step`, shaped like them; None with the problem in `report`.

    `check` first checks the shape and that the values are finite floats (for the `TEST_IMAGES` images)."""
    predicted = predict(probes, denoiser, [noisy, np.full(len(noisy), step, np.float32)], "the denoiser", report)
    if predicted is None:
        return None
    if not check:
        return np.asarray(predicted, np.float32)
    shapes = [(TEST_IMAGES, 28, 28, 1), (TEST_IMAGES, 28, 28)]
    predicted = check_array(predicted, shapes, "the denoiser", report)
    return None if predicted is None else predicted.reshape(noisy.shape)
