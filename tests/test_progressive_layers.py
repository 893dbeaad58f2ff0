"""The ProGAN layers: equalized learning rate, pixel normalization, minibatch standard deviation, fade-in."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.layers.progressive import (
    HE_GAIN,
    EqualizedConv2D,
    EqualizedDense,
    FadeIn,
    MinibatchStandardDeviation,
    PixelNormalization,
    fade_in_layers,
    set_fade_in,
)
from autoaegan.seeding import set_seed
from tests.array_helpers import normal, numpy


# ---------------------------------------------------------------------------------------------------- references
def reference_same_conv(x, kernel, bias):
    """A stride-1 "same" convolution, one output pixel at a time in NumPy (float64)."""
    kh, kw, _, filters = kernel.shape
    padded = np.pad(x.astype(np.float64), ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    batch, height, width, _ = x.shape
    out = np.zeros((batch, height, width, filters))
    for i in range(height):
        for j in range(width):
            patch = padded[:, i : i + kh, j : j + kw, :]
            out[:, i, j, :] = np.einsum("nhwc,hwcf->nf", patch, kernel.astype(np.float64))
    return out + bias


def reference_pixel_norm(x, epsilon=1e-8):
    x = x.astype(np.float64)
    return x / np.sqrt((x**2).mean(axis=-1, keepdims=True) + epsilon)


def reference_minibatch_stddev(x, group_size=None, epsilon=1e-8):
    """The paper's statistic, written with explicit groups: sample i belongs to group i mod (batch / g)."""
    x = x.astype(np.float64)
    batch = len(x)
    size = batch if group_size is None else min(group_size, batch)
    columns = batch // size
    spread = np.zeros(batch)
    for column in range(columns):
        members = [i for i in range(batch) if i % columns == column]
        group = x[members]
        std = np.sqrt(group.var(axis=0) + epsilon)  # per position and channel, over the group
        spread[members] = std.mean()
    extra = np.broadcast_to(spread[:, None, None, None], (*x.shape[:3], 1))
    return np.concatenate([x, extra], axis=-1)


# ---------------------------------------------------------------------------------------------------- EqualizedDense
def test_equalized_dense_draws_unit_normal_weights_and_scales_them_by_the_he_constant():
    set_seed(0)
    layer = EqualizedDense(256)
    layer.build((None, 128))
    kernel = numpy(layer.kernel)
    assert kernel.shape == (128, 256)
    assert abs(kernel.std() - 1.0) < 0.02 and abs(kernel.mean()) < 0.02  # N(0, 1), not He's N(0, 2/fan_in)
    np.testing.assert_array_equal(numpy(layer.bias), 0.0)
    assert layer.weight_scale == pytest.approx(math.sqrt(2 / 128))


def test_equalized_dense_computes_inputs_times_the_scaled_kernel_plus_the_bias():
    set_seed(1)
    layer = EqualizedDense(5, activation="relu")
    layer.build((None, 7))
    layer.bias.assign(normal(5, seed=3))
    x = normal(4, 7, seed=2)
    effective = numpy(layer.kernel).astype(np.float64) * math.sqrt(2 / 7)
    expected = np.maximum(x @ effective + numpy(layer.bias), 0.0)
    np.testing.assert_allclose(numpy(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 7)) == (None, 5)


