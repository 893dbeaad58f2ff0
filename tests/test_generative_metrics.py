"""The generative metrics: input checks, FD, KID, precision/recall, class coverage, the report and its floor.

Most tests look through a tiny stand-in classifier (`band_extractor`) on synthetic
images whose class is a bright horizontal band, so that every distance has a known
answer and runs in milliseconds; the last ones use the shipped Fashion-MNIST classifier.
"""

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.linalg

from autoaegan.metrics import evaluation
from autoaegan.metrics.evaluation import (
    GenerativeReport,
    clear_cache,
    evaluate_generated,
    format_figure,
    real_floor,
    reference_features,
)
from autoaegan.metrics.features import ClassifierFeatures, Features, draw_sample, extract_features, metric_images
from autoaegan.metrics.generative import (
    class_coverage,
    frechet_distance,
    kernel_distance,
    neighbour_radii,
    precision_recall,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist"
CLASSES = 10


def band_images(labels, seed=0) -> np.ndarray:
    """Float images in [0, 1]: dim noise, plus a bright 2-row band whose position is the class (rows 4 + 2c)."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    images = rng.uniform(0, 0.3, (len(labels), 28, 28))
    for index, label in enumerate(labels):
        images[index, 4 + 2 * label : 6 + 2 * label] += 0.6
    return np.clip(images, 0, 1)


def band_extractor(images):
    """Features: the 28 row means; probabilities: a sharp softmax over the ten bands' brightness."""
    rows = images.mean(axis=2)
    bands = np.stack([rows[:, 4 + 2 * c : 6 + 2 * c].mean(axis=1) for c in range(CLASSES)], axis=1)
    scores = np.exp(50 * (bands - bands.max(axis=1, keepdims=True)))
    return rows, scores / scores.sum(axis=1, keepdims=True)


class CountingExtractor:
    """The band extractor, counting the images it is shown."""

    def __init__(self):
        self.images_seen = 0

    def __call__(self, images):
        self.images_seen += len(images)
        return band_extractor(images)


def balanced_labels(n, seed=0):
    return np.random.default_rng(seed).permutation(np.arange(n) % CLASSES)


def fake_data(train=3_000, test=1_000):
    return SimpleNamespace(
        train_images=band_images(balanced_labels(train, 1), seed=1),
        test_images=band_images(balanced_labels(test, 2), seed=2),
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    clear_cache()
    yield
    clear_cache()


# ---- input checks -------------------------------------------------------------------------------------------


def test_uint8_images_are_scaled_and_floats_kept():
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    scaled = metric_images(images.astype(np.uint8))
    assert scaled.dtype == np.float32 and scaled.shape == (2, 28, 28)
    np.testing.assert_allclose(scaled, images / 255, atol=1e-7)
    np.testing.assert_allclose(metric_images(images / 255), images / 255, atol=1e-7)
    assert metric_images((images / 255)[..., None]).shape == (2, 28, 28)  # (N, 28, 28, 1)


def test_32_by_32_images_are_centre_cropped():
    inner = band_images(balanced_labels(20))
    padded = np.pad(inner, ((0, 0), (2, 2), (2, 2)), constant_values=1.0)  # a white frame that must go
    np.testing.assert_array_equal(metric_images(padded), inner.astype(np.float32))
    np.testing.assert_array_equal(metric_images(padded[..., None]), inner.astype(np.float32))
    as_uint8 = np.pad((inner * 255).astype(np.uint8), ((0, 0), (2, 2), (2, 2)), constant_values=255)
    np.testing.assert_allclose(metric_images(as_uint8), (inner * 255).astype(np.uint8) / 255, atol=1e-7)


def test_a_padded_set_scores_like_the_original():
    data = fake_data()
    inner = band_images(balanced_labels(500, 5), seed=5)
    padded = np.pad(inner, ((0, 0), (2, 2), (2, 2)))
    plain = evaluate_generated(inner, n=500, extractor=band_extractor, data=data)
    cropped = evaluate_generated(padded, n=500, extractor=band_extractor, data=data)
    assert cropped.scores == plain.scores


def test_tanh_outputs_are_refused_with_the_fix():
    tanh_like = band_images(balanced_labels(10)) * 2 - 1
    tanh_like[0, 0, 0] = -1
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\], got values from -1 to .*\(images \+ 1\) / 2"):
        metric_images(tanh_like)


def test_pixels_0_to_255_as_floats_are_refused():
    with pytest.raises(ValueError, match=r"values from 0 to 255.*Scale them to \[0, 1\]"):
        metric_images(np.linspace(0, 255, 2 * 28 * 28).reshape(2, 28, 28))


def test_rounding_just_outside_the_range_is_clipped():
    images = band_images(balanced_labels(4))
    images[0, 0, 0], images[1, 0, 0] = 1 + 1e-7, -1e-7
    checked = metric_images(images)
    assert checked.min() >= 0 and checked.max() <= 1


def test_nan_is_refused():
    images = band_images(balanced_labels(3))
    images[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="contains 1 NaN or infinite values"):
        metric_images(images, name="samples")


@pytest.mark.parametrize("shape", [(5, 28), (5, 28, 28, 3), (5, 30, 30), (5, 28, 32), (28, 28)])
def test_wrong_shapes_are_refused(shape):
    with pytest.raises(ValueError, match=r"must be shaped \(N, 28, 28\).*got shape"):
        metric_images(np.zeros(shape, np.float32))


def test_other_dtypes_are_refused():
    with pytest.raises(TypeError, match="uint8 images .* or floats in \\[0, 1\\], got dtype int64"):
        metric_images(np.zeros((2, 28, 28), np.int64))


def test_too_few_samples_are_refused_before_any_work():
    extractor = CountingExtractor()
    with pytest.raises(ValueError, match="holds 99 images, fewer than the N = 100"):
        evaluate_generated(band_images(balanced_labels(99)), n=100, extractor=extractor, data=fake_data())
    with pytest.raises(ValueError, match="empty"):
        metric_images(np.zeros((0, 28, 28), np.uint8))
    assert extractor.images_seen == 0


def test_a_bad_extractor_is_named():
    with pytest.raises(ValueError, match="must return features"):
        extract_features(np.zeros((4, 28, 28), np.float32), lambda x: (np.zeros((3, 2)), np.zeros((4, 10))))


def test_draws_are_seeded_without_replacement_and_keep_order():
    items = np.arange(1_000)
    first = draw_sample(items, 100, seed=3)
    np.testing.assert_array_equal(first, draw_sample(items, 100, seed=3))
    assert len(np.unique(first)) == 100 and np.all(np.diff(first) > 0)
    assert not np.array_equal(first, draw_sample(items, 100, seed=4))
    assert not np.array_equal(first, draw_sample(items, 100, seed=3, stream=1))
    np.testing.assert_array_equal(draw_sample(items, 1_000, seed=3), items)  # exactly n: all of them
    with pytest.raises(ValueError, match="cannot draw 1,001"):
        draw_sample(items, 1_001, seed=0)


# ---- Fréchet distance ---------------------------------------------------------------------------------------


def scipy_frechet(a, b):
    """The textbook formula with scipy's complex matrix square root (real part kept)."""
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    gap = a.mean(0) - b.mean(0)
    return float(gap @ gap + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real))


