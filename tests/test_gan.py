"""The GAN of chapter 07: the networks, the two-phase training step, scaling, sampling and shipping."""

import keras
import numpy as np
import pytest

from autoaegan.data.pipeline import make_dataset
from autoaegan.models.gan import (
    CODINGS_SIZE,
    GAN,
    build_dense_discriminator,
    build_dense_gan,
    build_dense_generator,
)
from autoaegan.plans import Recipe
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.fitting import TrainingDivergedError, fit
from autoaegan.training.gan_recipe import compile_gan
from autoaegan.training.sampling import generate_from
from tests.autoencoder_checks import tiny_images

TEST = PROFILES["test"]


def batchnorm_generator(codings_size=8, activation="sigmoid"):
    """A small generator with BatchNorm, whose moving statistics a careless step would move."""
    codings = keras.Input(shape=(codings_size,))
    hidden = keras.layers.Dense(16)(codings)
    hidden = keras.layers.BatchNormalization()(hidden)
    hidden = keras.layers.Activation("relu")(hidden)
    pixels = keras.layers.Dense(784, activation=activation)(hidden)
    return keras.Model(codings, keras.layers.Reshape((28, 28))(pixels), name="bn_generator")


def batchnorm_discriminator():
    """A small discriminator with BatchNorm and Dropout."""
    images = keras.Input(shape=(28, 28))
    hidden = keras.layers.Dense(16)(keras.layers.Flatten()(images))
    hidden = keras.layers.BatchNormalization()(hidden)
    hidden = keras.layers.LeakyReLU(0.2)(hidden)
    hidden = keras.layers.Dropout(0.3)(hidden)
    return keras.Model(images, keras.layers.Dense(1, activation="sigmoid")(hidden), name="bn_discriminator")


def batchnorm_gan(seed=0, **kwargs):
    set_seed(seed)
    gan = GAN(batchnorm_generator(**kwargs), batchnorm_discriminator(), seed=seed)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    return gan


def snapshot(model):
    """Every variable of `model`, trainable or not, by path: a copy to compare bit for bit."""
    return {v.path: keras.ops.convert_to_numpy(v).copy() for v in model.variables}


def changed(before, after):
    return sorted(path for path in before if not np.array_equal(before[path], after[path]))


class LossSpy:
    """Binary cross-entropy that records the labels and predictions it was given."""

    def __init__(self):
        self.calls = []
        self.bce = keras.losses.BinaryCrossentropy()

    def __call__(self, y_true, y_pred):
        self.calls.append((keras.ops.convert_to_numpy(y_true), keras.ops.convert_to_numpy(y_pred)))
        return self.bce(y_true, y_pred)


# --- the networks ----------------------------------------------------------------------------------------------


def test_dense_generator_is_shaped_like_a_decoder():
    generator = build_dense_generator()
    assert generator.input_shape == (None, CODINGS_SIZE) and generator.output_shape == (None, 28, 28)
    dense = [layer for layer in generator.layers if isinstance(layer, keras.layers.Dense)]
    assert [(layer.units, layer.get_config()["activation"]) for layer in dense] == [
        (100, "relu"),
        (150, "relu"),
        (784, "sigmoid"),
    ]
    far = np.array([[-30.0] * CODINGS_SIZE, [30.0] * CODINGS_SIZE], np.float32)
    images = keras.ops.convert_to_numpy(generator(far))
    assert images.min() >= 0 and images.max() <= 1
    assert build_dense_generator(4, units=(8,)).count_params() == (4 * 8 + 8) + (8 * 784 + 784)


def test_dense_discriminator_is_a_binary_classifier():
    discriminator = build_dense_discriminator()
    assert discriminator.input_shape == (None, 28, 28) and discriminator.output_shape == (None, 1)
    dense = [layer for layer in discriminator.layers if isinstance(layer, keras.layers.Dense)]
    assert [(layer.units, layer.get_config()["activation"]) for layer in dense] == [
        (150, "relu"),
        (100, "relu"),
        (1, "sigmoid"),
    ]
    probabilities = keras.ops.convert_to_numpy(discriminator(tiny_images(5).astype("float32") / 255))
    assert probabilities.shape == (5, 1) and ((probabilities > 0) & (probabilities < 1)).all()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "30"])
def test_builders_reject_bad_sizes(bad):
    with pytest.raises(ValueError, match="codings_size must be a positive integer"):
        build_dense_generator(bad)
    with pytest.raises((ValueError, TypeError), match="units"):
        build_dense_discriminator(units=(150, bad))


