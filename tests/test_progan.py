"""Progressive growing of GANs: the growing networks, fade-in, the real images of each level, the training step."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from autoaegan.layers.progressive import MinibatchStandardDeviation, fade_in_layers, set_fade_in
from autoaegan.metrics.flops import parameter_count, total_macs, training_flops_per_image
from autoaegan.models.progan import (
    FadeInSchedule,
    ProGAN,
    ProgressiveDiscriminator,
    ProgressiveGenerator,
    resolution_of,
)
from autoaegan.models.progressive_images import downsample, pad_images, real_dataset, upsample
from autoaegan.seeding import set_seed

CODINGS = 6
CHANNELS = (8, 6, 4, 4)  # 4×4, 8×8, 16×16, 32×32: tiny, so that every level builds and runs in a blink


def numpy(x):
    return keras.ops.convert_to_numpy(x)


def codings(n=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, CODINGS)).astype("float32")


def uint8_images(n=4, size=32, seed=0):
    """Smooth random blobs, uint8, (n, size, size, 1)."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.random((n, size, 1, 1)), rng.random((n, 1, size, 1))
    return (255 * (rows * cols) ** 2).astype(np.uint8)


@pytest.fixture
def networks():
    set_seed(0)
    return ProgressiveGenerator(CODINGS, CHANNELS), ProgressiveDiscriminator(CHANNELS, group_size=2)


def snapshot(model):
    return [numpy(v).copy() for v in model.trainable_variables]


def changed(model, before):
    """Which of `model`'s trainable variables differ from `before`."""
    return [not np.array_equal(numpy(v), b) for v, b in zip(model.trainable_variables, before)]


def pair(generator_net, discriminator_net, level, *, fade_in=False, alpha=None, **kwargs):
    gan = ProGAN(
        generator_net.model(level, fade_in=fade_in), discriminator_net.model(level, fade_in=fade_in), seed=0, **kwargs
    )
    if alpha is not None:
        gan.set_alpha(alpha)
    gan.compile(
        keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99), keras.optimizers.Adam(1e-3, beta_1=0.0, beta_2=0.99)
    )
    return gan


# ---------------------------------------------------------------------------------------------------- levels and shapes
def test_resolutions_double_from_four():
    assert [resolution_of(level) for level in range(5)] == [4, 8, 16, 32, 64]
    assert resolution_of(np.int64(2)) == 16
    for bad in (-1, 1.0, True, "1", None):
        with pytest.raises(ValueError, match="level must be an integer ≥ 0"):
            resolution_of(bad)


def test_the_builders_shapes_at_every_level_with_and_without_fade_in(networks):
    generator, discriminator = networks
    assert generator.max_level == discriminator.max_level == 3
    assert generator.resolution == discriminator.resolution == 32
    z = codings(4)  # a whole number of minibatch-stddev groups of 2
    for level in range(4):
        size = resolution_of(level)
        for fade_in in (False, True) if level else (False,):
            g, d = generator.model(level, fade_in=fade_in), discriminator.model(level, fade_in=fade_in)
            assert g.input_shape == (None, CODINGS) and g.output_shape == (None, size, size, 1)
            assert d.input_shape == (None, size, size, 1) and d.output_shape == (None, 1)
            assert len(fade_in_layers(g)) == len(fade_in_layers(d)) == int(fade_in)
            images = numpy(g(z))
            assert images.shape == (4, size, size, 1)
            assert np.isfinite(images).all() and np.abs(images).max() <= 1.0  # tanh
            assert numpy(d(images)).shape == (4, 1)
            assert g.name.startswith(f"progan_generator_{size}x{size}") and g.name.endswith("_fade_in") == fade_in
    assert generator.model().output_shape == (None, 32, 32, 1)  # the last level by default
    assert discriminator.model().input_shape == (None, 32, 32, 1)