@pytest.mark.parametrize("gain, multiplier", [(1.0, 1.0), (HE_GAIN, 0.01), (0.5, 0.1)])
def test_equalized_dense_gain_and_learning_rate_multiplier_scale_kernel_and_bias(gain, multiplier):
    set_seed(2)
    layer = EqualizedDense(64, gain=gain, learning_rate_multiplier=multiplier)
    layer.build((None, 32))
    # The kernel is drawn from N(0, 1/λ²), so that the effective weights are N(0, gain²/fan_in) whatever λ is.
    assert numpy(layer.kernel).std() == pytest.approx(1 / multiplier, rel=0.05)
    layer.bias.assign(normal(64, seed=4))
    x = normal(3, 32, seed=5)
    effective = numpy(layer.kernel).astype(np.float64) * gain / math.sqrt(32) * multiplier
    assert effective.std() == pytest.approx(gain / math.sqrt(32), rel=0.05)
    expected = x @ effective + numpy(layer.bias) * multiplier
    np.testing.assert_allclose(numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_equalized_dense_output_spread_matches_a_he_initialised_dense_layer():
    set_seed(3)
    x = normal(2000, 256, seed=6)
    equalized = EqualizedDense(256)
    he = keras.layers.Dense(256, kernel_initializer="he_normal")
    slow = EqualizedDense(256, learning_rate_multiplier=0.01)
    stds = [numpy(layer(x)).std() for layer in (equalized, he, slow)]
    # He initialisation keeps Var(out) = 2 Var(in) for a unit-variance input.
    assert stds[0] == pytest.approx(math.sqrt(2), rel=0.1)
    assert stds[0] == pytest.approx(stds[1], rel=0.1)
    assert stds[2] == pytest.approx(stds[1], rel=0.1)


def test_equalized_dense_gradients_are_the_effective_weights_gradients_times_the_constant():
    set_seed(4)
    layer = EqualizedDense(6, learning_rate_multiplier=0.1)
    layer.build((None, 9))
    x = tf.Variable(normal(5, 9, seed=7))
    upstream = normal(5, 6, seed=8)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * upstream)
    kernel_gradient, bias_gradient, input_gradient = tape.gradient(loss, [layer.kernel.value, layer.bias.value, x])
    scale = math.sqrt(2 / 9) * 0.1
    np.testing.assert_allclose(kernel_gradient.numpy(), scale * numpy(x).T @ upstream, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(bias_gradient.numpy(), 0.1 * upstream.sum(axis=0), rtol=1e-5)
    effective = numpy(layer.kernel) * scale
    np.testing.assert_allclose(input_gradient.numpy(), upstream @ effective.T, rtol=1e-4, atol=1e-6)
    for gradient in (kernel_gradient, bias_gradient, input_gradient):
        assert np.isfinite(gradient.numpy()).all() and (np.abs(gradient.numpy()) > 0).all()


def test_an_adam_step_moves_the_effective_weights_lambda_times_as_far():
    set_seed(5)
    x, target = normal(16, 8, seed=9), normal(16, 4, seed=10)
    moves = {}
    start = normal(8, 4, seed=11)  # the same effective weights (×√(2/8)) for both layers
    for multiplier in (1.0, 0.01):
        layer = EqualizedDense(4, learning_rate_multiplier=multiplier)
        layer.build((None, 8))
        layer.kernel.assign(start / multiplier)
        optimizer = keras.optimizers.Adam(1e-3)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x) - target))
        optimizer.apply_gradients(zip(tape.gradient(loss, layer.trainable_variables), layer.trainable_variables))
        effective = numpy(layer.kernel) * layer.weight_scale
        moves[multiplier] = np.abs(effective - start * math.sqrt(2 / 8)).mean()
    assert moves[1.0] > 0
    assert moves[0.01] / moves[1.0] == pytest.approx(0.01, rel=0.05)


# ---------------------------------------------------------------------------------------------------- EqualizedConv2D
def test_equalized_conv_computes_a_same_convolution_with_the_scaled_kernel():
    set_seed(6)
    layer = EqualizedConv2D(4, 3)
    x = normal(2, 5, 6, 3, seed=12)
    y = numpy(layer(x))
    assert y.shape == (2, 5, 6, 4)  # "same" padding by default
    kernel = numpy(layer.kernel)
    assert kernel.shape == (3, 3, 3, 4) and abs(kernel.std() - 1.0) < 0.3
    assert layer.weight_scale == pytest.approx(math.sqrt(2 / (3 * 3 * 3)))
    layer.bias.assign(normal(4, seed=13))
    expected = reference_same_conv(x, kernel * math.sqrt(2 / 27), numpy(layer.bias))
    np.testing.assert_allclose(numpy(layer(x)), expected, rtol=1e-4, atol=1e-5)