# --- phase 1: the discriminator ------------------------------------------------------------------------------


def test_phase_one_changes_only_the_discriminator():
    gan = batchnorm_gan()
    generator_before, discriminator_before = snapshot(gan.generator), snapshot(gan.discriminator)
    gan.discriminator_step(tiny_images(16))
    assert changed(generator_before, snapshot(gan.generator)) == []  # BatchNorm statistics included
    discriminator_changes = changed(discriminator_before, snapshot(gan.discriminator))
    trainable = {v.path for v in gan.discriminator.trainable_variables}
    assert trainable <= set(discriminator_changes)  # every weight took a step
    assert any("moving_mean" in path for path in discriminator_changes)  # its own BatchNorm learns the batches


def test_phase_one_labels_real_images_one_and_fakes_zero():
    set_seed(0)
    spy = LossSpy()
    gan = GAN(build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)), seed=0)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), loss_fn=spy)  # rate 0: nothing moves
    real = tiny_images(6)
    loss, real_predictions, fake_predictions = gan.discriminator_step(real)
    [(labels, predictions)] = spy.calls
    assert labels.shape == (12, 1)
    np.testing.assert_array_equal(labels[:6], 0.0)  # the fakes come first, as in the slides' concatenation
    np.testing.assert_array_equal(labels[6:], 1.0)
    judged_real = keras.ops.convert_to_numpy(gan.discriminator(real.astype("float32") / 255))
    np.testing.assert_allclose(predictions[6:], judged_real, rtol=1e-5)  # the rows labelled 1 are the real ones
    np.testing.assert_allclose(keras.ops.convert_to_numpy(real_predictions), judged_real, rtol=1e-5)
    assert keras.ops.convert_to_numpy(fake_predictions).shape == (6, 1)
    assert float(loss) == pytest.approx(float(keras.losses.BinaryCrossentropy()(labels, predictions)), rel=1e-5)


def test_one_sided_label_smoothing_changes_only_the_real_labels():
    spy = LossSpy()
    gan = GAN(build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)))
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), loss_fn=spy, real_label=0.9)
    gan.discriminator_step(tiny_images(4))
    gan.generator_step(4)
    (phase_one, _), (phase_two, _) = spy.calls
    np.testing.assert_allclose(phase_one.ravel(), [0, 0, 0, 0, 0.9, 0.9, 0.9, 0.9])
    np.testing.assert_array_equal(phase_two, 1.0)


# --- phase 2: the generator ----------------------------------------------------------------------------------


def test_phase_two_changes_only_the_generator_and_no_discriminator_variable():
    gan = batchnorm_gan()
    gan.discriminator_step(tiny_images(16))  # so that the moving statistics are no longer their initial values
    generator_before, discriminator_before = snapshot(gan.generator), snapshot(gan.discriminator)
    gan.generator_step(16)
    assert changed(discriminator_before, snapshot(gan.discriminator)) == []  # moving mean and variance included
    generator_changes = changed(generator_before, snapshot(gan.generator))
    assert {v.path for v in gan.generator.trainable_variables} <= set(generator_changes)
    assert any("moving_mean" in path for path in generator_changes)  # its own BatchNorm runs in training mode


def test_a_training_mode_call_would_move_the_discriminators_statistics():
    # The control for the test above: the bit-for-bit check does see a BatchNorm update when there is one.
    gan = batchnorm_gan()
    before = snapshot(gan.discriminator)
    gan.discriminator(gan.generator(gan.sample_codings(16)), training=True)
    assert any("moving_mean" in path for path in changed(before, snapshot(gan.discriminator)))


def test_phase_two_labels_every_fake_one():
    spy = LossSpy()
    gan = GAN(build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)), seed=3)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), loss_fn=spy)
    loss, predictions = gan.generator_step(7)
    [(labels, judged)] = spy.calls
    assert labels.shape == (7, 1)
    np.testing.assert_array_equal(labels, 1.0)
    np.testing.assert_allclose(judged, keras.ops.convert_to_numpy(predictions))
    assert float(loss) == pytest.approx(float(np.mean(-np.log(np.clip(judged, 1e-7, 1)))), rel=1e-4)