def test_the_discriminator_ends_with_the_minibatch_stddev_and_one_score():
    set_seed(1)
    model = ProgressiveDiscriminator((4, 2), group_size=None).model(1)
    names = [layer.name for layer in model.layers]
    assert names.index("minibatch_stddev") < names.index("conv_4x4") < names.index("score")
    stddev = model.get_layer("minibatch_stddev")
    assert isinstance(stddev, MinibatchStandardDeviation) and stddev.group_size is None
    assert model.get_layer("conv_4x4").kernel.shape == (3, 3, 4 + 1, 4)  # the extra map is read
    assert model.get_layer("score").activation is keras.activations.linear  # a logit


def test_the_levels_share_their_layers_so_a_grown_model_keeps_what_the_small_one_learned(networks):
    generator, discriminator = networks
    small, grown = generator.model(1), generator.model(2)
    for layer_name in ("projection", "conv_4x4_1", "conv_8x8_1", "conv_8x8_2"):
        assert small.get_layer(layer_name) is grown.get_layer(layer_name)
    kernel = small.get_layer("conv_8x8_2").kernel
    kernel.assign(kernel + 1.0)  # "training" the small model...
    np.testing.assert_array_equal(numpy(grown.get_layer("conv_8x8_2").kernel), numpy(kernel))  # ...moves the grown one
    assert discriminator.model(1).get_layer("score") is discriminator.model(3).get_layer("score")
    # Counted once across models: the 16×16 model plus the 8×8 to-image layer that only the smaller model uses.
    to_image_8 = small.get_layer("to_image_8x8").count_params()
    assert parameter_count(small, grown) == grown.count_params() + to_image_8
    assert parameter_count(generator.model(2, fade_in=True)) == grown.count_params() + to_image_8


def test_total_macs_counts_each_dense_layer_and_convolution_once_even_when_layers_are_shared(networks):
    generator, discriminator = networks
    w0, w1 = CHANNELS[:2]
    for level in range(3):  # every level wired: the shared layers now have several inbound nodes each
        generator.model(level), discriminator.model(level)
    # projection: codings → 4·4·w0; one 3×3 convolution at 4×4; two at 8×8; the 1×1 to-image layer at 8×8.
    expected = CODINGS * 16 * w0 + 16 * 9 * w0 * w0 + 64 * 9 * w0 * w1 + 64 * 9 * w1 * w1 + 64 * w1
    assert total_macs(generator.model(1)) == expected
    g, d = generator.model(1), discriminator.model(1)
    d_cost = total_macs(d)
    # from-image 1×1 at 8×8 (the first layer), two 3×3 at 8×8, the 4×4 block on w0 + 1 maps, two dense layers.
    d_first = 64 * w1
    assert d_cost == d_first + 64 * 9 * w1 * w1 + 64 * 9 * w1 * w0 + 16 * 9 * (w0 + 1) * w0 + 16 * w0 * w0 + w0
    g_first = CODINGS * 16 * w0
    assert training_flops_per_image(g, d) == 2 * (4 * expected + 8 * d_cost - 2 * d_first - g_first)


# ---------------------------------------------------------------------------------------------------- fade-in
@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_fading_generator_makes_the_upsampled_old_images_at_alpha_0_and_the_new_ones_at_1(networks, level):
    generator, _ = networks
    model = generator.model(level, fade_in=True)
    z = codings(3, seed=level)
    set_fade_in(model, 0.0)
    old = numpy(upsample(generator.model(level - 1)(z), 2))
    np.testing.assert_allclose(numpy(model(z)), old, rtol=1e-6, atol=1e-6)
    set_fade_in(model, 1.0)
    new = numpy(generator.model(level)(z))
    np.testing.assert_allclose(numpy(model(z)), new, rtol=1e-5, atol=1e-6)
    set_fade_in(model, 0.5)
    halfway = numpy(model(z))
    assert not np.allclose(halfway, old, atol=1e-4) and not np.allclose(halfway, new, atol=1e-4)


@pytest.mark.parametrize("level", [1, 3])
def test_a_fading_discriminator_scores_the_downsampled_images_at_alpha_0_and_the_full_ones_at_1(networks, level):
    _, discriminator = networks
    model = discriminator.model(level, fade_in=True)
    size = resolution_of(level)
    x = np.random.default_rng(level).uniform(-1, 1, size=(4, size, size, 1)).astype("float32")
    set_fade_in(model, 0.0)
    np.testing.assert_allclose(
        numpy(model(x)), numpy(discriminator.model(level - 1)(downsample(x, 2))), rtol=1e-5, atol=1e-6
    )
    set_fade_in(model, 1.0)
    np.testing.assert_allclose(numpy(model(x)), numpy(discriminator.model(level)(x)), rtol=1e-5, atol=1e-6)


