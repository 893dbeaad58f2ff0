"""Latent arithmetic: the pure functions, and the widget driven at kernel level."""

import keras
import numpy as np
import pytest

from autoaegan.widgets.latent_arithmetic import (
    LatentArithmetic,
    arithmetic,
    codings_by_class,
    concept_mean,
    pixel_arithmetic,
    variations,
)
from autoaegan.widgets.png import read_grey_png

LATENT = 6


@pytest.fixture(scope="module")
def generator():
    """A small tanh generator: codings (n, 6) → images (n, 28, 28, 1) in [-1, 1], with random weights."""
    keras.utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input((LATENT,)),
            keras.layers.Dense(7 * 7 * 4, activation="relu"),
            keras.layers.Reshape((7, 7, 4)),
            keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
            keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="tanh"),
        ]
    )


def test_concept_mean_averages_the_picked_rows_by_index_or_mask():
    codings = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(concept_mean(codings, [0, 2]), (codings[0] + codings[2]) / 2)
    np.testing.assert_allclose(concept_mean(codings, np.array([False, True, True, True])), codings[1:].mean(axis=0))
    np.testing.assert_allclose(concept_mean(codings, [3]), codings[3])
    assert concept_mean(codings, [1]).dtype == np.float32 and concept_mean(codings, [1]).shape == (3,)


@pytest.mark.parametrize(
    "codings, picked, error, match",
    [
        (np.zeros((4, 3)), [], ValueError, "pick at least one"),
        (np.zeros((4, 3)), np.zeros(4, bool), ValueError, "pick at least one"),
        (np.zeros((4, 3)), [4], IndexError, "0..3"),
        (np.zeros((4, 3)), np.ones(3, bool), ValueError, "one entry per coding"),
        (np.zeros((4, 3)), [0.5], TypeError, "row indices"),
        (np.zeros(3), [0], ValueError, "2-D array"),
        (np.full((2, 3), np.nan), [0], ValueError, "finite"),
    ],
)
def test_concept_mean_refuses_bad_input(codings, picked, error, match):
    with pytest.raises(error, match=match):
        concept_mean(codings, picked)


def test_arithmetic_is_a_minus_b_plus_c():
    rng = np.random.default_rng(0)
    a, b, c = rng.standard_normal((3, 5))
    result = arithmetic(a, b, c)
    np.testing.assert_allclose(result, a - b + c, rtol=1e-6)
    assert result.dtype == np.float32
    np.testing.assert_allclose(arithmetic(a, a, c), c, rtol=1e-6)  # A − A + C = C
    with pytest.raises(ValueError, match="same size"):
        arithmetic(a, b, c[:3])
    with pytest.raises(ValueError, match="one coding"):
        arithmetic(np.zeros((2, 5)), b, c)


def test_pixel_arithmetic_stays_in_range_and_variations_stay_near():
    a, b, c = np.full((2, 2), 0.9), np.full((2, 2), 0.1), np.full((2, 2), 0.5)
    np.testing.assert_allclose(pixel_arithmetic(a, b, c), 1.0)
    np.testing.assert_allclose(pixel_arithmetic(b, a, b), 0.0)
    with pytest.raises(ValueError, match="one shape"):
        pixel_arithmetic(a, b, np.zeros((3, 3)))
    coding = np.linspace(-1, 1, 5)
    around = variations(coding, 50, seed=1)
    assert around.shape == (50, 5)
    assert np.abs(around - coding).max() <= 0.25 + 1e-6 and np.abs(around - coding).max() > 0.1
    np.testing.assert_allclose(variations(coding, 3, seed=1), variations(coding, 3, seed=1))
    np.testing.assert_allclose(variations(coding, 2, seed=1, noise=0.0), np.stack([coding, coding]), rtol=1e-6)


def test_codings_by_class_keeps_the_samples_the_classifier_puts_in_that_class(generator):
    threshold = {}

    def brightness_classifier(images):  # class 1 for images brighter than the pool's median, with a confidence
        bright = images.reshape(len(images), -1).mean(axis=1)
        threshold.setdefault("median", np.median(bright))
        share = 1 / (1 + np.exp(-200 * (bright - threshold["median"])))
        return np.stack([1 - share, share], axis=1)

    picked = codings_by_class(generator, brightness_classifier, 1, 5, seed=0, pool=200)
    assert picked.shape == (5, LATENT)
    images = LatentArithmetic(generator, names=("a", "b", "c"), candidates=2).decode_unit(picked)
    means = images.reshape(len(images), -1).mean(axis=1)
    assert (means > threshold["median"]).all()
    assert np.all(np.diff(means) <= 1e-6)  # the most confident (brightest) first
    with pytest.raises(ValueError, match="none of 10 generated samples"):
        codings_by_class(generator, lambda images: np.tile([1.0, 0.0], (len(images), 1)), 1, 3, seed=0, pool=10)