def test_equalized_conv_to_image_layer_has_gain_one():
    set_seed(7)
    layer = EqualizedConv2D(1, 1, gain=1.0)
    x = normal(2, 4, 4, 8, seed=14)
    y = numpy(layer(x))
    effective = numpy(layer.kernel) / math.sqrt(8)
    np.testing.assert_allclose(y, np.einsum("nhwc,cf->nhwf", x, effective[0, 0]), rtol=1e-5, atol=1e-6)


def test_a_grouped_equalized_conv_counts_only_the_inputs_of_one_group_in_its_fan_in():
    set_seed(8)
    layer = EqualizedConv2D(4, 3, groups=2)
    x = normal(2, 5, 5, 6, seed=15)
    y = numpy(layer(x))
    kernel = numpy(layer.kernel)  # (3, 3, 3, 4): each filter reads 3 of the 6 channels
    assert kernel.shape == (3, 3, 3, 4)
    assert layer.weight_scale == pytest.approx(math.sqrt(2 / (3 * 3 * 3)))
    scale = math.sqrt(2 / 27)
    first = reference_same_conv(x[..., :3], kernel[..., :2] * scale, 0.0)
    second = reference_same_conv(x[..., 3:], kernel[..., 2:] * scale, 0.0)
    np.testing.assert_allclose(y, np.concatenate([first, second], axis=-1), rtol=1e-4, atol=1e-5)


def test_equalized_layers_multiply_by_the_he_constant_where_the_slides_say_divide():
    # The slides: weights "divided by √(2/n_inputs)". The paper multiplies by c = √(2/fan_in): dividing would
    # scale the outputs by fan_in/2 times the right spread, and every layer would multiply the activations' size.
    set_seed(4)
    x = normal(256, 8, 8, 32, seed=5)
    layer = EqualizedConv2D(32, 3)
    out = numpy(layer(x))[:, 1:-1, 1:-1]
    fan_in = 3 * 3 * 32
    assert layer.weight_scale == pytest.approx(math.sqrt(2 / fan_in)) and layer.weight_scale < 1
    divided = numpy(keras.ops.conv(x, numpy(layer.kernel) / math.sqrt(2 / fan_in), padding="same"))[:, 1:-1, 1:-1]
    assert out.std() == pytest.approx(math.sqrt(2), rel=0.1)
    assert divided.std() == pytest.approx(math.sqrt(2) * fan_in / 2, rel=0.1)


def test_equalized_conv_output_spread_matches_a_he_initialised_convolution():
    set_seed(9)
    x = normal(64, 8, 8, 16, seed=16)
    equalized = numpy(EqualizedConv2D(64, 3)(x))[:, 1:-1, 1:-1]  # the interior: no zero padding in the window
    he = numpy(keras.layers.Conv2D(64, 3, padding="same", kernel_initializer="he_normal")(x))[:, 1:-1, 1:-1]
    assert equalized.std() == pytest.approx(math.sqrt(2), rel=0.1)
    assert equalized.std() == pytest.approx(he.std(), rel=0.1)


def test_equalized_conv_gradients_reach_kernel_bias_and_input():
    set_seed(10)
    layer = EqualizedConv2D(3, 3)
    x = tf.Variable(normal(2, 4, 4, 2, seed=17))
    upstream = normal(2, 4, 4, 3, seed=18)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) * upstream)
    gradients = tape.gradient(loss, [layer.kernel.value, layer.bias.value, x])
    for gradient in gradients:
        assert np.isfinite(gradient.numpy()).all() and (np.abs(gradient.numpy()) > 0).all()
    # The kernel's gradient is the effective kernel's, times the constant.
    with tf.GradientTape() as tape:
        effective = tf.Variable(numpy(layer.kernel) * layer.weight_scale)
        loss = tf.reduce_sum((tf.nn.conv2d(x, effective, 1, "SAME") + layer.bias) * upstream)
    np.testing.assert_allclose(
        gradients[0].numpy(), layer.weight_scale * tape.gradient(loss, effective).numpy(), rtol=1e-4, atol=1e-6
    )