def test_downsample_and_upsample_match_numpy():
    x = np.random.default_rng(3).normal(size=(2, 8, 8, 3)).astype("float32")
    down = x.reshape(2, 4, 2, 4, 2, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(numpy(downsample(x, 2)), down, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(numpy(downsample(x, 8)), x.mean(axis=(1, 2), keepdims=True), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(numpy(downsample(x, 1)), x)
    up = numpy(upsample(down, 2))
    np.testing.assert_array_equal(up, down.repeat(2, axis=1).repeat(2, axis=2))
    np.testing.assert_array_equal(numpy(downsample(up, 2)), down)  # nearest upsampling, then pooling: back again


# ---------------------------------------------------------------------------------------------------- data
def test_pad_images_centres_the_images_on_a_black_border():
    images = np.random.default_rng(4).integers(1, 256, size=(3, 28, 28), dtype=np.uint8)
    padded = pad_images(images)
    assert padded.shape == (3, 32, 32, 1) and padded.dtype == np.uint8
    np.testing.assert_array_equal(padded[:, 2:30, 2:30, 0], images)
    border = padded.copy()
    border[:, 2:30, 2:30] = 0
    assert not border.any()
    np.testing.assert_array_equal(pad_images(images[..., None], 30)[:, 1:29, 1:29, 0], images)
    np.testing.assert_array_equal(pad_images(images, 28)[..., 0], images)


def test_real_dataset_yields_whole_padded_batches_in_the_unit_interval():
    images = np.random.default_rng(5).integers(0, 256, size=(10, 28, 28), dtype=np.uint8)
    batches = [
        numpy(batch[0] if isinstance(batch, tuple) else batch) for batch in real_dataset(images, batch_size=4, seed=0)
    ]
    assert len(batches) == 2  # the last two images do not make a whole batch
    for batch in batches:
        assert batch.shape == (4, 32, 32, 1) and batch.dtype == np.float32
        assert batch.min() >= 0 and batch.max() <= 1
        assert not batch[:, :2].any() and not batch[:, 30:].any()


def test_real_images_are_pooled_to_the_level_and_scaled_to_minus_one_one(networks):
    generator, discriminator = networks
    gan = ProGAN(generator.model(1), discriminator.model(1))
    images = uint8_images(2)
    expected = 2 * (images.astype(np.float64) / 255).reshape(2, 8, 4, 8, 4, 1).mean(axis=(2, 4)) - 1
    np.testing.assert_allclose(numpy(gan.real_images(images)), expected, rtol=1e-5, atol=1e-6)
    floats = images.astype("float32") / 255  # floats in [0, 1] as the pipeline yields them: the same
    np.testing.assert_allclose(numpy(gan.real_images(floats)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        numpy(gan.real_images(images[:, ::4, ::4])),  # already at 8×8
        2 * images[:, ::4, ::4].astype(np.float64) / 255 - 1,
        rtol=1e-5,
        atol=1e-6,
    )


def test_while_fading_the_real_images_are_blurred_as_the_old_level_would_see_them(networks):
    generator, discriminator = networks
    gan = ProGAN(generator.model(2, fade_in=True), discriminator.model(2, fade_in=True))
    images = uint8_images(2, seed=1)
    sharp = numpy(ProGAN(generator.model(2), discriminator.model(2)).real_images(images))
    blurred = sharp.reshape(2, 8, 2, 8, 2, 1).mean(axis=(2, 4)).repeat(2, axis=1).repeat(2, axis=2)
    gan.set_alpha(0.0)
    np.testing.assert_allclose(numpy(gan.real_images(images)), blurred, rtol=1e-5, atol=1e-6)
    gan.set_alpha(1.0)
    np.testing.assert_allclose(numpy(gan.real_images(images)), sharp, rtol=1e-5, atol=1e-6)
    gan.set_alpha(0.25)
    np.testing.assert_allclose(numpy(gan.real_images(images)), 0.25 * sharp + 0.75 * blurred, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------------- training
def test_alpha_is_shared_by_both_networks_and_only_for_fading_pairs(networks):
    generator, discriminator = networks
    gan = ProGAN(generator.model(2, fade_in=True), discriminator.model(2, fade_in=True))
    assert gan.fading and gan.alpha == 0.0 and len(gan.fade_layers) == 2
    gan.set_alpha(0.4)
    assert gan.alpha == pytest.approx(0.4)
    assert all(float(numpy(layer.alpha)) == pytest.approx(0.4) for layer in gan.fade_layers)
    steady = ProGAN(generator.model(2), discriminator.model(2))
    assert not steady.fading and steady.alpha == 1.0
    with pytest.raises(ValueError, match="does not fade in"):
        steady.set_alpha(0.5)


@pytest.mark.parametrize("loss, level, fade_in", [("logistic", 0, False), ("logistic", 2, True), ("wgan-gp", 1, True)])
def test_a_train_step_changes_both_networks_and_returns_finite_losses(networks, loss, level, fade_in):
    generator, discriminator = networks
    gan = pair(generator, discriminator, level, fade_in=fade_in, alpha=0.5 if fade_in else None, loss=loss)
    g_before, d_before = snapshot(gan.generator), snapshot(gan.discriminator)
    logs = gan.train_step(tf.constant(uint8_images(4, seed=level)))
    assert set(logs) == {"d_loss", "g_loss", "d_real_accuracy", "d_fake_accuracy"}
    assert all(np.isfinite(float(value)) for value in logs.values())
    # Every weight in use moves (Adam moves each weight whose gradient is not zero): with α = 0.5 both paths learn.
    assert all(changed(gan.generator, g_before)) and all(changed(gan.discriminator, d_before))
    if fade_in:
        assert gan.alpha == pytest.approx(0.5)  # α is the schedule's, not the optimizer's


def test_each_phase_changes_only_its_own_network(networks):
    generator, discriminator = networks
    gan = pair(generator, discriminator, 1, fade_in=True, alpha=0.5)
    g_before, d_before = snapshot(gan.generator), snapshot(gan.discriminator)
    loss, real_probabilities, fake_probabilities = gan.discriminator_step(tf.constant(uint8_images(4)))
    assert np.isfinite(float(loss)) and numpy(real_probabilities).shape == numpy(fake_probabilities).shape == (4, 1)
    assert not any(changed(gan.generator, g_before)) and all(changed(gan.discriminator, d_before))
    d_after = snapshot(gan.discriminator)
    loss, _ = gan.generator_step(4)
    assert np.isfinite(float(loss))
    assert all(changed(gan.generator, g_before)) and not any(changed(gan.discriminator, d_after))


def test_the_logistic_discriminator_loss_is_softplus_of_the_scores(networks):
    generator, discriminator = networks
    gan = pair(generator, discriminator, 0)
    # A learning rate of zero: the step computes its loss but changes nothing, so the scores can be recomputed.
    gan.d_optimizer.learning_rate.assign(0.0)
    images = tf.constant(uint8_images(4))
    state = numpy(gan.seed_generator.state).copy()
    loss, real_probabilities, fake_probabilities = gan.discriminator_step(images)
    real_scores = numpy(gan.discriminator(gan.real_images(images)))
    np.testing.assert_allclose(numpy(real_probabilities), 1 / (1 + np.exp(-real_scores)), rtol=1e-5)
    gan.seed_generator.state.assign(state)  # the same codings again
    fake_scores = numpy(gan.discriminator(gan.discriminator_fakes(4)))
    np.testing.assert_allclose(numpy(fake_probabilities), 1 / (1 + np.exp(-fake_scores)), rtol=1e-5)
    expected = np.log1p(np.exp(fake_scores)).mean() + np.log1p(np.exp(-real_scores)).mean()
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def linear_critic(size, weights):
    """A discriminator whose score is Σ weights · image: its gradient is `weights` at every image."""
    images = keras.Input((size, size, 1))
    layer = keras.layers.Dense(1, use_bias=False, name="score")
    model = keras.Model(images, layer(keras.layers.Flatten()(images)))
    layer.kernel.assign(weights.reshape(-1, 1))
    return model


def test_the_gradient_penalty_is_the_squared_distance_of_the_critics_gradient_norm_from_one(networks):
    generator, _ = networks
    weights = np.random.default_rng(6).normal(size=(4, 4, 1)).astype("float32") * 0.5
    gan = ProGAN(generator.model(0), linear_critic(4, weights), loss="wgan-gp", seed=0)
    real = np.random.default_rng(7).uniform(-1, 1, size=(3, 4, 4, 1)).astype("float32")
    fakes = numpy(generator.model(0)(codings(3)))
    expected = (np.linalg.norm(weights) - 1) ** 2
    assert float(gan._gradient_penalty(tf.constant(real), tf.constant(fakes))) == pytest.approx(expected, rel=1e-4)


def test_the_wgan_gp_discriminator_loss_adds_the_penalty_and_the_drift(networks):
    generator, _ = networks
    weights = np.random.default_rng(8).normal(size=(4, 4, 1)).astype("float32")
    gan = ProGAN(
        generator.model(0),
        linear_critic(4, weights),
        loss="wgan-gp",
        gradient_penalty_weight=10.0,
        drift_weight=0.5,
        seed=0,
    )
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0))  # the loss only: no weight moves
    images = uint8_images(4, size=4)
    state = numpy(gan.seed_generator.state).copy()
    loss, _, _ = gan.discriminator_step(tf.constant(images))
    gan.seed_generator.state.assign(state)
    real_scores = numpy(gan.discriminator(gan.real_images(images)))
    fake_scores = numpy(gan.discriminator(gan.discriminator_fakes(4)))
    expected = (
        fake_scores.mean()
        - real_scores.mean()
        + 10.0 * (np.linalg.norm(weights) - 1) ** 2
        + 0.5 * (real_scores**2).mean()
    )
    assert float(loss) == pytest.approx(expected, rel=1e-4)


def test_fit_with_the_fade_in_schedule_raises_alpha(networks):
    generator, discriminator = networks
    # The compiled (XLA) step, here with the penalty's second backward pass through the discriminator.
    gan = pair(generator, discriminator, 1, fade_in=True, loss="wgan-gp")
    dataset = tf.data.Dataset.from_tensor_slices(uint8_images(8)).batch(4)
    history = gan.fit(dataset, epochs=1, shuffle=False, verbose=0, callbacks=[FadeInSchedule(4)])
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])
    assert gan.alpha == pytest.approx(2 / 4)  # two steps of four


def test_the_fade_in_schedule_rises_linearly_then_holds():
    class Recorder:
        steps_per_execution = 1

        def __init__(self):
            self.alphas = []

        def set_alpha(self, alpha):
            self.alphas.append(alpha)

    for per_call, expected in ((1, [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]), (2, [0.0, 0.5, 1.0, 1.0, 1.0, 1.0])):
        model = Recorder()
        model.steps_per_execution = per_call
        schedule = FadeInSchedule(4)
        schedule.set_model(model)
        for batch in range(6):
            schedule.on_train_batch_begin(batch)
            schedule.on_train_batch_end(batch)
        assert model.alphas == expected
        schedule.on_train_end()
        assert model.alphas[-1] == 1.0

    # A fade resumed halfway, in a second `fit`: it goes on from where the first stopped.
    model = Recorder()
    schedule = FadeInSchedule(4, start=2)
    schedule.set_model(model)
    schedule.on_train_batch_begin(0)
    schedule.on_train_batch_end(0)
    schedule.on_train_end()
    assert model.alphas == [0.5, 0.75]


def test_the_config_round_trips(networks):
    generator, discriminator = networks
    gan = ProGAN(
        generator.model(1),
        discriminator.model(1),
        loss="wgan-gp",
        gradient_penalty_weight=5.0,
        drift_weight=0.01,
        seed=3,
    )
    config = gan.get_config()
    assert (config["loss"], config["gradient_penalty_weight"], config["drift_weight"], config["seed"]) == (
        "wgan-gp",
        5.0,
        0.01,
        3,
    )
    clone = ProGAN.from_config(config)
    assert (clone.loss, clone.gradient_penalty_weight, clone.drift_weight, clone.seed) == ("wgan-gp", 5.0, 0.01, 3)
    clone.generator.set_weights(gan.generator.get_weights())
    z = codings(2)
    np.testing.assert_allclose(numpy(clone.generator(z)), numpy(gan.generator(z)), rtol=1e-6)


# ---------------------------------------------------------------------------------------------------- bad arguments
def test_the_builders_refuse_bad_levels_and_channels(networks):
    generator, discriminator = networks
    for network in networks:
        with pytest.raises(ValueError, match=r"level must be between 0 and 3 \(32×32\), got 4"):
            network.model(4)
        with pytest.raises(ValueError, match="level 0 .* has no smaller level to fade in from"):
            network.model(0, fade_in=True)
        with pytest.raises(TypeError, match="fade_in must be True or False"):
            network.model(1, fade_in=1)
        with pytest.raises(ValueError, match="level must be an integer ≥ 0"):
            network.model(-1)
    with pytest.raises(ValueError, match="channels must name at least one level"):
        ProgressiveGenerator(CODINGS, ())
    with pytest.raises(ValueError, match="each of channels must be a positive integer"):
        ProgressiveDiscriminator((8, 0))
    with pytest.raises(ValueError, match="codings_size must be a positive integer"):
        ProgressiveGenerator(0, CHANNELS)
    with pytest.raises(ValueError, match="group_size must be a positive integer"):
        ProgressiveDiscriminator(CHANNELS, group_size=0)


def test_pad_images_and_real_dataset_refuse_bad_images():
    with pytest.raises(ValueError, match="images must be uint8 shaped"):
        pad_images(np.zeros((2, 28, 28), np.float32))
    with pytest.raises(ValueError, match="images must be uint8 shaped"):
        pad_images(np.zeros((2, 28, 28, 3), np.uint8))
    with pytest.raises(ValueError, match="size must be at least the images' 28×28, got 16"):
        pad_images(np.zeros((2, 28, 28), np.uint8), 16)
    with pytest.raises(ValueError, match="need at least one batch of 8 images, got 3"):
        real_dataset(np.zeros((3, 28, 28), np.uint8), batch_size=8, seed=0)
    with pytest.raises(ValueError, match="factor must be a positive integer"):
        downsample(np.zeros((1, 4, 4, 1), np.float32), 0)


def test_progan_refuses_mismatched_networks_and_bad_settings(networks):
    generator, discriminator = networks
    with pytest.raises(ValueError, match="loss must be one of"):
        ProGAN(generator.model(1), discriminator.model(1), loss="hinge")
    with pytest.raises(ValueError, match="must both fade in or both not: got 1 and 0"):
        ProGAN(generator.model(1, fade_in=True), discriminator.model(1))
    with pytest.raises(ValueError, match=r"makes images of shape \(8, 8, 1\), but the discriminator reads"):
        ProGAN(generator.model(1), discriminator.model(2))
    with pytest.raises(ValueError, match="gradient_penalty_weight and drift_weight must be ≥ 0"):
        ProGAN(generator.model(1), discriminator.model(1), gradient_penalty_weight=-1.0)
    gan = ProGAN(generator.model(1), discriminator.model(1))
    with pytest.raises(TypeError, match="loss is chosen when it is made"):
        gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), loss_fn=keras.losses.BinaryCrossentropy())
    with pytest.raises(ValueError, match=r"real images must be shaped \(batch, R, R, 1\) with R a multiple of the"):
        gan.real_images(np.zeros((2, 12, 12, 1), np.uint8))
    with pytest.raises(ValueError, match=r"real images must be shaped \(batch, R, R, 1\)"):
        gan.real_images(np.zeros((2, 32, 32), np.uint8))
    with pytest.raises(TypeError, match="real images must be uint8 or floats"):
        gan.real_images(np.zeros((2, 32, 32, 1), np.int32))
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        FadeInSchedule(0)
    with pytest.raises(ValueError, match="start must be an integer ≥ 0, got -1"):
        FadeInSchedule(4, start=-1)
