"""Chapter 09's DCGANs: builders, Géron's loop, the shared train step, checkpoints, averaged weights, cost."""

import keras
import numpy as np
import pytest

from autoaegan.metrics import flops as flop_counts
from autoaegan.models import dcgan
from autoaegan.models.gan import GAN
from autoaegan.pixels import uint8_to_signed
from autoaegan.profiles import get_profile
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.gan_recipe import compile_gan


def weights_of(model):
    return [np.array(w) for w in model.weights]


def changed(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


@pytest.fixture(scope="module")
def images():
    from autoaegan.data.fashion_mnist import load_fashion_mnist

    return load_fashion_mnist().train_images[:256]


@pytest.mark.parametrize("kind", sorted(dcgan.ARCHITECTURES))
def test_generators_make_tanh_images_and_discriminators_probabilities(kind):
    build_generator, build_discriminator = dcgan.ARCHITECTURES[kind]
    generator, discriminator = build_generator(), build_discriminator()
    codings = np.random.default_rng(0).standard_normal((5, dcgan.CODINGS_SIZE)).astype(np.float32)
    made = np.asarray(generator(codings, training=False))
    assert made.shape == (5, 28, 28, 1) and made.min() >= -1 and made.max() <= 1
    verdict = np.asarray(discriminator(made, training=False))
    assert verdict.shape == (5, 1) and ((verdict > 0) & (verdict < 1)).all()
    with pytest.raises(ValueError, match="codings_size must be a positive integer"):
        build_generator(0)


def test_gerons_dcgan_is_his_architecture():
    g, d = dcgan.build_geron_generator(), dcgan.build_geron_discriminator()
    L = keras.layers
    assert [type(layer) for layer in g.layers] == [
        L.Dense,
        L.Reshape,
        L.BatchNormalization,
        L.Conv2DTranspose,
        L.BatchNormalization,
        L.Conv2DTranspose,
    ]
    assert g.layers[0].units == 7 * 7 * 128 and g.layers[0].activation.__name__ == "linear"
    assert [(c.filters, c.kernel_size, c.strides, c.padding, c.activation.__name__) for c in g.layers[3::2]] == [
        (64, (5, 5), (2, 2), "same", "relu"),
        (1, (5, 5), (2, 2), "same", "tanh"),
    ]
    assert [type(layer) for layer in d.layers] == [L.Conv2D, L.Dropout, L.Conv2D, L.Dropout, L.Flatten, L.Dense]
    for conv, filters in zip(d.layers[0:4:2], (64, 128)):
        assert (conv.filters, conv.kernel_size, conv.strides, conv.padding) == (filters, (5, 5), (2, 2), "same")
        assert isinstance(conv.activation, L.LeakyReLU) and conv.activation.negative_slope == pytest.approx(0.2)
    assert [layer.rate for layer in d.layers[1:4:2]] == [0.4, 0.4]
    assert d.layers[-1].units == 1 and d.layers[-1].activation.__name__ == "sigmoid"


def test_the_course_dcgan_trains_with_the_shared_gan_step(images):
    gan = dcgan.build_dcgan("course", seed=1)
    assert isinstance(gan, GAN) and gan.value_range == (-1.0, 1.0) and gan.codings_size == dcgan.CODINGS_SIZE
    recipe = dcgan.COURSE_RECIPE
    compile_gan(gan, recipe, profile=get_profile("test"))
    g_before, d_before = weights_of(gan.generator), weights_of(gan.discriminator)
    history = gan.fit(dcgan.real_dataset(images[:128], batch_size=recipe.batch_size, seed=0), epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real_accuracy", "d_fake_accuracy"}
    assert np.isfinite(history.history["d_loss"]).all() and np.isfinite(history.history["g_loss"]).all()
    assert all(changed(g_before, weights_of(gan.generator))[:2])  # the projection's kernel, then BN
    assert any(changed(d_before, weights_of(gan.discriminator)))
    assert gan.g_optimizer.use_ema and not gan.d_optimizer.use_ema


def test_real_dataset_batches_images_for_the_gan(images):
    batches = list(dcgan.real_dataset(images[:100], batch_size=32, seed=0))
    assert len(batches) == 3  # the incomplete last batch is dropped: one shape, one XLA compilation
    batch = np.asarray(batches[0])
    assert batch.shape == (32, 28, 28, 1) and batch.dtype == np.float32 and 0 <= batch.min() and batch.max() <= 1
    with pytest.raises(ValueError, match="uint8 shaped"):
        dcgan.real_dataset(images.astype(np.float32), batch_size=32, seed=0)
    with pytest.raises(ValueError, match="at least one batch of 64"):
        dcgan.real_dataset(images[:10], batch_size=64, seed=0)


def test_the_dcgan_pixels_follow_the_one_convention(images):
    # The reference's batches are the uint8 images in tanh's [-1, 1]; generated images come back in [0, 1].
    batch = np.asarray(next(iter(dcgan.tanh_dataset(images[:32], batch_size=32, seed=0))))
    assert batch.shape == (32, 28, 28, 1) and batch.min() == -1 and batch.max() == 1
    np.testing.assert_allclose(np.sort(batch.ravel()), np.sort(uint8_to_signed(images[:32]).ravel()), atol=1e-6)
    generated = dcgan.generate(dcgan.build_dcgan_generator(), 3, seed=0)
    assert generated.shape == (3, 28, 28) and 0 <= generated.min() and generated.max() <= 1
    with pytest.raises(ValueError, match="uint8"):
        dcgan.tanh_dataset(images.astype(float), batch_size=32, seed=0)


def test_gerons_loop_trains_one_network_per_phase(images):
    g, d = dcgan.build_geron_generator(), dcgan.build_geron_discriminator()
    loop = dcgan.GeronReferenceTraining(g, d, seed=0)
    real = next(iter(dcgan.tanh_dataset(images, batch_size=32, seed=0)))
    assert real.shape == (32, 28, 28, 1) and float(np.min(real)) >= -1

    g0, d0 = weights_of(g), weights_of(d)
    loop.discriminator_phase(real)
    g1, d1 = weights_of(g), weights_of(d)
    assert not any(changed(g0, g1))  # his generator(noise) call is in inference mode: not even BN statistics move
    assert all(changed(d0, d1))
    loop.generator_phase(32)
    g2, d2 = weights_of(g), weights_of(d)
    assert not any(changed(d1, d2))  # trainable toggled off: the discriminator is frozen in phase two
    assert all(changed(g1, g2))
    # A second round: the functions traced in the first keep their weights, the toggling still holds.
    d_loss, g_loss = loop.train_batch(real)
    assert np.isfinite([d_loss, g_loss]).all()
    assert all(changed(d2, weights_of(d)))


def test_reference_training_checkpoints_and_resumes(images, tmp_path):
    state = dcgan.train_reference(images[:64], epochs=1, directory=tmp_path, seed=3, log_every=0)
    assert state.epochs_done == 1 and len(state.history["d_loss"]) == 1 and state.train_seconds > 0
    state = dcgan.train_reference(images[:64], epochs=2, directory=tmp_path, seed=3, log_every=0)
    assert state.epochs_done == 2 and len(state.seconds_by_epoch) == 2 and len(state.history["g_loss"]) == 2
    assert Checkpoints(tmp_path).epochs() == [1, 2]
    saved = Checkpoints(tmp_path).state(2)
    assert saved.settings["batch_size"] == 32 and saved.settings["optimizer"]["class_name"] == "rmsprop"
    # The optimizers' state resumes too: 2 epochs of 2 steps each.
    g, d = dcgan.build_geron_generator(), dcgan.build_geron_discriminator()
    loop = dcgan.GeronReferenceTraining(g, d)
    loop.build_optimizers()
    Checkpoints(tmp_path).restore(
        generator=g, discriminator=d, d_optimizer=loop.d_optimizer, g_optimizer=loop.g_optimizer
    )
    assert int(loop.d_optimizer.iterations) == 4 and int(loop.g_optimizer.iterations) == 4


def test_course_training_resumes_from_its_last_complete_checkpoint(images, tmp_path):
    profile = get_profile("test")
    gan, history, state = dcgan.train_course(images[:128], epochs=1, directory=tmp_path, profile=profile, verbose=0)
    assert state.epochs_done == 1 and Checkpoints(tmp_path).epochs() == [1]
    averaged = dcgan.build_dcgan_generator()
    Checkpoints(tmp_path).restore(1, averaged_generator=averaged)
    for loaded, saved in zip(averaged.get_weights(), dcgan.averaged_generator(gan).get_weights()):
        np.testing.assert_array_equal(loaded, saved)
    # Checkpoint files that the manager's list does not name yet (a run killed while saving) are ignored.
    (tmp_path / "epoch-2.index").write_bytes(b"")
    gan, history, state = dcgan.train_course(images[:128], epochs=2, directory=tmp_path, profile=profile, verbose=0)
    assert state.epochs_done == 2 and len(state.history["d_loss"]) == 2 and len(state.seconds_by_epoch) == 2
    assert history.epoch == [1]  # only the missing epoch ran
    steps_per_epoch = 128 // dcgan.COURSE_RECIPE.batch_size
    assert int(gan.g_optimizer.iterations) == 2 * steps_per_epoch  # one epoch's steps restored, one epoch's trained
    # Nothing left to do: no training, the same state.
    _, history, state = dcgan.train_course(images[:128], epochs=2, directory=tmp_path, profile=profile, verbose=0)
    assert history is None and state.epochs_done == 2
    with pytest.raises(FileNotFoundError, match="epoch 7"):
        Checkpoints(tmp_path).restore(7, generator=dcgan.build_dcgan_generator())


def test_the_averaged_generator_is_the_optimizers_average_with_recalibrated_batchnorm(images):
    gan, _, _ = dcgan.train_course(images[:128], epochs=1, directory=False, profile=get_profile("test"), verbose=0)
    averaged = dcgan.averaged_generator(gan, recalibrate=False)
    live = weights_of(gan.generator)
    gan.g_optimizer.finalize_variable_values(gan.generator.trainable_variables)  # the average, through Keras
    for variable, average in zip(averaged.trainable_variables, gan.generator.trainable_variables):
        np.testing.assert_array_equal(np.asarray(variable), np.asarray(average))
    assert any(changed(live[:1], weights_of(averaged)[:1]))
    # Recalibrated: the moving statistics are those of a batch of codings, so inference mode on that batch
    # reproduces training mode.
    from autoaegan.latent import sample_codings

    dcgan.recalibrate_batchnorm(averaged, n=512, seed=5)
    codings = sample_codings(512, dcgan.CODINGS_SIZE, seed=5)
    np.testing.assert_allclose(
        np.asarray(averaged(codings, training=False)), np.asarray(averaged(codings, training=True)), atol=2e-3
    )
    assert all(
        layer.momentum == 0.99 for layer in averaged.layers if isinstance(layer, keras.layers.BatchNormalization)
    )
    plain = dcgan.build_dcgan("course")
    compile_gan(plain, dcgan.COURSE_RECIPE.with_changes(g_ema_momentum=None), profile=get_profile("test"))
    with pytest.raises(ValueError, match="keeps no moving average"):
        dcgan.averaged_generator(plain)


def test_the_cost_of_a_training_step_comes_from_the_layer_shapes():
    g, d = dcgan.build_geron_generator(), dcgan.build_geron_discriminator()
    projection = 100 * 7 * 7 * 128
    up1, up2 = 7 * 7 * 128 * 5 * 5 * 64, 14 * 14 * 64 * 5 * 5 * 1  # input pixels × kernel area × in × out
    down1, down2, out = 14 * 14 * 5 * 5 * 1 * 64, 7 * 7 * 5 * 5 * 64 * 128, 7 * 7 * 128  # output pixels × ...
    assert [c for _, c in flop_counts.forward_macs(g)] == [projection, up1, up2]
    assert [c for _, c in flop_counts.forward_macs(d)] == [down1, down2, out]
    G, D = projection + up1 + up2, down1 + down2 + out
    flops = flop_counts.training_flops_per_image(g, d)
    assert flops == 2 * (4 * G + 8 * D - 2 * down1 - projection)
    assert 0.24e9 < flops < 0.27e9  # the "about 0.27 GFLOP", which also counts the element-wise work
    # The course's DCGAN has the same shapes, so the same cost.
    assert (
        flop_counts.training_flops_per_image(dcgan.build_dcgan_generator(), dcgan.build_dcgan_discriminator()) == flops
    )
    # A stride-1 'valid' convolution: output pixels × kernel.
    toy = keras.Sequential([keras.Input((10, 10, 3)), keras.layers.Conv2D(4, 3)])
    assert flop_counts.forward_macs(toy)[0][1] == 8 * 8 * 3 * 3 * 3 * 4
    with pytest.raises(ValueError, match="at least one Dense layer or convolution"):
        flop_counts.training_flops_per_image(keras.Sequential([keras.Input((3,)), keras.layers.ReLU()]), d)


def test_each_layer_does_its_networks_passes_less_the_first_layers_unneeded_input_gradients():
    assert flop_counts.layer_passes("generator", 3) == [3, 4, 4]
    assert flop_counts.layer_passes("discriminator", 2) == [6, 8]
    assert flop_counts.layer_passes("discriminator", 1) == [6]
    with pytest.raises(ValueError, match="network must be one of .*got 'critic'"):
        flop_counts.layer_passes("critic", 2)


def test_the_pretrained_trainer_returns_the_averaged_generator_and_its_figures():
    trained = dcgan.train_pretrained_dcgan(get_profile("test"))
    assert isinstance(trained.model, keras.Sequential) and trained.model.name == "dcgan_generator"
    quality = trained.metrics["quality"]
    assert quality["sample_seeds"] == [1, 2, 3] and quality["n"] == 500 and len(quality["runs"]) == 3
    assert quality["mean"]["fd"] > quality["floor"]["fd"] > 0  # an epoch of 31 steps is far from real images
    assert trained.settings["epochs"] == 1 and "moving average" in trained.settings["shipped_weights"]
    images = dcgan.generate(trained.model, 4, seed=0)
    assert images.shape == (4, 28, 28) and 0 <= images.min() and images.max() <= 1