# --------------------------------------------------------------------------------------------------- PixelNormalization
def test_pixel_normalization_divides_each_pixel_by_its_root_mean_square_over_the_channels():
    x = normal(3, 4, 5, 6, seed=19, scale=3.0, shift=1.0)
    y = numpy(PixelNormalization()(x))
    np.testing.assert_allclose(y, reference_pixel_norm(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.sqrt((y**2).mean(axis=-1)), 1.0, rtol=1e-5)
    # Scaling a pixel's features does not change its output: the feature vector's direction is kept.
    np.testing.assert_allclose(numpy(PixelNormalization()(x * 7.0)), y, rtol=1e-5, atol=1e-6)


def test_pixel_normalization_works_on_flat_codings_and_keeps_zeros_finite():
    z = normal(4, 10, seed=20, scale=5.0)
    np.testing.assert_allclose(numpy(PixelNormalization()(z)), reference_pixel_norm(z), rtol=1e-5, atol=1e-6)
    zeros = numpy(PixelNormalization()(np.zeros((2, 3), "float32")))
    np.testing.assert_array_equal(zeros, 0.0)  # ε keeps 0 / 0 away
    layer = PixelNormalization(epsilon=1.0)
    np.testing.assert_allclose(numpy(layer(z)), reference_pixel_norm(z, 1.0), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 10)) == (None, 10)


def test_pixel_normalization_passes_gradients_to_its_input():
    x = tf.Variable(normal(2, 3, 3, 4, seed=21))
    upstream = normal(2, 3, 3, 4, seed=22)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(PixelNormalization()(x) * upstream)
    gradient = tape.gradient(loss, x).numpy()
    assert np.isfinite(gradient).all() and (np.abs(gradient) > 0).all()
    # Radial changes do nothing: the gradient at each pixel is orthogonal to its feature vector.
    np.testing.assert_allclose((gradient * numpy(x)).sum(axis=-1), 0.0, atol=1e-5)


# ---------------------------------------------------------------------------------------- MinibatchStandardDeviation
def test_minibatch_stddev_appends_the_batchs_average_spread_as_one_map():
    x = normal(6, 3, 4, 5, seed=23)
    y = numpy(MinibatchStandardDeviation()(x))
    assert y.shape == (6, 3, 4, 6)
    np.testing.assert_array_equal(y[..., :5], x)
    np.testing.assert_allclose(y, reference_minibatch_stddev(x), rtol=1e-5, atol=1e-6)
    assert np.unique(y[..., 5]).size == 1  # one number for the whole batch


@pytest.mark.parametrize("group_size, batch", [(2, 6), (3, 6), (4, 8), (4, 3), (6, 6)])
def test_minibatch_stddev_with_groups_matches_the_papers_grouping(group_size, batch):
    x = normal(batch, 2, 3, 4, seed=24)
    y = numpy(MinibatchStandardDeviation(group_size)(x))
    np.testing.assert_allclose(y, reference_minibatch_stddev(x, group_size), rtol=1e-5, atol=1e-6)
    expected_groups = batch // min(group_size, batch)
    assert np.unique(np.round(y[:, 0, 0, -1], 6)).size == expected_groups


