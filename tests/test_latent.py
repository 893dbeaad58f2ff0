"""Latent-space helpers: prior samples, straight lines between codings, and the pixel blend."""

import numpy as np
import pytest

from autoaegan.latent import interpolate_codings, pixel_overlay, sample_codings


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