def test_phase_two_moves_the_generator_towards_what_the_discriminator_calls_real():
    set_seed(1)
    gan = GAN(build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)), seed=1)
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.Adam(1e-2))
    codings = np.random.default_rng(0).standard_normal((64, 8)).astype("float32")

    def mean_verdict():
        return float(keras.ops.mean(gan.discriminator(gan.generator(codings), training=False)))

    before = mean_verdict()
    for _ in range(5):
        gan.generator_step(64)
    assert mean_verdict() > before  # the generator learnt to fool this (frozen) discriminator


# --- the whole step and training -----------------------------------------------------------------------------


def test_fit_on_a_uint8_pipeline_reports_the_four_figures():
    gan = batchnorm_gan()
    before = snapshot(gan.generator)
    history = gan.fit(
        make_dataset(tiny_images(96), batch_size=32, shuffle=True, seed=0), epochs=2, shuffle=False, verbose=0
    )
    assert sorted(history.history) == ["d_fake_accuracy", "d_loss", "d_real_accuracy", "g_loss"]
    for name, values in history.history.items():
        assert len(values) == 2 and all(np.isfinite(values)), name
    for name in ("d_fake_accuracy", "d_real_accuracy"):
        assert all(0 <= value <= 1 for value in history.history[name])
    assert changed(before, snapshot(gan.generator))


def test_fit_takes_a_dataset_of_raw_uint8_batches():
    import tensorflow as tf

    gan = batchnorm_gan(activation="tanh")
    history = gan.fit(tf.data.Dataset.from_tensor_slices(tiny_images(64)).batch(16), epochs=1, verbose=0)
    assert all(np.isfinite(values[0]) for values in history.history.values())


def test_training_fit_trains_the_dense_gan_on_uint8_images():
    set_seed(0)
    gan = build_dense_gan(8, generator_units=(32,), discriminator_units=(32,), seed=0)
    gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5))
    history = fit(gan, tiny_images(128), epochs=1, batch_size=32, profile=TEST, verbose=0)
    assert history.params["steps"] == 4
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])


def test_a_nan_loss_stops_training_naming_the_loss_epoch_and_step():
    bce = keras.losses.BinaryCrossentropy()
    gan = GAN(build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)))
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), loss_fn=lambda y, p: bce(y, p) * np.nan)
    before = gan.get_weights()
    with pytest.raises(TrainingDivergedError, match=r"the d_loss became nan at epoch 1, step 1\b") as error:
        fit(gan, tiny_images(64), epochs=2, batch_size=32, profile=TEST, verbose=0)
    assert "initial weights" in str(error.value)
    for restored, original in zip(gan.get_weights(), before):
        np.testing.assert_array_equal(restored, original)


# --- value ranges ----------------------------------------------------------------------------------------------


def test_value_range_follows_the_generators_output_activation():
    assert build_dense_gan(8).value_range == (0.0, 1.0)
    tanh_gan = GAN(batchnorm_generator(activation="tanh"), batchnorm_discriminator())
    assert tanh_gan.value_range == (-1.0, 1.0)
    assert GAN(
        batchnorm_generator(activation="sigmoid"), batchnorm_discriminator(), value_range=(-1, 1)
    ).value_range == (-1.0, 1.0)
    with pytest.raises(ValueError, match=r"cannot tell the range.*'linear'.*value_range=\(0, 1\)"):
        GAN(batchnorm_generator(activation="linear"), batchnorm_discriminator())
    allowed = r"\[\(-1.0, 1.0\), \(0.0, 1.0\)\]"
    with pytest.raises(ValueError, match=rf"value_range must be one of {allowed}, got \(0.0, 255.0\)"):
        GAN(batchnorm_generator(), batchnorm_discriminator(), value_range=(0, 255))


@pytest.mark.parametrize("activation, low", [("sigmoid", 0.0), ("tanh", -1.0)])
def test_real_images_are_scaled_to_the_generators_range(activation, low):
    gan = GAN(batchnorm_generator(activation=activation), batchnorm_discriminator())
    raw = np.resize(np.array([0, 51, 255], np.uint8), (2, 28, 28))
    expected = low + (1 - low) * raw.astype("float32") / 255
    scaled = keras.ops.convert_to_numpy(gan.real_images(raw))
    np.testing.assert_allclose(scaled, expected, atol=1e-6)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(gan.real_images(raw.astype("float32") / 255)), expected, atol=1e-6
    )  # the pipeline's [0, 1] floats
    assert scaled.min() == pytest.approx(low) and scaled.max() == pytest.approx(1.0)