def test_minibatch_stddev_groups_change_the_statistic():
    x = normal(8, 2, 2, 3, seed=25)
    x[::2] *= 5  # samples 0, 2, 4, 6 (column 0 of groups of 4 → M = 2) spread far more than the others
    whole = numpy(MinibatchStandardDeviation()(x))[:, 0, 0, -1]
    grouped = numpy(MinibatchStandardDeviation(4)(x))[:, 0, 0, -1]
    assert np.unique(whole).size == 1
    assert (grouped[::2] > 2 * grouped[1::2]).all()  # each column has its own number
    assert not np.allclose(grouped, whole)


def test_minibatch_stddev_takes_each_channels_spread_separately():
    # Every image is the same, but its channels have very different values: there is no variety in the batch.
    x = np.tile(np.arange(4, dtype="float32") * 10, (5, 2, 2, 1))
    spread = numpy(MinibatchStandardDeviation()(x))[..., -1]
    np.testing.assert_allclose(spread, math.sqrt(1e-8), rtol=1e-3)  # √ε, not the spread between channels
    pooled = np.std(x, axis=(0, 3)).mean()  # what tf.math.reduce_std(x, axis=[0, -1]) would have said
    assert pooled > 10


def test_minibatch_stddev_pooling_the_channels_is_the_slides_formula():
    x = normal(6, 3, 4, 5, seed=26)
    y = numpy(MinibatchStandardDeviation(pool_channels=True)(x))
    slides_value = np.std(x, axis=(0, 3)).mean()  # S = reduce_std(inputs, axis=[0, -1]); v = reduce_mean(S)
    np.testing.assert_allclose(y[..., -1], slides_value, rtol=1e-5)
    np.testing.assert_array_equal(y[..., :5], x)
    assert not np.isclose(slides_value, numpy(MinibatchStandardDeviation()(x))[0, 0, 0, -1])
    grouped = numpy(MinibatchStandardDeviation(3, pool_channels=True)(x))[:, 0, 0, -1]
    np.testing.assert_allclose(grouped[0], np.std(x[0::2], axis=(0, 3)).mean(), rtol=1e-5)
    with pytest.raises(TypeError, match="pool_channels must be True or False, got 1"):
        MinibatchStandardDeviation(pool_channels=1)


def test_minibatch_stddev_handles_an_unknown_batch_size_in_a_traced_function():
    layer = MinibatchStandardDeviation(2)

    @tf.function(input_signature=[tf.TensorSpec((None, 2, 2, 3), tf.float32)])
    def traced(x):
        return layer(x)

    for batch in (6, 2, 1):
        x = normal(batch, 2, 2, 3, seed=26 + batch)
        np.testing.assert_allclose(traced(x).numpy(), reference_minibatch_stddev(x, 2), rtol=1e-5, atol=1e-6)
    symbolic = MinibatchStandardDeviation(4)(keras.Input((4, 4, 8)))
    assert tuple(symbolic.shape) == (None, 4, 4, 9)


def test_minibatch_stddev_passes_gradients_to_every_input():
    x = tf.Variable(normal(4, 2, 2, 3, seed=30))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(MinibatchStandardDeviation(2)(x)[..., -1])
    gradient = tape.gradient(loss, x).numpy()
    assert np.isfinite(gradient).all() and (np.abs(gradient) > 0).all()
    # Spreading the batch out raises the statistic.
    before = float(loss)
    x.assign_add(0.1 * gradient)
    assert float(tf.reduce_sum(MinibatchStandardDeviation(2)(x)[..., -1])) > before


# ---------------------------------------------------------------------------------------------------- FadeIn
@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.6, 1.0])
def test_fade_in_blends_old_and_new_by_alpha(alpha):
    old, new = normal(2, 4, 4, 3, seed=31), normal(2, 4, 4, 3, seed=32)
    layer = FadeIn(alpha)
    y = numpy(layer([old, new]))
    np.testing.assert_allclose(y, alpha * new + (1 - alpha) * old, rtol=1e-5, atol=1e-6)
    if alpha == 0.0:
        np.testing.assert_array_equal(y, old)
    layer.set_alpha(1.0 - alpha)
    np.testing.assert_allclose(numpy(layer([old, new])), (1 - alpha) * new + alpha * old, rtol=1e-5, atol=1e-6)


