"""The training part of assignment 12 scored in the checker: how well the student's trained denoiser finds the noise.

The student writes `train_...(images, *, steps, seed)`, which builds a denoiser `[x_t, t] → ε̂` (noisy images
(n, 28, 28, 1) in the [-1, 1] scale and their steps t, float32 (n,)), trains it with chapter 12's cosine schedule
over T = 1,000 steps, and returns it. It is trained as every training part is (`autoaegan.grading.training`: the
grading's training images, seeded, deterministic ops, a budget in steps) and scored here, in the checker, with
NumPy alone: the checker takes `TEST_IMAGES` test images that the student's kernel cannot read, scales them to
[-1, 1], draws the noise ε itself, makes x_t in closed form at each of `NOISE_LEVELS`, and measures the mean squared
error of the denoiser's ε̂ against ε. Predicting ε̂ = 0 scores 1 at every level; a denoiser scores well below it.
It then tells the denoiser the wrong step (each level's x_t with the step of the level opposite it) and measures the
error again: a denoiser that uses t gets much worse; one that ignores t does exactly as well.
"""

from __future__ import annotations

import numpy as np

from autoaegan.grading.training import (
    DATA_SEED,
    FUNCTION_CHECK_IMAGES,
    TEST_IMAGES,
    cached_report,
    check_array,
    check_same_function,
    predict,
    returned_models,
    test_images,
    train_part,
    training_seed,
)

STEPS = 1000  # T
# The noise levels scored, from a faint noise to an image nearly drowned: √(1 − ᾱ_t) = 0.09, 0.32, 0.71 and 0.95.
NOISE_LEVELS = (50, 200, 500, 800)


def cosine_alpha_bars(steps: int = STEPS, offset: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    """ᾱ_t for t = 0 … `steps` (ᾱ₀ = 1), chapter 12's cosine schedule (Nichol & Dhariwal 2021), each
    β_t = 1 − ᾱ_t / ᾱ_{t−1} capped at `max_beta`: the checker's own table, computed with NumPy."""
    f = np.cos((np.arange(steps + 1) / steps + offset) / (1 + offset) * np.pi / 2) ** 2
    return np.concatenate([[1.0], np.cumprod(1 - np.minimum(1 - f[1:] / f[:-1], max_beta))])


def denoiser_report(function: str, *, steps: int) -> dict:
    """Train `function` (it returns the denoiser) and score its noise predictions on the test images; computed once,
    then kept.

    The report's keys: as `autoencoder_report`'s for the training (`error`, `problems`,
    `seconds`, `cpu_seconds`...); `noise_mse` (by noise level: the mean squared error of
    ε̂ against the checker's ε, per pixel), `mean_mse` (their mean), `wrong_step_mse` (by
    noise level: the same with the step of the opposite level in `NOISE_LEVELS` told) and
    `wrong_step_ratio` (the mean of `wrong_step_mse` over `mean_mse`: 1 for a denoiser that
    ignores t).
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
    rng = np.random.default_rng([DATA_SEED, training_seed()])
    noise_mse, wrong_step_mse = {}, {}
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
        wrong_step_mse[level] = float(np.mean((wrong - noise) ** 2))
    report["noise_mse"] = noise_mse
    report["wrong_step_mse"] = wrong_step_mse
    report["mean_mse"] = float(np.mean(list(noise_mse.values())))
    report["wrong_step_ratio"] = float(np.mean(list(wrong_step_mse.values())) / max(report["mean_mse"], 1e-12))
    return report


def _noise_estimate(probes, denoiser, noisy: np.ndarray, step: int, report: dict, *, check: bool = True):
    """The denoiser's ε̂ for the images `noisy`, all told `step`, shaped like them; None with the problem in `report`.

    `check` first checks the shape and that the values are finite floats (for the `TEST_IMAGES` images)."""
    predicted = predict(probes, denoiser, [noisy, np.full(len(noisy), step, np.float32)], "the denoiser", report)
    if predicted is None or not check:
        return None if predicted is None else np.asarray(predicted, np.float32)
    shapes = [(TEST_IMAGES, 28, 28, 1), (TEST_IMAGES, 28, 28)]
    predicted = check_array(predicted, shapes, "the denoiser", report)
    return None if predicted is None else predicted.reshape(noisy.shape)