def test_the_widget_computes_from_the_picks_and_redraws(generator):
    pools = [np.random.default_rng(i).standard_normal((8, LATENT)).astype(np.float32) for i in range(3)]
    widget = LatentArithmetic(generator, pools=pools, names=("boots", "sneakers", "sandals"), columns=4, scale=2)
    assert widget.compute() is None
    assert "Pick at least one sample for: boots, sneakers, sandals" in widget.status.value
    assert [len(grid.children) for grid in widget.grids] == [8, 8, 8]

    # Ticking checkboxes as a learner would.
    for index, picks in enumerate(([0, 2, 5], [1], [3, 7])):
        for pick in picks:
            widget.checkboxes[index][pick].value = True
    assert [widget.picked(i) for i in range(3)] == [[0, 2, 5], [1], [3, 7]]
    result = widget.compute()
    expected = arithmetic(
        concept_mean(pools[0], [0, 2, 5]), concept_mean(pools[1], [1]), concept_mean(pools[2], [3, 7])
    )
    np.testing.assert_allclose(result["coding"], expected, rtol=1e-5)
    np.testing.assert_allclose(result["result"], widget.decode_unit(expected[None])[0], atol=1e-5)
    assert 0.0 <= result["result"].min() and result["result"].max() <= 1.0
    assert "boots − sneakers + sandals" in widget.status.value
    # The result image shows the decoded result: the PNG holds its pixels (dark ink on white, scale 2).
    shown = read_grey_png(widget.result_image.value)
    assert shown.shape == (56, 56)
    np.testing.assert_allclose(255 - shown[::2, ::2], np.round(result["result"] * 255), atol=1)
    # The pixel-space contrast is built from the picked images themselves.
    images = widget.candidate_images
    np.testing.assert_allclose(
        result["pixel"],
        pixel_arithmetic(images[0][[0, 2, 5]].mean(0), images[1][1], images[2][[3, 7]].mean(0)),
        atol=1e-6,
    )

    # Changing a pick changes the result; un-picking a whole concept empties it again.
    before = widget.result_image.value
    widget.checkboxes[1][4].value = True
    assert widget.result_image.value != before and widget.picked("B") == [1, 4]
    widget.set_picked("B", [])
    assert widget.compute() is None and "sneakers" in widget.status.value


def test_new_samples_replace_one_concept_and_clear_its_picks(generator):
    widget = LatentArithmetic(generator, candidates=5, seed=4, picks=([0], [1], [2]))
    assert widget.compute() is not None
    old_a, old_b = widget.pools[0].copy(), widget.pools[1].copy()
    widget.new_buttons[0].click()
    assert not np.allclose(widget.pools[0], old_a)
    np.testing.assert_array_equal(widget.pools[1], old_b)
    assert widget.picked("A") == [] and widget.picked("B") == [1]
    assert widget.compute() is None
    # The same seed gives the same candidates.
    again = LatentArithmetic(generator, candidates=5, seed=4)
    np.testing.assert_array_equal(again.pools[0], old_a)


def test_the_widget_refuses_bad_arguments(generator):
    with pytest.raises(ValueError, match="three arrays"):
        LatentArithmetic(generator, pools=[np.zeros((2, LATENT))] * 2)
    with pytest.raises(ValueError, match="has 3 dimensions, the generator takes 6|have 3 dimensions"):
        LatentArithmetic(generator, pools=[np.zeros((2, 3))] * 3)
    with pytest.raises(ValueError, match="three concepts"):
        LatentArithmetic(generator, names=("a", "b"))
    with pytest.raises(IndexError, match="samples 0..3"):
        LatentArithmetic(generator, candidates=4, picks=([5], [0], [0]))
    widget = LatentArithmetic(generator, candidates=2)
    with pytest.raises(ValueError, match="'A', 'B', 'C' or 0-2"):
        widget.picked("D")