def test_fade_in_alpha_is_a_non_trainable_weight_read_by_a_compiled_function():
    layer = FadeIn()
    old, new = tf.constant(normal(1, 2, 2, 1, seed=33)), tf.constant(normal(1, 2, 2, 1, seed=34))
    layer([old, new])
    assert layer.trainable_weights == [] and [w.name for w in layer.non_trainable_weights] == ["alpha"]

    traces = []

    @tf.function
    def blend(a, b):
        traces.append(1)
        return layer([a, b])

    np.testing.assert_allclose(blend(old, new).numpy(), old.numpy())
    layer.set_alpha(0.5)
    np.testing.assert_allclose(blend(old, new).numpy(), (old.numpy() + new.numpy()) / 2, rtol=1e-6)
    assert len(traces) == 1  # the new α is read by the same graph, no retracing


def test_fade_in_gradients_split_between_the_two_paths_by_alpha():
    layer = FadeIn(0.3)
    old, new = tf.Variable(normal(2, 2, 2, 2, seed=35)), tf.Variable(normal(2, 2, 2, 2, seed=36))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer([old, new]))
    old_gradient, new_gradient = tape.gradient(loss, [old, new])
    np.testing.assert_allclose(old_gradient.numpy(), 0.7, rtol=1e-6)
    np.testing.assert_allclose(new_gradient.numpy(), 0.3, rtol=1e-6)


def test_set_fade_in_sets_every_fade_in_layer_of_nested_models():
    inputs = keras.Input((2, 2, 1))
    inner = keras.Model(inputs, FadeIn(name="inner_fade")([inputs, inputs * 2.0]), name="inner")
    outer_inputs = keras.Input((2, 2, 1))
    hidden = inner(outer_inputs)
    model = keras.Model(outer_inputs, FadeIn(name="outer_fade")([hidden, hidden + 1.0]))
    assert sorted(layer.name for layer in fade_in_layers(model)) == ["inner_fade", "outer_fade"]
    assert set_fade_in(model, 1.0) == 2
    x = normal(1, 2, 2, 1, seed=37)
    np.testing.assert_allclose(numpy(model(x)), 2 * x + 1, rtol=1e-6)
    set_fade_in(model, 0.0)
    np.testing.assert_allclose(numpy(model(x)), x, rtol=1e-6)
    assert set_fade_in(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]), 0.5) == 0


# ---------------------------------------------------------------------------------------------------- saving
def test_every_layers_config_round_trips():
    layers = [
        EqualizedDense(5, gain=1.0, learning_rate_multiplier=0.1, activation="relu", name="d"),
        EqualizedConv2D(3, 5, gain=0.5, padding="valid", name="c"),
        PixelNormalization(epsilon=1e-6, name="p"),
        MinibatchStandardDeviation(4, epsilon=1e-5, name="m"),
        FadeIn(0.4, name="f"),
    ]
    for layer in layers:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    assert layers[0].get_config()["learning_rate_multiplier"] == 0.1 and layers[0].get_config()["gain"] == 1.0
    assert layers[1].get_config()["padding"] == "valid" and layers[1].get_config()["gain"] == 0.5
    assert layers[3].get_config()["group_size"] == 4 and layers[4].get_config()["alpha"] == 0.4
    clone = EqualizedDense.from_config(layers[0].get_config())
    clone.build((None, 4))
    assert numpy(clone.kernel).std() > 3  # still drawn from N(0, 1/λ²)