def test_phase_one_feeds_the_discriminator_tanh_scaled_real_images():
    spy = LossSpy()
    gan = GAN(batchnorm_generator(activation="tanh"), build_dense_discriminator(units=(8,)))
    gan.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), loss_fn=spy)
    real = tiny_images(4)
    _, real_predictions, _ = gan.discriminator_step(real)
    scaled = real.astype("float32") / 127.5 - 1
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(real_predictions), keras.ops.convert_to_numpy(gan.discriminator(scaled)), rtol=1e-5
    )


def test_generate_returns_repeatable_images_in_the_unit_interval_for_either_range():
    set_seed(0)
    for activation in ("sigmoid", "tanh"):
        gan = GAN(batchnorm_generator(activation=activation), batchnorm_discriminator())
        images = gan.generate(10, seed=5, batch_size=3)
        assert images.shape == (10, 28, 28) and images.dtype == np.float32
        assert images.min() >= 0 and images.max() <= 1
        # Batches of another size may round differently in the last bit (oneDNN picks kernels by shape).
        np.testing.assert_allclose(images, gan.generate(10, seed=5), atol=1e-6)
        assert not np.array_equal(images, gan.generate(10, seed=6))
    raw = keras.ops.convert_to_numpy(gan.generator(np.zeros((1, 8), "float32"), training=False))
    np.testing.assert_allclose(
        generate_from(gan.generator, np.zeros((1, 8)), value_range=(-1, 1)), (raw + 1) / 2, atol=1e-6
    )


# --- bad inputs ------------------------------------------------------------------------------------------------


def test_the_networks_must_fit_together():
    generator, discriminator = build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,))
    with pytest.raises(TypeError, match="must be keras.Model objects, got function and Functional"):
        GAN(lambda z: z, discriminator)
    with pytest.raises(ValueError, match="the generator takes codings of size 8, but codings_size is 30"):
        GAN(generator, discriminator, codings_size=30)
    small = keras.Sequential([keras.Input((14, 14)), keras.layers.Flatten(), keras.layers.Dense(1, "sigmoid")])
    with pytest.raises(ValueError, match=r"makes images of shape \(28, 28\), but the discriminator reads .*\(14, 14\)"):
        GAN(generator, small)
    two = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(2, "sigmoid")])
    with pytest.raises(ValueError, match=r"one probability per image, shape \(batch, 1\), got \(batch, \*\(2,\)\)"):
        GAN(generator, two)
    with pytest.raises(TypeError, match="seed must be an integer or None"):
        GAN(generator, discriminator, seed="7")
    assert GAN(generator, discriminator).codings_size == 8  # read from the generator


def test_compile_and_train_step_reject_bad_settings():
    gan = GAN(build_dense_generator(8, units=(16,)), build_dense_discriminator(units=(16,)))
    with pytest.raises(RuntimeError, match=r"compile the GAN with compile\(d_optimizer, g_optimizer\)"):
        gan.train_step(tiny_images(4))
    with pytest.raises(TypeError, match="g_optimizer must be a keras optimizer, got str"):
        gan.compile(keras.optimizers.Adam(), "adam")
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="its own optimizer"):
        gan.compile(shared, shared)
    with pytest.raises(ValueError, match=r"real_label must be in \(0.5, 1\], got 0.2"):
        gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam(), real_label=0.2)


def test_real_images_of_the_wrong_shape_or_type_are_refused():
    gan = build_dense_gan(8)
    gan.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match=r"real images must be shaped \(batch, \*\(28, 28\)\).*got \(4, 784\)"):
        gan.train_step(np.zeros((4, 784), np.uint8))
    with pytest.raises(TypeError, match="real images must be uint8 or floats in \\[0, 1\\], got dtype int32"):
        gan.train_step(np.zeros((4, 28, 28), np.int32))
    with pytest.raises(ValueError, match=r"real images must be shaped"):
        gan.fit(make_dataset(np.zeros((8, 32, 32), np.uint8), batch_size=4), shuffle=False, verbose=0)


# --- saving ------------------------------------------------------------------------------------------------------


def test_weights_and_config_round_trip(tmp_path):
    set_seed(0)
    gan = build_dense_gan(8, generator_units=(16,), discriminator_units=(16,), seed=4)
    path = tmp_path / "gan.weights.h5"
    gan.save_weights(path)
    copy = build_dense_gan(8, generator_units=(16,), discriminator_units=(16,))
    copy.load_weights(path)
    np.testing.assert_array_equal(copy.generate(3, seed=0), gan.generate(3, seed=0))
    rebuilt = GAN.from_config(gan.get_config())
    assert (rebuilt.codings_size, rebuilt.seed, rebuilt.value_range) == (8, 4, (0.0, 1.0))


