"""The probes that the tests of assignment 07-09 call in the student's kernel: discriminators whose gradient is known,
and a penalty's gradient with respect to a discriminator's weights (`autoaegan.grading.probes.gans`)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.grading.probes import gans as probes


def input_gradients(discriminator, images) -> np.ndarray:
    """Each image's gradient of the discriminator's logit, by a tape in this test (not the probes')."""
    images = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(discriminator(images))
    return tape.gradient(total, images).numpy()


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 1), (3, 5)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_discriminator_is_w_dot_x_plus_b_and_its_gradient_is_w(shape, dtype):
    rng = np.random.default_rng(0)
    weights = rng.normal(size=shape)
    images = rng.normal(size=(4, *shape)).astype(dtype)
    discriminator = probes.linear_discriminator(weights, 0.25, dtype=dtype)
    assert isinstance(discriminator, keras.Model) and discriminator.output_shape == (None, 1)
    logits = np.asarray(discriminator(images))
    assert logits.shape == (4, 1) and logits.dtype == np.dtype(dtype)
    by_hand = images.reshape(4, -1).astype(float) @ weights.astype(dtype).reshape(-1).astype(float) + 0.25
    np.testing.assert_allclose(logits[:, 0], by_hand, rtol=1e-5 if dtype == "float32" else 1e-12)
    np.testing.assert_allclose(
        input_gradients(discriminator, images), np.broadcast_to(weights.astype(dtype), images.shape), rtol=1e-6
    )


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_quadratic_discriminator_is_a_x_squared_with_a_trainable(dtype):
    rng = np.random.default_rng(1)
    scales = rng.normal(size=(28, 28, 1))
    images = rng.uniform(-1, 1, size=(3, 28, 28, 1)).astype(dtype)
    discriminator = probes.quadratic_discriminator(scales, dtype=dtype)
    (weight,) = discriminator.trainable_variables
    assert tuple(weight.shape) == (28, 28, 1) and weight.dtype == dtype
    logits = np.asarray(discriminator(images))
    assert logits.shape == (3, 1)
    a = scales.astype(dtype).astype(float)
    np.testing.assert_allclose(
        logits[:, 0], np.sum(a * images.astype(float) ** 2, axis=(1, 2, 3)), rtol=1e-5 if dtype == "float32" else 1e-12
    )
    np.testing.assert_allclose(input_gradients(discriminator, images), 2 * a * images, rtol=1e-5)


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 1)])
def test_conv_discriminator_is_smooth_float64_and_drawn_from_its_seed(shape):
    first = probes.conv_discriminator(shape, seed=3)
    again = probes.conv_discriminator(shape, seed=3)
    other = probes.conv_discriminator(shape, seed=4)
    images = np.random.default_rng(2).uniform(-1, 1, size=(5, *shape))
    logits = np.asarray(first(images))
    assert logits.shape == (5, 1) and logits.dtype == np.float64
    np.testing.assert_array_equal(logits, np.asarray(again(images)))
    assert not np.allclose(logits, np.asarray(other(images)))
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in first.layers)
    # Smooth: central differences agree with the tape to many digits.
    gradient = input_gradients(first, images[:1])[0]
    pixel = (10, 12, 0)[: len(shape)]
    step = np.zeros((1, *shape))
    step[(0, *pixel)] = 1e-6
    numeric = (np.asarray(first(images[:1] + step)) - np.asarray(first(images[:1] - step)))[0, 0] / 2e-6
    assert abs(numeric - gradient[pixel]) < 1e-7 + 1e-6 * abs(gradient[pixel])


def test_image_shapes_must_be_positive():
    with pytest.raises(ValueError, match="positive sides"):
        probes.linear_discriminator(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="positive sides"):
        probes.conv_discriminator((), seed=0)


def right_penalty(discriminator, images):
    with tf.GradientTape() as tape:
        tape.watch(images)
        total = tf.reduce_sum(discriminator(images))
    gradients = tape.gradient(total, images)
    return tf.reduce_mean(tf.reduce_sum(tf.reshape(gradients**2, (tf.shape(gradients)[0], -1)), axis=1))


def test_penalty_and_weight_gradients_differentiates_a_penalty_through_its_tape():
    rng = np.random.default_rng(5)
    scales = rng.normal(size=(4, 3))
    images = rng.normal(size=(6, 4, 3)).astype("float32")
    discriminator = probes.quadratic_discriminator(scales)
    result = probes.penalty_and_weight_gradients(right_penalty, discriminator, images)
    assert result["type"].endswith("EagerTensor") and type(result["value"]) is np.ndarray
    a = scales.astype("float32").astype(float)
    np.testing.assert_allclose(float(result["value"]), np.mean(np.sum((2 * a * images) ** 2, axis=(1, 2))), rtol=1e-5)
    (gradient,) = result["gradients"]
    np.testing.assert_allclose(gradient, np.mean(8 * a * images.astype(float) ** 2, axis=0), rtol=1e-4)


def test_penalty_and_weight_gradients_hands_the_arrays_over_as_tensors_and_reports_a_value_without_gradient():
    seen = []

    def as_float(discriminator, images):
        seen.append(tf.is_tensor(images))
        return float(np.asarray(right_penalty(discriminator, images)))

    discriminator = probes.linear_discriminator(np.ones((2, 2)))
    result = probes.penalty_and_weight_gradients(as_float, discriminator, np.ones((3, 2, 2), "float32"))
    assert seen == [True]
    assert result["type"] == "builtins.float" and float(result["value"]) == pytest.approx(4.0)
    assert result["gradients"] == [None, None]  # the kernel and the bias: no gradient reaches them

    # A tensor that does not depend on the weights: None for each of them.
    result = probes.penalty_and_weight_gradients(lambda d, x: tf.reduce_sum(x), discriminator, np.ones((3, 2, 2)))
    assert result["gradients"] == [None, None] and float(result["value"]) == 12.0
