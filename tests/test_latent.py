"""Latent-space helpers: prior samples, straight lines between codings, the pixel blend, and which codings are used."""

import numpy as np
import pytest

from autoaegan.latent import (
    ACTIVE_THRESHOLD,
    active_dimensions,
    dimension_use,
    interpolate_codings,
    pixel_overlay,
    sample_codings,
)


def test_samples_follow_the_standard_normal_prior():
    codings = sample_codings(20_000, 3, seed=0)
    assert codings.shape == (20_000, 3) and codings.dtype == np.float32
    np.testing.assert_allclose(codings.mean(axis=0), 0, atol=0.03)
    np.testing.assert_allclose(codings.std(axis=0), 1, atol=0.03)
    np.testing.assert_allclose(np.corrcoef(codings.T)[np.triu_indices(3, 1)], 0, atol=0.03)


def test_samples_repeat_with_a_seed_and_differ_otherwise():
    np.testing.assert_array_equal(sample_codings(4, 5, seed=7), sample_codings(4, 5, seed=7))
    assert not np.array_equal(sample_codings(4, 5, seed=7), sample_codings(4, 5, seed=8))
    rng = np.random.default_rng(1)
    assert not np.array_equal(sample_codings(4, 5, seed=rng), sample_codings(4, 5, seed=rng))  # the generator advances
    assert not np.array_equal(sample_codings(4, 5, seed=None), sample_codings(4, 5, seed=None))


def test_sampling_refuses_bad_arguments():
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        sample_codings(0, 2, seed=0)
    with pytest.raises(ValueError, match="latent_dim must be a positive integer, got 2.0"):
        sample_codings(3, 2.0, seed=0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer, a numpy Generator or None, got 'a'"):
        sample_codings(3, 2, seed="a")
    with pytest.raises(TypeError, match="seed"):
        sample_codings(3, 2)  # keyword-only and required


def test_interpolation_is_a_straight_line_with_both_endpoints():
    start, end = np.array([1.0, -2.0, 0.5]), np.array([3.0, 2.0, 0.5])
    line = interpolate_codings(start, end, 5)
    assert line.shape == (5, 3) and line.dtype == np.float32
    np.testing.assert_array_equal(line[0], start.astype(np.float32))
    np.testing.assert_array_equal(line[-1], end.astype(np.float32))
    steps = np.diff(line, axis=0)
    np.testing.assert_allclose(steps, np.tile((end - start) / 4, (4, 1)), atol=1e-6)  # evenly spaced, one direction
    np.testing.assert_allclose(interpolate_codings(start, end, 2), np.stack([start, end]))


def test_interpolation_refuses_bad_arguments():
    with pytest.raises(ValueError, match="start and end must have the same size, got 3 and 2"):
        interpolate_codings(np.zeros(3), np.zeros(2), 4)
    with pytest.raises(ValueError, match=r"start must be one coding, a non-empty 1-D array, got shape \(2, 3\)"):
        interpolate_codings(np.zeros((2, 3)), np.zeros(3), 4)
    with pytest.raises(ValueError, match="steps must be at least 2"):
        interpolate_codings(np.zeros(3), np.ones(3), 1)
    with pytest.raises(ValueError, match="end must hold finite numbers"):
        interpolate_codings(np.zeros(2), np.array([0.0, np.nan]), 3)


def test_pixel_overlay_blends_linearly_from_one_image_to_the_other():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 256, (28, 28), dtype=np.uint8), rng.integers(0, 256, (28, 28), dtype=np.uint8)
    blend = pixel_overlay(a, b, 5)
    assert blend.shape == (5, 28, 28) and blend.dtype == np.float32
    np.testing.assert_allclose(blend[0], a / 255, atol=1e-7)
    np.testing.assert_allclose(blend[-1], b / 255, atol=1e-7)
    np.testing.assert_allclose(blend[2], (a / 255 + b / 255) / 2, atol=1e-6)  # the double exposure halfway
    assert blend.min() >= 0 and blend.max() <= 1
    floats = pixel_overlay(a / 255, b / 255, 3)  # floats in [0, 1] are taken as they are
    np.testing.assert_allclose(floats, blend[::2], atol=1e-6)


