"""The shipped classifier run with NumPy (autoaegan/metrics/classifier_numpy.py) agrees with the Keras model."""

from __future__ import annotations

import numpy as np
import pytest

from autoaegan.metrics.classifier_numpy import classifier_outputs


@pytest.fixture(scope="module")
def images():
    from autoaegan.data.fashion_mnist import load_fashion_mnist

    data = load_fashion_mnist(download=False)
    return data.test_images[:300], data.test_labels[:300]


def test_the_numpy_forward_pass_matches_the_keras_model(images):
    import keras

    from autoaegan.metrics.features import default_extractor

    uint8, _ = images
    features, probabilities = classifier_outputs(uint8)
    expected_features, expected_probabilities = default_extractor()(uint8.astype(np.float32) / 255)
    assert features.shape == (300, 128) and probabilities.shape == (300, 10)
    np.testing.assert_allclose(features, expected_features, atol=1e-3, rtol=1e-3)
    np.testing.assert_allclose(probabilities, expected_probabilities, atol=1e-4)
    assert keras.backend.backend() == "tensorflow"


def test_it_classifies_the_test_images(images):
    uint8, labels = images
    _, probabilities = classifier_outputs(uint8)
    assert np.mean(np.argmax(probabilities, axis=1) == labels) > 0.9
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_floats_channels_and_padding_give_the_same_outputs(images):
    uint8, _ = images
    floats = uint8[:20].astype(np.float32) / 255
    padded = np.pad(floats, ((0, 0), (2, 2), (2, 2)))
    reference = classifier_outputs(uint8[:20])[1]
    for variant in (floats, floats[..., None], padded):
        np.testing.assert_allclose(classifier_outputs(variant)[1], reference, atol=1e-5)


def test_tanh_pixels_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        classifier_outputs(np.full((3, 28, 28), -1.0, np.float32), name="the samples")
