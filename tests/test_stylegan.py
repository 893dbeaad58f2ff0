"""StyleGAN: the mapping network, the synthesis network, style mixing, truncation and the training step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.layers.progressive import EqualizedDense
from autoaegan.layers.style import mix_styles
from autoaegan.models.progan import ProGAN, ProgressiveDiscriminator, ProgressiveGenerator
from autoaegan.models.stylegan import (
    StyleGAN,
    StyleGenerator,
    SynthesisNetwork,
    build_mapping_network,
    build_stylegan,
    generate_images,
)
from autoaegan.seeding import set_seed

CODINGS, W_SIZE, CHANNELS = 6, 5, (4, 3)  # 8×8 images, 4 style levels: tiny


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def tiny_generator(seed=0, **kwargs):
    set_seed(seed)
    kwargs = {"mapping_depth": 2, "seed": seed, **kwargs}
    return StyleGenerator(CODINGS, W_SIZE, CHANNELS, **kwargs)


def with_noise_scales(synthesis, value=1.0):
    """Non-zero noise scales (they start at zero), so that the noise shows in the images."""
    if not synthesis.built:
        synthesis(np.zeros((1, synthesis.w_size), np.float32))
    for layer in synthesis.noises:
        layer.scale.assign(np.full(layer.scale.shape, value, np.float32))
    return synthesis


def snapshot(variables):
    return [numpy(v).copy() for v in variables]


def changed(variables, before):
    return [not np.array_equal(numpy(v), b) for v, b in zip(variables, before)]


# ---------------------------------------------------------------------------------------------------- mapping
def test_the_mapping_network_is_an_mlp_of_equalized_layers_with_a_slow_learning_rate():
    set_seed(0)
    mapping = build_mapping_network(CODINGS, W_SIZE)
    dense = [layer for layer in mapping.layers if isinstance(layer, EqualizedDense)]
    assert len(dense) == 8 and all(layer.units == W_SIZE for layer in dense)
    assert all(layer.learning_rate_multiplier == 0.01 for layer in dense)
    assert mapping.input_shape == (None, CODINGS) and mapping.output_shape == (None, W_SIZE)
    # The raw kernels are drawn from N(0, 1/λ²) = N(0, 100²): λ brings them back to He's scale at run time.
    assert 50 < np.std(numpy(dense[1].kernel)) < 200
    w = numpy(mapping(normal(4, CODINGS)))
    assert w.shape == (4, W_SIZE) and np.isfinite(w).all()
    # The codings are pixel-normalised first: their scale does not matter.
    np.testing.assert_allclose(numpy(mapping(3 * normal(4, CODINGS))), w, rtol=1e-4, atol=1e-5)
    assert len(build_mapping_network(CODINGS, W_SIZE, depth=3).layers) == 2 + 2 * 3


# ---------------------------------------------------------------------------------------------------- synthesis
@pytest.mark.parametrize("channels", [(3,), (3, 2), (3, 2, 2), (3, 2, 2, 2)])
def test_the_synthesis_network_output_shape_at_every_resolution(channels):
    set_seed(1)
    synthesis = SynthesisNetwork(channels, W_SIZE, seed=0)
    size = 4 * 2 ** (len(channels) - 1)
    assert synthesis.num_styles == 2 * len(channels) and synthesis.resolution == size
    assert synthesis.noise_shapes(2) == [(2, 4 * 2 ** (i // 2), 4 * 2 ** (i // 2), 1) for i in range(2 * len(channels))]
    images = numpy(synthesis(normal(2, W_SIZE)))
    assert images.shape == (2, size, size, 1) and np.abs(images).max() <= 1.0
    assert synthesis.compute_output_shape((None, W_SIZE)) == (None, size, size, 1)
    # The first layer is the constant itself: one convolution fewer than AdaIN layers.
    assert sum(c is not None for c in synthesis.convolutions) == synthesis.num_styles - 1


def test_one_w_is_the_same_as_that_w_at_every_style_level():
    set_seed(2)
    synthesis = with_noise_scales(SynthesisNetwork(CHANNELS, W_SIZE, seed=0), 0.3)
    w, noise = normal(3, W_SIZE, seed=1), synthesis.make_noise(3, seed=0)
    one = numpy(synthesis(w, noise=noise))
    every = numpy(synthesis(np.repeat(w[:, None], synthesis.num_styles, axis=1), noise=noise))
    np.testing.assert_allclose(one, every, rtol=1e-6, atol=1e-6)


def test_fixed_noise_gives_fixed_images_and_fresh_noise_changes_the_details():
    set_seed(3)
    synthesis = with_noise_scales(SynthesisNetwork(CHANNELS, W_SIZE, seed=0), 0.5)
    w = normal(2, W_SIZE, seed=2)
    noise = synthesis.make_noise(2, seed=7)
    assert [n.shape for n in noise] == synthesis.noise_shapes(2)
    np.testing.assert_array_equal(noise[3], synthesis.make_noise(2, seed=7)[3])
    held = numpy(synthesis(w, noise=noise))
    np.testing.assert_array_equal(numpy(synthesis(w, noise=noise)), held)
    assert not np.allclose(numpy(synthesis(w)), held, atol=1e-4)
    assert not np.allclose(numpy(synthesis(w)), numpy(synthesis(w)), atol=1e-4)


def test_each_style_level_reaches_the_images_and_noise_starts_silent():
    set_seed(4)
    synthesis = SynthesisNetwork(CHANNELS, W_SIZE, seed=0)
    w = normal(2, W_SIZE, seed=3)
    # The noise scales start at zero: the images do not depend on the noise yet.
    np.testing.assert_array_equal(numpy(synthesis(w)), numpy(synthesis(w)))
    base = numpy(synthesis(np.repeat(w[:, None], 4, axis=1)))
    for level in range(synthesis.num_styles):
        styles = np.repeat(w[:, None], 4, axis=1)
        styles[:, level] = normal(2, W_SIZE, seed=10 + level)
        assert not np.allclose(numpy(synthesis(styles)), base, atol=1e-5), level


def test_the_synthesis_network_passes_gradients_to_every_weight_and_to_the_styles():
    set_seed(5)
    synthesis = with_noise_scales(SynthesisNetwork(CHANNELS, W_SIZE, seed=0), 0.2)
    styles = tf.Variable(normal(2, 4, W_SIZE, seed=4))
    noise = synthesis.make_noise(2, seed=1)
    upstream = normal(2, 8, 8, 1, seed=5)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(synthesis(styles, noise=noise) * upstream)
    weights = synthesis.trainable_variables
    gradients = tape.gradient(loss, [*weights, styles])
    names = {v.path for v in weights}
    assert any("constant" in name for name in names) and any("affine" in name for name in names)
    assert any("scale" in name for name in names)
    for variable, gradient in zip([*weights, styles], gradients):
        assert gradient is not None, variable.path
        gradient = numpy(gradient)
        assert np.isfinite(gradient).all() and np.abs(gradient).sum() > 0, variable.path


# ---------------------------------------------------------------------------------------------------- the generator
def test_the_generator_maps_codings_to_images():
    generator = tiny_generator()
    assert generator.input_shape == (None, CODINGS) and generator.output_shape == (None, 8, 8, 1)
    assert generator.num_styles == 4
    z = normal(3, CODINGS, seed=6)
    images = numpy(generator(z))
    assert images.shape == (3, 8, 8, 1) and np.abs(images).max() <= 1.0
    noise = generator.synthesis.make_noise(3, seed=0)
    expected = numpy(generator.synthesis(generator.mapping(z), noise=noise))
    np.testing.assert_allclose(numpy(generator(z, noise=noise)), expected, rtol=1e-6, atol=1e-6)
    assert generator.compute_output_shape((None, CODINGS)) == (None, 8, 8, 1)
    assert [v.name for v in generator.non_trainable_variables if "average" in v.name] == ["w_average"]


def test_truncation_psi_zero_gives_the_average_w_and_one_leaves_w():
    generator = tiny_generator()
    with_noise_scales(generator.synthesis, 0.3)
    average = normal(W_SIZE, seed=7)
    generator.w_average.assign(average)
    z = normal(4, CODINGS, seed=8)
    w = numpy(generator.mapping(z))
    np.testing.assert_allclose(
        numpy(generator.styles(z, truncation_psi=0.0)), np.tile(average, (4, 1)), rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(numpy(generator.styles(z)), w, rtol=1e-6)
    np.testing.assert_allclose(
        numpy(generator.styles(z, truncation_psi=0.5)), average + 0.5 * (w - average), rtol=1e-5, atol=1e-6
    )
    # ψ = 0: every coding makes the same image (the "average" image), given the same noise for each.
    one_noise = [np.repeat(part[:1], 4, axis=0) for part in generator.synthesis.make_noise(1, seed=0)]
    images = numpy(generator(z, truncation_psi=0.0, noise=one_noise))
    for image in images[1:]:
        np.testing.assert_allclose(image, images[0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(numpy(generator(z, noise=one_noise))[0], numpy(generator(z, noise=one_noise))[1])


def test_training_mode_moves_the_average_w_toward_the_batchs_mean_w():
    generator = tiny_generator(w_average_beta=0.9)
    np.testing.assert_array_equal(numpy(generator.w_average), 0.0)
    z = normal(5, CODINGS, seed=9)
    w = numpy(generator.mapping(z)).astype(np.float64)
    generator.styles(z)  # inference: no tracking
    np.testing.assert_array_equal(numpy(generator.w_average), 0.0)
    generator.styles(z, training=True)
    np.testing.assert_allclose(numpy(generator.w_average), 0.1 * w.mean(axis=0), rtol=1e-5, atol=1e-7)
    generator(z, training=True)
    np.testing.assert_allclose(
        numpy(generator.w_average), 0.9 * 0.1 * w.mean(axis=0) + 0.1 * w.mean(axis=0), rtol=1e-5, atol=1e-7
    )


# ---------------------------------------------------------------------------------------------------- style mixing
def test_mixed_styles_make_the_first_ws_images_below_the_crossover_and_the_seconds_from_it_on():
    generator = tiny_generator()
    synthesis = with_noise_scales(generator.synthesis, 0.3)
    w1, w2 = (numpy(generator.mapping(normal(2, CODINGS, seed=seed))) for seed in (10, 11))
    noise = synthesis.make_noise(2, seed=0)
    first, second = numpy(synthesis(w1, noise=noise)), numpy(synthesis(w2, noise=noise))
    np.testing.assert_allclose(numpy(synthesis(mix_styles(w1, w2, 4, 4), noise=noise)), first, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(numpy(synthesis(mix_styles(w1, w2, 0, 4), noise=noise)), second, rtol=1e-6, atol=1e-6)
    mixed = numpy(synthesis(mix_styles(w1, w2, 2, 4), noise=noise))
    assert not np.allclose(mixed, first, atol=1e-5) and not np.allclose(mixed, second, atol=1e-5)
    # Changing w₂ changes the mix only through the levels from the crossover on.
    manual = np.stack([w1, w1, w2, w2], axis=1)
    np.testing.assert_allclose(mixed, numpy(synthesis(manual, noise=noise)), rtol=1e-6, atol=1e-6)


def stylegan(probability=0.9, seed=0, **kwargs):
    generator = tiny_generator(seed)
    discriminator = ProgressiveDiscriminator((4, 3), group_size=2).model()
    gan = StyleGAN(generator, discriminator, style_mixing_probability=probability, seed=seed, **kwargs)
    gan.compile(
        keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99), keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99)
    )
    return gan


@pytest.fixture(scope="module")
def mixing_gan():
    """One StyleGAN for the tests of mixing regularization, which draw styles in inference mode and train nothing."""
    return stylegan()


def fixed_codings(monkeypatch, gan, drawn):
    """Make `gan` draw the codings `drawn`, in order: the two codings of each image, known in advance."""
    queue = list(drawn)
    monkeypatch.setattr(gan, "sample_codings", lambda batch_size: queue.pop(0))


def test_mixing_regularization_switches_each_image_from_w1_to_w2_once(mixing_gan, monkeypatch):
    gan = mixing_gan
    drawn = [normal(64, CODINGS, seed=12), normal(64, CODINGS, seed=13)]
    w1, w2 = (numpy(gan.generator.mapping(z)) for z in drawn)
    monkeypatch.setattr(gan, "style_mixing_probability", 1.0)
    fixed_codings(monkeypatch, gan, drawn)
    styles = numpy(gan.mixed_styles(64))
    assert styles.shape == (64, 4, W_SIZE)
    crossovers = []
    for image in range(64):
        takes_w1 = [np.allclose(level, w1[image], rtol=1e-6) for level in styles[image]]
        takes_w2 = [np.allclose(level, w2[image], rtol=1e-6) for level in styles[image]]
        crossover = takes_w1.index(False)
        assert 1 <= crossover <= 3  # every image mixed, at a real crossover
        assert all(takes_w1[:crossover]) and all(takes_w2[crossover:])
        crossovers.append(crossover)
    assert set(crossovers) == {1, 2, 3}

    monkeypatch.setattr(gan, "style_mixing_probability", 0.0)
    fixed_codings(monkeypatch, gan, drawn)
    np.testing.assert_allclose(numpy(gan.mixed_styles(64)), np.repeat(w1[:, None], 4, axis=1), rtol=1e-6)


def test_mixing_regularization_mixes_about_ninety_percent_of_the_images(mixing_gan):
    assert mixing_gan.style_mixing_probability == 0.9
    styles = numpy(mixing_gan.mixed_styles(400))
    mixed = np.mean([not np.allclose(image[0], image[-1]) for image in styles])
    assert mixed == pytest.approx(0.9, abs=0.06)  # Binomial(400, 0.9): a standard deviation of 0.015


# ---------------------------------------------------------------------------------------------------- training
def test_a_stylegan_train_step_changes_both_networks_and_returns_finite_losses():
    gan = stylegan()
    generator, discriminator = gan.generator, gan.discriminator
    g_before, d_before = snapshot(generator.trainable_variables), snapshot(discriminator.trainable_variables)
    images = np.random.default_rng(0).integers(0, 256, size=(4, 8, 8, 1), dtype=np.uint8)
    logs = gan.train_step(tf.constant(images))
    assert all(np.isfinite(float(value)) for value in logs.values())
    assert set(logs) == {"d_loss", "g_loss", "d_real_accuracy", "d_fake_accuracy"}
    g_changed = dict(
        zip((v.path for v in generator.trainable_variables), changed(generator.trainable_variables, g_before))
    )
    assert all(g_changed.values()), [path for path, moved in g_changed.items() if not moved]
    assert all(changed(discriminator.trainable_variables, d_before))
    assert np.abs(numpy(generator.w_average)).sum() > 0  # w̄ followed phase 2's w


def test_the_discriminator_phase_leaves_the_generator_and_its_average_w_alone():
    gan = stylegan()
    # Everything but the noise layers' random states, which move on with every draw.
    kept = [v for v in gan.generator.variables if "seed_generator" not in v.path]
    assert any(v.name == "w_average" for v in kept) and len(kept) == len(gan.generator.weights)
    before = snapshot(kept)
    images = np.random.default_rng(1).integers(0, 256, size=(4, 8, 8, 1), dtype=np.uint8)
    gan.discriminator_step(tf.constant(images))
    assert not any(changed(kept, before))


def test_a_stylegan_fits_a_tiny_dataset():
    gan = stylegan()
    images = np.random.default_rng(2).integers(0, 256, size=(8, 8, 8, 1), dtype=np.uint8)
    history = gan.fit(tf.data.Dataset.from_tensor_slices(images).batch(4), epochs=1, shuffle=False, verbose=0)
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])
    assert np.abs(numpy(gan.generator.w_average)).sum() > 0  # tracked inside the compiled step too


def test_generate_is_repeatable_and_in_the_unit_interval():
    gan = stylegan()
    with_noise_scales(gan.generator.synthesis, 0.5)
    images = gan.generate(5, seed=3, batch_size=2)
    assert images.shape == (5, 8, 8, 1) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    # The batch size does not matter (beyond rounding), the seed does.
    np.testing.assert_allclose(gan.generate(5, seed=3), images, atol=1e-5)
    assert not np.allclose(gan.generate(5, seed=4), images)
    truncated = gan.generate(5, seed=3, truncation_psi=0.0)
    assert truncated.std(axis=0).mean() < images.std(axis=0).mean()


def test_generate_images_samples_a_generator_alone_and_refuses_other_models():
    gan = stylegan()
    with_noise_scales(gan.generator.synthesis, 0.5)
    images = generate_images(gan.generator, 5, seed=3, batch_size=2)
    np.testing.assert_allclose(images, gan.generate(5, seed=3), atol=1e-5)
    with pytest.raises(TypeError, match="generator must be a StyleGenerator, got Sequential"):
        generate_images(keras.Sequential([keras.layers.Dense(2)]), 5, seed=3)


def test_build_stylegan_pairs_the_generator_with_progans_discriminator_at_the_same_resolution():
    set_seed(6)
    gan = build_stylegan(CODINGS, W_SIZE, (4, 3, 2), mapping_depth=1, group_size=2, seed=1)
    assert isinstance(gan, StyleGAN) and isinstance(gan, ProGAN) and not gan.fading
    assert gan.generator.output_shape == (None, 16, 16, 1) == gan.discriminator.input_shape
    assert gan.discriminator.get_layer("minibatch_stddev").group_size == 2
    assert gan.codings_size == CODINGS and gan.loss == "logistic" and gan.value_range == (-1.0, 1.0)


# ---------------------------------------------------------------------------------------------------- saving
def test_the_generators_config_and_weights_round_trip_with_the_average_w(tmp_path):
    generator = tiny_generator(seed=4, w_average_beta=0.99)
    with_noise_scales(generator.synthesis, 0.4)
    generator.w_average.assign(normal(W_SIZE, seed=14))
    config = generator.get_config()
    assert (
        config["codings_size"],
        config["w_size"],
        config["channels"],
        config["mapping_depth"],
        config["w_average_beta"],
        config["seed"],
    ) == (CODINGS, W_SIZE, list(CHANNELS), 2, 0.99, 4)
    clone = StyleGenerator.from_config(config)
    assert len(clone.weights) == len(generator.weights)
    path = tmp_path / "generator.weights.h5"
    generator.save_weights(path)
    clone.load_weights(path)
    np.testing.assert_array_equal(numpy(clone.w_average), numpy(generator.w_average))
    z, noise = normal(2, CODINGS, seed=15), generator.synthesis.make_noise(2, seed=0)
    np.testing.assert_allclose(
        numpy(clone(z, truncation_psi=0.7, noise=noise)),
        numpy(generator(z, truncation_psi=0.7, noise=noise)),
        rtol=1e-6,
        atol=1e-6,
    )
    synthesis_config = generator.synthesis.get_config()
    assert SynthesisNetwork.from_config(synthesis_config).get_config() == synthesis_config


def test_the_stylegans_config_round_trips():
    set_seed(8)
    gan = build_stylegan(CODINGS, W_SIZE, CHANNELS, mapping_depth=1, loss="wgan-gp", group_size=2, seed=2)
    gan.style_mixing_probability = 0.6
    clone = StyleGAN.from_config(gan.get_config())
    assert isinstance(clone.generator, StyleGenerator)
    assert (clone.style_mixing_probability, clone.loss, clone.seed, clone.codings_size) == (0.6, "wgan-gp", 2, CODINGS)
    clone.set_weights(gan.get_weights())
    np.testing.assert_array_equal(clone.generate(3, seed=0), gan.generate(3, seed=0))


# ---------------------------------------------------------------------------------------------------- bad arguments
def test_the_generator_and_synthesis_network_refuse_bad_arguments():
    with pytest.raises(ValueError, match="channels must name at least one resolution"):
        SynthesisNetwork((), W_SIZE)
    with pytest.raises(ValueError, match="w_size must be a positive integer"):
        SynthesisNetwork(CHANNELS, 0)
    with pytest.raises(TypeError, match="seed must be an integer or None"):
        SynthesisNetwork(CHANNELS, W_SIZE, seed="1")
    for bad in (1.0, -0.1, True):
        with pytest.raises(ValueError, match=r"w_average_beta must be a number in \[0, 1\)"):
            tiny_generator(w_average_beta=bad)
    with pytest.raises(ValueError, match="depth must be a positive integer"):
        build_mapping_network(CODINGS, W_SIZE, depth=0)
    generator = tiny_generator()
    synthesis = generator.synthesis
    with pytest.raises(ValueError, match=r"styles must be shaped \(batch, 5\) or \(batch, 4, 5\)"):
        synthesis(normal(2, 3, W_SIZE))
    with pytest.raises(ValueError, match=r"styles must be shaped \(batch, 5\) or \(batch, 4, 5\)"):
        synthesis(normal(2, 4, W_SIZE + 1))
    with pytest.raises(ValueError, match="noise must be a list of 4 arrays"):
        synthesis(normal(2, W_SIZE), noise=synthesis.make_noise(2, seed=0)[:3])
    with pytest.raises(ValueError, match=r"noise must be shaped \(batch, height, width, 1\)"):
        synthesis(normal(2, W_SIZE), noise=synthesis.make_noise(2, seed=0)[::-1])  # 8×8 noise at 4×4
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        synthesis.make_noise(0, seed=0)


def test_stylegan_refuses_a_plain_generator_and_bad_mixing_probabilities():
    set_seed(7)
    discriminator = ProgressiveDiscriminator((4, 3)).model()
    plain = ProgressiveGenerator(CODINGS, (4, 3)).model()
    with pytest.raises(TypeError, match="generator must be a StyleGenerator, got Functional"):
        StyleGAN(plain, discriminator)
    generator = tiny_generator()
    for bad in (-0.5, 1.5, True, "0.9"):
        with pytest.raises(ValueError, match=r"style_mixing_probability must be a number in \[0, 1\]"):
            StyleGAN(generator, discriminator, style_mixing_probability=bad)
    with pytest.raises(ValueError, match=r"makes images of shape \(8, 8, 1\), but the discriminator reads images"):
        StyleGAN(generator, ProgressiveDiscriminator((4, 3, 2)).model())


# ---------------------------------------------------------------------------------------------------- a chapter's parts
def test_a_generator_assembled_from_other_layer_classes_and_mapping_loads_the_packages_weights(tmp_path):
    """Chapter 11 writes its own constant, noise and AdaIN layers and mapping network, and loads the shipped weights."""
    from autoaegan.layers.style import AdaptiveInstanceNormalization, ConstantInput, NoiseInjection

    made = []

    class Constant(ConstantInput):  # the chapter's classes carry the package's names, so that the weights match
        pass

    class Noise(NoiseInjection):
        def __init__(self, seed=None, **kwargs):
            made.append("noise")
            super().__init__(seed, **kwargs)

    class AdaIN(AdaptiveInstanceNormalization):
        pass

    Constant.__name__, Noise.__name__, AdaIN.__name__ = (
        "ConstantInput",
        "NoiseInjection",
        "AdaptiveInstanceNormalization",
    )
    original = tiny_generator(seed=3)
    with_noise_scales(original.synthesis, 0.3)
    original.w_average.assign(normal(W_SIZE, seed=2))
    path = tmp_path / "generator.weights.h5"
    original.save_weights(path)

    set_seed(5)
    synthesis = SynthesisNetwork(
        CHANNELS,
        W_SIZE,
        seed=3,
        constant_class=Constant,
        noise_class=Noise,
        adain_class=AdaIN,
        name="synthesis_network",
    )
    assert made == ["noise"] * 4 and type(synthesis.constant) is Constant
    assert all(type(layer) is AdaIN for layer in synthesis.adains)
    mapping = build_mapping_network(CODINGS, W_SIZE, depth=2)
    assembled = StyleGenerator(CODINGS, W_SIZE, mapping=mapping, synthesis=synthesis)
    assert assembled.mapping is mapping and assembled.synthesis is synthesis
    assembled.load_weights(path)
    z, noise = normal(3, CODINGS, seed=1), original.synthesis.make_noise(3, seed=1)
    np.testing.assert_allclose(
        numpy(assembled(z, truncation_psi=0.5, noise=noise)),
        numpy(original(z, truncation_psi=0.5, noise=noise)),
        rtol=1e-6,
        atol=1e-6,
    )


def test_a_generator_refuses_a_mapping_or_synthesis_network_of_other_sizes():
    with pytest.raises(ValueError, match=r"mapping must map \(6,\) codings to \(5,\) styles, got \(6,\) → \(4,\)"):
        StyleGenerator(CODINGS, W_SIZE, CHANNELS, mapping=build_mapping_network(CODINGS, 4, depth=1))
    with pytest.raises(ValueError, match="synthesis must be a SynthesisNetwork of w_size 5"):
        StyleGenerator(CODINGS, W_SIZE, CHANNELS, mapping_depth=1, synthesis=SynthesisNetwork(CHANNELS, 4))