def test_frechet_distance_matches_the_textbook_formula():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 12))
    b = rng.normal(size=(400, 12)) @ rng.normal(size=(12, 12)) * 0.4 + 0.2
    assert frechet_distance(a, b) == pytest.approx(scipy_frechet(a, b), rel=1e-8)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-8)


def test_identical_sets_have_zero_frechet_distance():
    a = np.random.default_rng(1).normal(size=(300, 20))
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-9)
    dead = a.copy()
    dead[:, :5] = 0  # dead relu units: a singular covariance is fine
    assert frechet_distance(dead, dead) == pytest.approx(0, abs=1e-9)


def test_a_shifted_set_grows_the_frechet_distance_as_the_shift_squared():
    a = np.random.default_rng(2).normal(size=(400, 8))
    direction = np.ones(8) / np.sqrt(8)
    shifts = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0]
    distances = [frechet_distance(a, a + shift * direction) for shift in shifts]
    assert np.all(np.diff(distances) > 0)
    np.testing.assert_allclose(distances, np.square(shifts), atol=1e-8)  # same covariance: only the mean moves


def test_gaussians_with_known_statistics():
    rng = np.random.default_rng(3)
    a = rng.normal(0, 1, size=(20_000, 3))
    b = rng.normal([1, 0, 0], [2, 1, 1], size=(20_000, 3))
    # |μ₁ − μ₂|² + Σ (σ₁ − σ₂)² for diagonal covariances: 1 + 1 = 2.
    assert frechet_distance(a, b) == pytest.approx(2.0, abs=0.1)