def test_pixel_overlay_refuses_bad_images():
    with pytest.raises(ValueError, match=r"same shape, got \(28, 28\) and \(14, 14\)"):
        pixel_overlay(np.zeros((28, 28)), np.zeros((14, 14)), 3)
    with pytest.raises(ValueError, match=r"image_a must be one grey image.*got shape \(2, 28, 28\)"):
        pixel_overlay(np.zeros((2, 28, 28)), np.zeros((28, 28)), 3)
    with pytest.raises(ValueError, match=r"image_b must hold floats in \[0, 1\], got values from 255.0 to 255.0"):
        pixel_overlay(np.zeros((28, 28)), np.full((28, 28), 255.0), 3)
    with pytest.raises(TypeError, match="uint8 .* or floats"):
        pixel_overlay(np.zeros((28, 28), dtype=np.int64), np.zeros((28, 28)), 3)


def collapsed_encoding(n=4_000, seed=0):
    """Encoder outputs of a VAE whose dimensions 1 and 3 collapsed to the prior: μ ≈ 0 and σ ≈ 1 for every image."""
    rng = np.random.default_rng(seed)
    mean = rng.normal(size=(n, 4)) * np.array([1.0, 0.005, 0.5, 0.005])
    log_var = np.log(np.array([0.04, 1.0, 0.25, 1.0]) * np.ones((n, 4)))
    return mean, log_var


def test_dimension_use_measures_the_spread_of_mu_and_the_kl_of_each_dimension():
    mean, log_var = collapsed_encoding()
    use = dimension_use(mean, log_var)
    np.testing.assert_allclose(use["spread"], [1.0, 0.005, 0.5, 0.005], rtol=0.05)
    np.testing.assert_allclose(use["activity"], use["spread"] ** 2)
    # KL of N(μ, σ²) from N(0, 1), averaged: ½ (E[μ²] + σ² − 1 − log σ²); the collapsed dimensions cost nothing.
    expected = 0.5 * ((mean**2).mean(axis=0) + np.exp(log_var[0]) - 1 - log_var[0])
    np.testing.assert_allclose(use["kl"], expected, rtol=1e-9)
    assert use["kl"][[1, 3]].max() < 1e-4 < use["kl"][[0, 2]].min()
    total = (-0.5 * (1 + log_var - np.exp(log_var) - mean**2)).sum(axis=1).mean()
    assert use["kl"].sum() == pytest.approx(total), "the terms add up to the mean latent loss"
    assert set(dimension_use(mean)) == {"activity", "spread"}, "without log_var there is no KL"


def test_active_dimensions_are_those_whose_mean_coding_varies_more_than_burdas_threshold():
    mean, log_var = collapsed_encoding()
    activity = dimension_use(mean, log_var)["activity"]
    assert ACTIVE_THRESHOLD == 0.01
    np.testing.assert_array_equal(active_dimensions(activity), [0, 2])
    np.testing.assert_array_equal(active_dimensions(activity, threshold=0.5), [0])
    np.testing.assert_array_equal(active_dimensions(np.zeros(3)), np.zeros(0, dtype=int))


def test_dimension_use_refuses_bad_arguments():
    with pytest.raises(ValueError, match=r"at least 2 images, shaped \(n, latent_dim\), got shape \(5,\)"):
        dimension_use(np.zeros(5))
    with pytest.raises(ValueError, match="same shape"):
        dimension_use(np.zeros((5, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="finite"):
        dimension_use(np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="variances ≥ 0"):
        active_dimensions([0.5, -1.0])
    with pytest.raises(ValueError, match="threshold must be a number ≥ 0"):
        active_dimensions([0.5], threshold=-1)