def test_a_saved_model_with_every_layer_loads_with_its_weights_and_alpha(tmp_path):
    set_seed(11)
    images = keras.Input((4, 4, 2))
    hidden = EqualizedConv2D(3, 3)(images)
    hidden = PixelNormalization()(hidden)
    hidden = FadeIn(name="fade")([hidden, EqualizedConv2D(3, 1, gain=1.0)(images)])
    hidden = MinibatchStandardDeviation(2)(hidden)
    score = EqualizedDense(1, gain=1.0, learning_rate_multiplier=0.5)(keras.layers.Flatten()(hidden))
    model = keras.Model(images, score)
    model.get_layer("fade").set_alpha(0.35)
    path = tmp_path / "progressive.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)  # every layer registered under autoaegan>: no custom_objects
    x = normal(4, 4, 4, 2, seed=38)
    np.testing.assert_allclose(numpy(loaded(x)), numpy(model(x)), rtol=1e-5, atol=1e-6)
    assert float(numpy(loaded.get_layer("fade").alpha)) == pytest.approx(0.35)


# ---------------------------------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_equalized_layers_refuse_bad_sizes(bad):
    with pytest.raises(ValueError, match="units must be a positive integer"):
        EqualizedDense(bad)
    with pytest.raises(ValueError, match="filters must be a positive integer"):
        EqualizedConv2D(bad, 3)


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), True, "2"])
def test_equalized_layers_and_pixel_norm_refuse_bad_gains_and_epsilons(bad):
    with pytest.raises(ValueError, match="gain must be a positive number"):
        EqualizedDense(4, gain=bad)
    with pytest.raises(ValueError, match="learning_rate_multiplier must be a positive number"):
        EqualizedDense(4, learning_rate_multiplier=bad)
    with pytest.raises(ValueError, match="gain must be a positive number"):
        EqualizedConv2D(4, 3, gain=bad)
    with pytest.raises(ValueError, match="epsilon must be a positive number"):
        PixelNormalization(epsilon=bad)
    with pytest.raises(ValueError, match="epsilon must be a positive number"):
        MinibatchStandardDeviation(epsilon=bad)


def test_equalized_layers_refuse_inputs_of_unknown_width_or_channels_first():
    with pytest.raises(ValueError, match="needs a known number of input features"):
        EqualizedDense(3).build((None, None))
    with pytest.raises(ValueError, match="channels-last inputs with a known number of channels"):
        EqualizedConv2D(3, 3).build((None, 4, 4, None))
    with pytest.raises(ValueError, match="channels-last"):
        EqualizedConv2D(3, 3, data_format="channels_first").build((None, 2, 4, 4))


def test_minibatch_stddev_refuses_bad_groups_and_shapes():
    with pytest.raises(ValueError, match="group_size must be a positive integer"):
        MinibatchStandardDeviation(0)
    with pytest.raises(ValueError, match="group_size must be a positive integer"):
        MinibatchStandardDeviation(2.0)
    with pytest.raises(ValueError, match=r"expects feature maps \(batch, height, width, channels\)"):
        MinibatchStandardDeviation()(normal(4, 6))
    with pytest.raises(ValueError, match="needs a batch size that is a multiple of 4, got a batch of 6"):
        MinibatchStandardDeviation(4)(normal(6, 2, 2, 1))


def test_fade_in_refuses_bad_alphas_and_inputs():
    for bad in (-0.1, 1.5, True, "0.5", None):
        with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\]"):
            FadeIn(bad)
    with pytest.raises(ValueError, match="not built yet"):
        FadeIn().set_alpha(0.5)
    layer = FadeIn()
    layer([normal(1, 2), normal(1, 2)])
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\]"):
        layer.set_alpha(2.0)
    with pytest.raises(ValueError, match=r"takes two inputs \[old, new\]"):
        FadeIn()(normal(1, 2))
    with pytest.raises(ValueError, match="must have the same shape"):
        FadeIn()([normal(1, 2, 2, 1), normal(1, 4, 4, 1)])
    with pytest.raises(ValueError, match=r"takes two inputs \[old, new\]"):
        FadeIn()([normal(1, 2), normal(1, 2), normal(1, 2)])