# --- recipes, resumable training and the shipped model ---------------------------------------------------------


def test_recipes_make_one_optimizer_per_network():
    from autoaegan.models.dense_gan import GERON_RECIPE, PRETRAINED_RECIPE

    d_optimizer, g_optimizer = PRETRAINED_RECIPE.make_optimizers(total_steps=1000)
    assert isinstance(d_optimizer, keras.optimizers.Adam) and d_optimizer is not g_optimizer
    assert float(d_optimizer.learning_rate) == pytest.approx(PRETRAINED_RECIPE.d_learning_rate)
    assert float(g_optimizer.learning_rate) == pytest.approx(PRETRAINED_RECIPE.g_learning_rate)
    assert float(g_optimizer.beta_1) == pytest.approx(0.5)
    assert isinstance(GERON_RECIPE.make_optimizers()[0], keras.optimizers.RMSprop)
    assert (GERON_RECIPE.batch_size, GERON_RECIPE.real_label) == (32, 1.0)
    with pytest.raises(ValueError, match="optimizer must name a Keras optimizer .* got 'no-such-optimizer'"):
        Recipe(optimizer="no-such-optimizer").make_optimizers()
    with pytest.raises(ValueError, match="schedule must be 'constant' or 'cosine', got 'step'"):
        Recipe(schedule="step").make_optimizers(100)
    with pytest.raises(ValueError, match="a cosine schedule needs the training's total_steps"):
        Recipe(schedule="cosine").make_optimizers()
    d_rate, g_rate = Recipe(schedule="cosine", d_learning_rate=1e-4, g_learning_rate=4e-4).learning_rates(1000)
    assert [float(d_rate(step)) for step in (0, 500, 1000)] == pytest.approx([1e-4, 5e-5, 0.0], abs=1e-9)
    assert float(g_rate(500)) == pytest.approx(2e-4)
    assert Recipe(d_learning_rate=2e-4, g_learning_rate=2e-4).learning_rates() == (2e-4, 2e-4)
    gan = compile_gan(build_dense_gan(8), PRETRAINED_RECIPE, total_steps=100, profile=TEST)
    assert gan.real_label == PRETRAINED_RECIPE.real_label
    assert not gan.jit_compile  # TensorFlow's op determinism (the test profile) rules XLA out


def test_train_dense_gan_resumes_from_its_checkpoints(tmp_path):
    from autoaegan.models.dense_gan import train_dense_gan

    recipe = Recipe(optimizer="adam", learning_rate=2e-4, beta_1=0.5, batch_size=32)
    images = tiny_images(96)
    gan, state = train_dense_gan(
        images, epochs=1, recipe=recipe, codings_size=8, profile=TEST, checkpoint_dir=tmp_path, verbose=0
    )
    assert state.epochs_done == 1 and len(state.seconds_by_epoch) == 1
    assert sorted(state.history) == ["d_fake_accuracy", "d_loss", "d_real_accuracy", "g_loss"]
    assert Checkpoints(tmp_path).epochs() == [1]
    saved = gan.get_weights()
    resumed, state = train_dense_gan(
        images, epochs=1, recipe=recipe, codings_size=8, profile=TEST, checkpoint_dir=tmp_path, verbose=0
    )
    assert state.epochs_done == 1  # nothing left to train: the checkpoint is the result
    for restored, original in zip(resumed.get_weights(), saved, strict=True):
        np.testing.assert_array_equal(restored, original)
    resumed, state = train_dense_gan(
        images, epochs=2, recipe=recipe, codings_size=8, profile=TEST, checkpoint_dir=tmp_path, verbose=0
    )
    assert state.epochs_done == 2 and len(state.history["d_loss"]) == 2
    assert resumed.d_optimizer.iterations.numpy() == 2 * 3  # the optimizers' state was restored, then 3 more steps
    with pytest.raises(ValueError, match="was made with other settings"):
        train_dense_gan(
            images,
            epochs=3,
            recipe=recipe.with_changes(batch_size=16),
            codings_size=8,
            profile=TEST,
            checkpoint_dir=tmp_path,
            verbose=0,
        )
    with pytest.raises(ValueError, match=r"images must be uint8 shaped \(n, 28, 28\), got float64"):
        train_dense_gan(np.zeros((64, 28, 28)), epochs=1, profile=TEST)
    with pytest.raises(ValueError, match="need at least one batch of 32 images, got 10"):
        train_dense_gan(images[:10], epochs=1, recipe=recipe, profile=TEST)


