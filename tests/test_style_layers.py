"""The StyleGAN layers and style functions: constant input, noise, AdaIN, style mixing and truncation."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.layers.style import (
    AdaptiveInstanceNormalization,
    ConstantInput,
    NoiseInjection,
    broadcast_styles,
    instance_standardize,
    mix_styles,
    random_crossovers,
    truncate_styles,
)
from autoaegan.seeding import set_seed
from tests.array_helpers import normal, numpy


def reference_instance_standardize(x, epsilon=1e-8):
    x = x.astype(np.float64)
    mean = x.mean(axis=(1, 2), keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=(1, 2), keepdims=True) + epsilon)


def built_adain(channels=3, w_size=5, seed=0):
    set_seed(seed)
    layer = AdaptiveInstanceNormalization()
    layer.build([(None, 4, 4, channels), (None, w_size)])
    layer.affine.bias.assign(normal(2 * channels, seed=seed + 100))  # a non-zero bias, so that it is checked too
    return layer


def reference_style(layer, w):
    """(ys, yb) in NumPy: w through the equalized affine map (gain 1: kernel / √w_size), ys = 1 + first half."""
    kernel, bias = numpy(layer.affine.kernel).astype(np.float64), numpy(layer.affine.bias).astype(np.float64)
    style = w.astype(np.float64) @ (kernel / math.sqrt(w.shape[-1])) + bias
    channels = kernel.shape[1] // 2
    return 1.0 + style[:, :channels], style[:, channels:]


# ---------------------------------------------------------------------------------------------------- ConstantInput
def test_constant_input_gives_every_sample_the_same_learned_tensor():
    set_seed(0)
    layer = ConstantInput((4, 4, 3))
    out = numpy(layer(normal(5, 7, 2)))
    assert out.shape == (5, 4, 4, 3)
    constant = numpy(layer.constant)
    for sample in out:
        np.testing.assert_array_equal(sample, constant)
    assert abs(constant.std() - 1.0) < 0.35  # drawn from N(0, 1)
    # Only the batch size of the input counts, not its values or shape.
    np.testing.assert_array_equal(numpy(layer(normal(5, 2, seed=9) * 100)), out)
    assert layer.compute_output_shape((None, 7, 2)) == (None, 4, 4, 3)
    assert [w.name for w in layer.trainable_weights] == ["constant"]


def test_constant_input_is_trained_by_the_gradients_of_every_sample():
    set_seed(1)
    layer = ConstantInput((2, 2, 2))
    upstream = normal(3, 2, 2, 2, seed=1)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(tf.zeros((3, 1))) * upstream)
    gradient = tape.gradient(loss, layer.constant.value).numpy()
    np.testing.assert_allclose(gradient, upstream.sum(axis=0), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------- NoiseInjection
def test_noise_injection_starts_with_zero_scales_and_adds_scaled_given_noise():
    layer = NoiseInjection(seed=0)
    x, noise = normal(2, 3, 3, 4, seed=2), normal(2, 3, 3, 1, seed=3)
    np.testing.assert_array_equal(numpy(layer(x)), x)  # scales start at zero: no noise yet
    scale = np.array([0.0, 0.5, -1.0, 2.0], np.float32)
    layer.scale.assign(scale)
    np.testing.assert_allclose(numpy(layer(x, noise=noise)), x + noise * scale, rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape((None, 3, 3, 4)) == (None, 3, 3, 4)


def test_noise_injection_draws_one_standard_normal_map_per_image_shared_by_the_channels():
    layer = NoiseInjection(seed=4)
    layer.build((None, 16, 16, 3))
    layer.scale.assign([1.0, 2.0, -0.5])
    x = np.zeros((8, 16, 16, 3), np.float32)
    added = numpy(layer(x))
    maps = added[..., 0]
    np.testing.assert_allclose(added[..., 1], 2.0 * maps, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(added[..., 2], -0.5 * maps, rtol=1e-5, atol=1e-6)
    assert abs(maps.mean()) < 0.05 and abs(maps.std() - 1.0) < 0.05
    assert not np.allclose(maps[0], maps[1])  # each image its own map
    assert not np.allclose(numpy(layer(x))[..., 0], maps)  # and a new draw each call


def test_noise_injection_with_a_seed_repeats_its_draws():
    draws = []
    for _ in range(2):
        layer = NoiseInjection(seed=7)
        layer.build((None, 4, 4, 1))
        layer.scale.assign([1.0])
        draws.append([numpy(layer(np.zeros((2, 4, 4, 1), np.float32))) for _ in range(2)])
    np.testing.assert_array_equal(draws[0][0], draws[1][0])
    np.testing.assert_array_equal(draws[0][1], draws[1][1])


def test_noise_injection_gradients_reach_the_scales_and_the_input():
    layer = NoiseInjection(seed=0)
    x, noise = tf.Variable(normal(2, 3, 3, 2, seed=5)), normal(2, 3, 3, 1, seed=6)
    upstream = normal(2, 3, 3, 2, seed=7)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, noise=noise) * upstream)
    scale_gradient, input_gradient = tape.gradient(loss, [layer.scale.value, x])
    # The scales start at zero, yet they learn: d loss / d scale_c = Σ noise · upstream_c.
    np.testing.assert_allclose(scale_gradient.numpy(), (noise * upstream).sum(axis=(0, 1, 2)), rtol=1e-5)
    assert (np.abs(scale_gradient.numpy()) > 0).all()
    np.testing.assert_allclose(input_gradient.numpy(), upstream, rtol=1e-6)


# ---------------------------------------------------------------------------------------------- instance_standardize
def test_instance_standardize_brings_each_map_of_each_image_to_mean_zero_and_unit_variance():
    x = normal(3, 5, 4, 2, seed=8, scale=4.0, shift=3.0)
    y = numpy(instance_standardize(x))
    np.testing.assert_allclose(y, reference_instance_standardize(x), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(y.mean(axis=(1, 2)), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=(1, 2)), 1.0, rtol=1e-4)
    # A constant map stays finite (ε keeps 0 / 0 away).
    assert np.isfinite(numpy(instance_standardize(np.ones((1, 2, 2, 1), np.float32)))).all()


# ---------------------------------------------------------------------------------------------------- AdaIN
def test_adain_matches_a_numpy_reference():
    layer = built_adain()
    x, w = normal(4, 4, 4, 3, seed=9, scale=2.0, shift=1.0), normal(4, 5, seed=10)
    scale, bias = reference_style(layer, w)
    expected = reference_instance_standardize(x) * scale[:, None, None, :] + bias[:, None, None, :]
    y = numpy(layer([x, w]))
    assert y.shape == (4, 4, 4, 3)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)
    ys, yb = layer.style(w)
    np.testing.assert_allclose(numpy(ys), scale, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(numpy(yb), bias, rtol=1e-5, atol=1e-6)


def test_adain_output_statistics_per_instance_are_the_styles_shift_and_scale():
    layer = built_adain(channels=4, w_size=6, seed=1)
    x, w = normal(3, 8, 8, 4, seed=11, scale=5.0, shift=-2.0), normal(3, 6, seed=12)
    y = numpy(layer([x, w]))
    scale, bias = reference_style(layer, w)
    np.testing.assert_allclose(y.mean(axis=(1, 2)), bias, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(1, 2)), np.abs(scale), rtol=1e-4, atol=1e-4)
    # The input's own per-map mean and scale are forgotten: only the style sets them.
    np.testing.assert_allclose(numpy(layer([3.0 * x + 7.0, w])), y, rtol=1e-4, atol=1e-4)
    # Another w, another style.
    assert not np.allclose(numpy(layer([x, normal(3, 6, seed=13)])), y, atol=1e-3)


def test_adain_owns_its_affine_map_and_passes_gradients_to_everything():
    layer = built_adain(channels=2, w_size=3, seed=2)
    assert sorted(w.path.split("/")[-1] for w in layer.trainable_weights) == ["bias", "kernel"]
    assert layer.count_params() == 3 * 4 + 4
    x, w = tf.Variable(normal(2, 3, 3, 2, seed=14)), tf.Variable(normal(2, 3, seed=15))
    upstream = normal(2, 3, 3, 2, seed=16)  # not a plain sum: the sum of a standardised map is always 0
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer([x, w]) * upstream)
    gradients = tape.gradient(loss, [layer.affine.kernel.value, layer.affine.bias.value, x, w])
    for gradient in gradients:
        assert gradient is not None
        assert np.isfinite(gradient.numpy()).all() and (np.abs(gradient.numpy()) > 0).all()


def test_adain_in_a_functional_model_with_other_layers():
    set_seed(3)
    features, w = keras.Input((4, 4, 2)), keras.Input((5,))
    out = AdaptiveInstanceNormalization()([NoiseInjection(seed=1)(features), w])
    model = keras.Model([features, w], out)
    assert tuple(out.shape) == (None, 4, 4, 2)
    assert numpy(model([normal(3, 4, 4, 2), normal(3, 5)])).shape == (3, 4, 4, 2)


# ---------------------------------------------------------------------------------------------------- style functions
def test_broadcast_styles_repeats_w_for_every_style_input():
    w = normal(3, 4, seed=17)
    styles = numpy(broadcast_styles(w, 6))
    assert styles.shape == (3, 6, 4)
    for level in range(6):
        np.testing.assert_array_equal(styles[:, level], w)


@pytest.mark.parametrize("crossover", [0, 1, 3, 5, 6])
def test_mix_styles_takes_w1_below_the_crossover_and_w2_from_it_on(crossover):
    w1, w2 = normal(2, 4, seed=18), normal(2, 4, seed=19)
    styles = numpy(mix_styles(w1, w2, crossover, 6))
    assert styles.shape == (2, 6, 4)
    for level in range(6):
        np.testing.assert_array_equal(styles[:, level], w1 if level < crossover else w2)


def test_mix_styles_takes_one_crossover_per_image():
    w1, w2 = normal(4, 3, seed=20), normal(4, 3, seed=21)
    crossovers = np.array([0, 2, 5, 4])
    styles = numpy(mix_styles(w1, w2, crossovers, 5))
    for image, crossover in enumerate(crossovers):
        for level in range(5):
            np.testing.assert_array_equal(styles[image, level], (w1 if level < crossover else w2)[image])
    # A tensor of crossovers (as random_crossovers gives) works the same way.
    np.testing.assert_array_equal(numpy(mix_styles(w1, w2, tf.constant(crossovers, tf.int32), 5)), styles)


def test_random_crossovers_mix_ninety_percent_of_the_images_at_uniform_levels():
    crossovers = numpy(random_crossovers(20_000, 8, seed=keras.random.SeedGenerator(0)))
    assert crossovers.dtype == np.int32 and crossovers.shape == (20_000,)
    mixed = crossovers < 8
    # Binomial(20,000, 0.9): the standard deviation of the share is 0.002.
    assert mixed.mean() == pytest.approx(0.9, abs=0.01)
    assert crossovers.min() >= 1  # never 0, which would be all w₂: an unmixed image in disguise
    counts = np.bincount(crossovers[mixed], minlength=8)[1:]
    np.testing.assert_allclose(counts / mixed.sum(), 1 / 7, atol=0.015)  # levels 1..7 equally likely


def test_random_crossovers_probabilities_seeds_and_a_single_style():
    assert (numpy(random_crossovers(500, 4, probability=0.0, seed=1)) == 4).all()
    always = numpy(random_crossovers(500, 4, probability=1.0, seed=1))
    assert set(always.tolist()) == {1, 2, 3}
    np.testing.assert_array_equal(numpy(random_crossovers(50, 6, seed=3)), numpy(random_crossovers(50, 6, seed=3)))
    generator = keras.random.SeedGenerator(5)
    first, second = numpy(random_crossovers(50, 6, seed=generator)), numpy(random_crossovers(50, 6, seed=generator))
    assert not np.array_equal(first, second)  # a SeedGenerator moves on between calls
    np.testing.assert_array_equal(numpy(random_crossovers(5, 1, seed=0)), 1)  # one style: nothing to mix


def test_truncate_styles_pulls_w_toward_the_average():
    w, average = normal(5, 4, seed=22), normal(4, seed=23)
    np.testing.assert_allclose(numpy(truncate_styles(w, average, 0.0)), np.broadcast_to(average, w.shape))
    np.testing.assert_allclose(numpy(truncate_styles(w, average, 1.0)), w, rtol=1e-6, atol=1e-6)
    for psi in (0.5, 0.7, -0.5):
        np.testing.assert_allclose(
            numpy(truncate_styles(w, average, psi)), average + psi * (w - average), rtol=1e-5, atol=1e-6
        )
    # A smaller ψ, styles closer to the average.
    distances = [np.linalg.norm(numpy(truncate_styles(w, average, psi)) - average) for psi in (1.0, 0.7, 0.3)]
    assert distances[0] > distances[1] > distances[2]
    # Styles per level (batch, num_styles, w_size) are truncated the same way.
    styles = numpy(broadcast_styles(w, 3))
    np.testing.assert_allclose(numpy(truncate_styles(styles, average, 0.0)), np.broadcast_to(average, styles.shape))


# ---------------------------------------------------------------------------------------------------- saving
def test_the_style_layers_configs_round_trip():
    for layer in (
        ConstantInput((4, 2, 3), name="c"),
        NoiseInjection(seed=3, name="n"),
        AdaptiveInstanceNormalization(epsilon=1e-5, name="a"),
    ):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    assert ConstantInput((4, 2, 3)).get_config()["shape"] == [4, 2, 3]
    assert NoiseInjection(seed=3).get_config()["seed"] == 3
    assert AdaptiveInstanceNormalization(epsilon=1e-5).get_config()["epsilon"] == 1e-5


def test_a_saved_model_with_the_style_layers_loads_with_its_weights(tmp_path):
    set_seed(4)
    features, w = keras.Input((4, 4, 2)), keras.Input((3,))
    start = ConstantInput((4, 4, 2), name="constant")(features)
    noisy = NoiseInjection(seed=2, name="noise")(start)
    out = AdaptiveInstanceNormalization(name="adain")([noisy, w])
    model = keras.Model([features, w], out)
    model.get_layer("noise").scale.assign([0.5, -1.0])
    model.get_layer("adain").affine.bias.assign(normal(4, seed=24))
    path = tmp_path / "style.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    for name in ("constant", "noise", "adain"):
        for saved, restored in zip(model.get_layer(name).weights, loaded.get_layer(name).weights):
            np.testing.assert_array_equal(numpy(restored), numpy(saved))
    x, styles, noise = normal(2, 4, 4, 2, seed=25), normal(2, 3, seed=26), normal(2, 4, 4, 1, seed=27)

    def run(m):
        held = m.get_layer("noise")(m.get_layer("constant")(x), noise=noise)
        return numpy(m.get_layer("adain")([held, styles]))

    np.testing.assert_allclose(run(loaded), run(model), rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------------------------------- bad arguments
def test_constant_input_and_noise_injection_refuse_bad_arguments():
    with pytest.raises(ValueError, match="each of shape must be a positive integer"):
        ConstantInput((4, 0, 2))
    with pytest.raises(TypeError, match="shape must be a sequence of positive integers"):
        ConstantInput(4)
    with pytest.raises(TypeError, match="seed must be an integer or None"):
        NoiseInjection(seed=1.5)
    with pytest.raises(ValueError, match=r"NoiseInjection expects feature maps \(batch, height, width, channels\)"):
        NoiseInjection()(normal(2, 3))
    layer = NoiseInjection()
    x = normal(2, 4, 4, 3)
    for bad in (normal(2, 4, 4, 3), normal(2, 4, 4), normal(2, 8, 8, 1), normal(3, 4, 4, 1)):
        with pytest.raises(ValueError, match=r"noise must be shaped \(batch, height, width, 1\)"):
            layer(x, noise=bad)


def test_adain_refuses_bad_inputs_and_epsilons():
    for bad in (0, -1e-8, True, "1e-8"):
        with pytest.raises(ValueError, match="epsilon must be a positive number"):
            AdaptiveInstanceNormalization(epsilon=bad)
    with pytest.raises(ValueError, match=r"takes two inputs \[features, w\]"):
        AdaptiveInstanceNormalization()(normal(2, 4, 4, 3))
    with pytest.raises(ValueError, match=r"expects features \(batch, height, width, channels\) and styles"):
        AdaptiveInstanceNormalization()([normal(2, 4, 3), normal(2, 5)])
    with pytest.raises(ValueError, match=r"styles \(batch, w_dim\)"):
        AdaptiveInstanceNormalization()([normal(2, 4, 4, 3), normal(2, 2, 5)])


def test_style_functions_refuse_bad_arguments():
    w = normal(2, 4)
    with pytest.raises(ValueError, match="num_styles must be a positive integer"):
        broadcast_styles(w, 0)
    with pytest.raises(ValueError, match=r"w must be shaped \(batch, w_dim\)"):
        broadcast_styles(normal(2, 3, 4), 2)
    with pytest.raises(ValueError, match=r"w1 and w2 must both be shaped \(batch, w_dim\)"):
        mix_styles(w, normal(2, 5), 1, 4)
    with pytest.raises(ValueError, match=r"w1 and w2 must both be shaped \(batch, w_dim\)"):
        mix_styles(normal(2, 3, 4), normal(2, 3, 4), 1, 4)
    for bad in (-1, 5):
        with pytest.raises(ValueError, match="crossover must be between 0 and num_styles = 4"):
            mix_styles(w, w, bad, 4)
    for bad in (-0.1, 1.5, True):
        with pytest.raises(ValueError, match=r"probability must be a number in \[0, 1\]"):
            random_crossovers(4, 4, probability=bad)
    with pytest.raises(ValueError, match="num_styles must be a positive integer"):
        random_crossovers(4, 0)
    for bad in ("0.5", None, True):
        with pytest.raises(TypeError, match="psi must be a number"):
            truncate_styles(w, w[0], bad)