def test_feature_shapes_are_checked():
    with pytest.raises(ValueError, match="same dimension, got 3 and 4"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="matrix of feature vectors"):
        kernel_distance(np.zeros(5), np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        precision_recall(np.full((5, 2), np.nan), np.zeros((5, 2)))


# ---- KID ----------------------------------------------------------------------------------------------------


def test_kid_matches_a_pair_by_pair_computation():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)) + 0.5
    d = 3

    def k(u, v):
        return (u @ v / d + 1) ** 3

    xx = sum(k(x[i], x[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    yy = sum(k(y[i], y[j]) for i in range(4) for j in range(4) if i != j) / (4 * 3)
    xy = sum(k(x[i], y[j]) for i in range(5) for j in range(4)) / (5 * 4)
    assert kernel_distance(x, y, chunk=2) == pytest.approx(xx + yy - 2 * xy, rel=1e-10)


def test_kid_is_unbiased_over_independent_draws_of_one_distribution():
    rng = np.random.default_rng(5)
    unbiased, biased = [], []
    for _ in range(200):
        x, y = rng.normal(size=(40, 4)), rng.normal(size=(40, 4))
        unbiased.append(kernel_distance(x, y))
        kxx, kyy, kxy = ((a @ b.T / 4 + 1) ** 3 for a, b in ((x, x), (y, y), (x, y)))
        biased.append(kxx.mean() + kyy.mean() - 2 * kxy.mean())  # the diagonal kept: the biased estimate
    error = np.std(unbiased) / np.sqrt(len(unbiased))
    assert abs(np.mean(unbiased)) < 3 * error
    assert np.mean(biased) > 10 * error  # what leaving the diagonal out corrects


def test_kid_separates_distributions_and_subsets_agree():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(1_000, 8)), rng.normal(size=(1_000, 8)) + 0.5
    full = kernel_distance(x, y)
    assert full > 0.1 and abs(kernel_distance(x, rng.normal(size=(1_000, 8)))) < 0.02
    assert kernel_distance(x, y, subsets=20, subset_size=200, seed=1) == pytest.approx(full, rel=0.2)
    with pytest.raises(ValueError, match="subset_size must be between 2"):
        kernel_distance(x, y, subsets=2, subset_size=5_000)


# ---- precision and recall -----------------------------------------------------------------------------------


def test_neighbour_radii_reach_the_kth_neighbour():
    points = np.array([[0.0], [1.0], [3.0], [7.0], [15.0]])
    np.testing.assert_allclose(neighbour_radii(points, k=1), np.square([1, 1, 2, 4, 8]))
    np.testing.assert_allclose(neighbour_radii(points, k=3, chunk=2), np.square([7, 6, 4, 7, 14]))
    with pytest.raises(ValueError, match="k = 5 needs at least 6"):
        neighbour_radii(points, k=5)


def test_identical_sets_have_full_precision_and_recall():
    a = np.random.default_rng(7).normal(size=(300, 6))
    result = precision_recall(a, a)
    assert (result.precision, result.recall, result.k) == (1.0, 1.0, 3)


def test_two_samples_of_one_distribution_have_precision_and_recall_near_one():
    rng = np.random.default_rng(8)
    result = precision_recall(rng.normal(size=(1_000, 2)), rng.normal(size=(1_000, 2)), chunk=300)
    assert result.precision > 0.95 and result.recall > 0.95


def test_a_narrow_set_has_high_precision_and_low_recall():
    rng = np.random.default_rng(9)
    real = rng.normal(size=(1_000, 2))
    narrow = rng.normal(size=(1_000, 2)) * 0.2
    result = precision_recall(real, narrow)
    assert result.precision > 0.95 and result.recall < 0.3
    far = precision_recall(real, narrow + 20)
    assert far.precision == 0 and far.recall == 0


# ---- class coverage -----------------------------------------------------------------------------------------


def test_coverage_of_a_uniform_spread_and_of_one_class():
    even = class_coverage(np.arange(1_000) % 10)
    assert even.entropy == pytest.approx(np.log(10)) and even.normalised_entropy == pytest.approx(1.0)
    assert even.covered == 10 and even.counts == (100,) * 10
    single = class_coverage(np.full(500, 7))
    assert single.entropy == 0 and single.normalised_entropy == 0 and single.covered == 1
    np.testing.assert_array_equal(single.shares, np.eye(10)[7])


def test_coverage_entropy_in_nats_and_the_share_threshold():
    halves = class_coverage(np.array([0, 1] * 50))
    assert halves.entropy == pytest.approx(np.log(2)) and halves.covered == 2
    rare = np.array([3] * 995 + [4] * 5)  # class 4 holds 0.5% of the samples: under the 1% threshold
    assert class_coverage(rare).covered == 1 and class_coverage(rare, min_share=0.001).covered == 2


def test_coverage_from_probabilities_and_bad_predictions():
    probabilities = np.eye(10)[[1, 1, 2, 2]] * 0.9 + 0.01
    assert class_coverage(probabilities).counts[1:3] == (2, 2)
    with pytest.raises(ValueError, match="from 0 to 9"):
        class_coverage(np.array([0, 10]))
    with pytest.raises(ValueError, match="over 10 classes"):
        class_coverage(np.zeros((3, 4)))


# ---- the report and its floor -------------------------------------------------------------------------------


def test_identical_sets_score_about_zero():
    data = fake_data()
    report = evaluate_generated(data.test_images, n=1_000, extractor=band_extractor, data=data)
    # N equals the test set's size, so both sides are the whole test set.
    assert report.scores.fd == pytest.approx(0, abs=1e-9)
    assert report.scores.precision == 1 and report.scores.recall == 1
    # For one set against itself the unbiased MMD² is exactly -2 (mean diagonal - mean off-diagonal) / m: O(1/m).
    features = band_extractor(metric_images(data.test_images))[0].astype(np.float64)
    kernel = (features @ features.T / features.shape[1] + 1) ** 3
    m = len(features)
    off_diagonal = (kernel.sum() - np.trace(kernel)) / (m * (m - 1))
    expected = -2 * (np.trace(kernel) / m - off_diagonal) / m
    assert report.scores.kid == pytest.approx(expected, rel=1e-6) and abs(report.scores.kid) < 1e-3


def test_a_set_that_copies_one_class_has_low_recall_and_low_coverage():
    data = fake_data()
    one_class = band_images(np.full(1_000, 3), seed=9)
    report = evaluate_generated(one_class, name="collapsed", n=1_000, extractor=band_extractor, data=data)
    assert report.scores.coverage.covered == 1 and report.scores.coverage.entropy == pytest.approx(0, abs=1e-12)
    assert report.scores.recall < 0.2 and report.scores.precision > 0.5  # realistic, but not varied
    assert report.floor.coverage.covered == 10 and report.floor.recall > 5 * report.scores.recall
    assert report.scores.fd > 10 * report.floor.fd and report.scores.kid > 10 * report.floor.kid


def test_the_floor_is_real_training_images_against_the_test_set_and_is_cached():
    data, extractor = fake_data(), CountingExtractor()
    floor = real_floor(n=500, seed=1, extractor=extractor, data=data)
    assert extractor.images_seen == 1_000  # 500 training images and 500 test images
    assert real_floor(n=500, seed=1, extractor=extractor, data=data) is floor
    assert extractor.images_seen == 1_000  # cached per (N, seed)
    again = evaluate_generated(
        band_images(balanced_labels(600, 3), seed=3), n=500, seed=1, extractor=extractor, data=data
    )
    assert again.floor is floor and extractor.images_seen == 1_500  # only the generated set is new
    other = real_floor(n=500, seed=2, extractor=extractor, data=data)
    assert other != floor and extractor.images_seen == 2_500
    # The same figures by hand: seeded training images against seeded test images.
    train = metric_images(data.train_images, n=500, seed=1, stream=evaluation.FLOOR_STREAM)
    test = reference_features(n=500, seed=1, extractor=extractor, data=data)
    assert floor.fd == pytest.approx(frechet_distance(test.features, band_extractor(train)[0]), rel=1e-9)


def test_the_report_prints_the_floor_beside_the_figures():
    data = fake_data()
    report = evaluate_generated(
        band_images(np.full(1_000, 3), seed=9), name="collapsed", n=1_000, extractor=band_extractor, data=data
    )
    text = str(report)
    assert "collapsed against the test set, N = 1,000, seed 42" in text
    assert "real vs real" in text and format_figure(report.floor.fd) in text and format_figure(report.scores.fd) in text
    assert format_figure(1000 * report.floor.kid) in text
    assert "1/10" in text and "10/10" in text
    assert f"{report.scores.fd / report.floor.fd:,.1f}×" in text
    assert report.to_markdown().count("\n") == len(report.rows()) + 1
    figures = report.as_dict()
    assert figures["n"] == 1_000 and figures["floor"]["coverage"]["covered"] == 10
    assert figures["scores"]["coverage"]["counts"][3] == 1_000


def test_figures_are_formatted_to_four_significant_digits():
    assert [format_figure(v) for v in (0.0012345, 1.23456, 123.456, 12_345.6, -0.5)] == [
        "0.001234",
        "1.235",
        "123.5",
        "12,346",
        "-0.5",
    ]


def test_figures_repeat_with_the_same_seed():
    data = fake_data()
    images = band_images(balanced_labels(2_000, 4), seed=4)
    first = evaluate_generated(images, n=500, seed=5, extractor=band_extractor, data=data)
    clear_cache()
    assert evaluate_generated(images, n=500, seed=5, extractor=band_extractor, data=data) == first
    assert isinstance(first, GenerativeReport)


# ---- with the shipped classifier ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fashion():
    from autoaegan.data.fashion_mnist import load_fashion_mnist, locate_fashion_mnist

    if not os.environ.get("AUTOAEGAN_DATA") and SHARED_DATA.is_dir():
        return load_fashion_mnist(locate_fashion_mnist(SHARED_DATA).path)
    return load_fashion_mnist()


@pytest.fixture(scope="module")
def classifier():
    return ClassifierFeatures()


def test_shipped_classifier_features_are_the_128_penultimate_units(fashion, classifier):
    images = metric_images(fashion.test_images[:200])
    features = extract_features(images, classifier)
    assert isinstance(features, Features) and features.features.shape == (200, 128)
    np.testing.assert_allclose(features.probabilities.sum(axis=1), 1, rtol=1e-5)
    assert np.mean(features.predicted_classes == fashion.test_labels[:200]) > 0.85


def test_with_the_shipped_classifier_one_class_has_low_recall_and_coverage(fashion, classifier):
    trousers = fashion.test_images[fashion.test_labels == 1]  # 1,000 of them
    report = evaluate_generated(trousers, name="trousers only", n=1_000, extractor=classifier, data=fashion)
    assert report.scores.coverage.covered == 1 and report.scores.coverage.normalised_entropy < 0.1
    assert report.scores.recall < 0.25
    assert report.floor.coverage.covered == 10 and report.floor.recall > 0.5
    assert report.scores.fd > 20 * report.floor.fd


def test_with_the_shipped_classifier_a_larger_shift_gives_a_larger_distance(fashion, classifier):
    test = reference_features(n=1_000, seed=0, extractor=classifier, data=fashion).features
    images = metric_images(fashion.test_images, n=1_000, seed=0, stream=evaluation.TEST_STREAM)
    distances = [
        frechet_distance(test, extract_features(np.roll(images, pixels, axis=2), classifier).features)
        for pixels in range(5)
    ]
    assert distances[0] == pytest.approx(0, abs=1e-6)
    assert np.all(np.diff(distances) > 0), distances


# ---- scoring one generator over several sample seeds --------------------------------------------------------


def test_score_seeds_scores_each_seed_and_averages_them():
    from autoaegan.training.quality import score_seeds

    data = fake_data()
    asked = []

    def make_images(seed):
        asked.append(seed)
        # Seed 1 collapses onto one class; the others are varied: the runs must tell them apart.
        labels = np.full(600, 3) if seed == 1 else balanced_labels(600, seed)
        return band_images(labels, seed=10 + seed)

    figures = score_seeds(make_images, n=500, seeds=(1, 2, 3), extractor=band_extractor, data=data)
    assert asked == [1, 2, 3]
    assert figures["n"] == 500 and figures["sample_seeds"] == [1, 2, 3]
    runs = {run["sample_seed"]: run for run in figures["runs"]}
    assert runs[1]["covered"] == 1 and runs[2]["covered"] == runs[3]["covered"] == 10
    assert runs[1]["fd"] > 10 * runs[2]["fd"]
    for key in ("fd", "kid", "precision", "recall", "covered", "entropy"):
        assert figures["mean"][key] == pytest.approx(np.mean([run[key] for run in figures["runs"]]))
    assert figures["floor"]["covered"] == 10 and figures["floor"]["fd"] < runs[2]["fd"] + 1


def test_score_seeds_keeps_the_metric_draw_fixed_across_sample_seeds():
    from autoaegan.training.quality import score_seeds

    data = fake_data()
    images = band_images(balanced_labels(800, 4), seed=4)
    # The same images under every sample seed: a fixed metric draw gives identical figures.
    figures = score_seeds(lambda seed: images, n=500, seeds=(1, 2), extractor=band_extractor, data=data)
    first, second = figures["runs"]
    assert {k: v for k, v in first.items() if k != "sample_seed"} == {
        k: v for k, v in second.items() if k != "sample_seed"
    }
    other_draw = score_seeds(lambda seed: images, n=500, seeds=(1,), metric_seed=7, extractor=band_extractor, data=data)
    assert other_draw["runs"][0]["fd"] != first["fd"]