def test_retrain_ships_the_gan_with_its_generated_figures(tmp_path):
    from autoaegan.models.dense_gan import build_pretrained_dense_gan
    from autoaegan.pretrained import CATALOG, PretrainedModel, load_pretrained, retrain

    module = "autoaegan.models.dense_gan"
    entry = PretrainedModel(
        "gan",
        "test",
        build=f"{module}:build_pretrained_dense_gan",
        train=f"{module}:train_pretrained_dense_gan",
        plan=CATALOG["dense_gan"].plan,
    )
    manifest = retrain("gan", profile=TEST, directory=tmp_path, catalog={"gan": entry})
    metrics = manifest.metrics
    generated = metrics["generated"]
    assert generated["n"] == 500 and generated["name"] == "dense GAN"
    for figures in (generated["scores"], generated["floor"]):
        assert {"fd", "kid", "precision", "recall", "coverage"} <= set(figures)
    assert generated["floor"]["fd"] < generated["scores"]["fd"]  # one epoch on 2,000 images is far from real
    assert "real vs real" in metrics["report"]
    assert metrics["parameters"]["generator"] == build_dense_generator().count_params()
    assert len(metrics["history"]["g_loss"]) == 1 and metrics["train_seconds_total"] > 0
    loaded = load_pretrained("gan", directory=tmp_path, catalog={"gan": entry})
    assert isinstance(loaded, GAN) and loaded.value_range == (0.0, 1.0)
    assert build_pretrained_dense_gan().count_params() == loaded.count_params()


def test_the_shipped_dense_gan_was_trained_with_the_pretrained_recipe_whose_generator_is_faster():
    from dataclasses import asdict

    from autoaegan.models.dense_gan import PRETRAINED_RECIPE
    from autoaegan.pretrained import read_manifest

    # Every field the manifest recorded (with the recipe type of its day) has the recipe's value.
    recorded = read_manifest("dense_gan").settings["recipe"]
    assert recorded == {name: asdict(PRETRAINED_RECIPE)[name] for name in recorded}
    # The reverse of the two time-scale update rule (Heusel et al. 2017), as chapter 07 and the recipe's comment say.
    assert PRETRAINED_RECIPE.g_learning_rate == pytest.approx(4 * PRETRAINED_RECIPE.d_learning_rate)


def test_sequential_networks_in_a_model_of_their_own_load_the_shipped_dense_gan():
    """Chapter 07 defines both networks as keras.Sequential inside its own GAN class: they take the shipped weights."""
    from autoaegan.pretrained import load_pretrained, load_shipped_weights

    class Pair(keras.Model):
        def __init__(self, generator, discriminator):
            super().__init__()
            self.generator, self.discriminator = generator, discriminator

    def sequential(*layers):
        return keras.Sequential(list(layers))

    dense = keras.layers.Dense
    pair = Pair(
        sequential(
            keras.Input((CODINGS_SIZE,)),
            dense(100, activation="relu"),
            dense(150, activation="relu"),
            dense(784, activation="sigmoid"),
            keras.layers.Reshape((28, 28)),
        ),
        sequential(
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            dense(150, activation="relu"),
            dense(100, activation="relu"),
            dense(1, activation="sigmoid"),
        ),
    )
    pair.build((None, CODINGS_SIZE))
    load_shipped_weights(pair, "dense_gan")
    shipped = load_pretrained("dense_gan")
    codings = np.random.default_rng(0).normal(size=(4, CODINGS_SIZE)).astype("float32")
    images = keras.ops.convert_to_numpy(shipped.generator(codings))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(pair.generator(codings)), images, atol=1e-6)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(pair.discriminator(images)),
        keras.ops.convert_to_numpy(shipped.discriminator(images)),
        atol=1e-6,
    )
    # A discriminator one layer short does not fit: the error lists what differs.
    short = Pair(pair.generator, sequential(keras.Input((28, 28)), keras.layers.Flatten(), dense(1)))
    short.build((None, CODINGS_SIZE))
    with pytest.raises(ValueError, match="do not fit this model"):
        load_shipped_weights(short, "dense_gan")
