"""The home of long GAN trainings (autoaegan.training): checkpoints, training state, averaging, the work folder."""

from pathlib import Path

import keras
import numpy as np
import pytest

import autoaegan
from autoaegan.latent import sample_codings
from autoaegan.models import dcgan
from autoaegan.training import work_dir as work_dir_module
from autoaegan.training.averaging import averaged_copy, averaged_weights, batchnorm_layers
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.sampling import generate_from, sample_images
from autoaegan.training.training_state import TrainingState
from autoaegan.training.work_dir import work_dir


def values(variables):
    return [np.array(v) for v in variables]


def trained_pair(seed=0, steps=2):
    """The course's DCGAN networks and optimizers (the generator's with a moving average) after a few steps."""
    keras.utils.set_random_seed(seed)
    gan = dcgan.build_dcgan("course", seed=seed)
    gan.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.5))
    images = np.random.default_rng(seed).integers(0, 256, (steps * 8, 28, 28, 1), dtype=np.uint8)
    gan.fit(images, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return gan


def objects_of(gan):
    return {
        "generator": gan.generator,
        "discriminator": gan.discriminator,
        "d_optimizer": gan.d_optimizer,
        "g_optimizer": gan.g_optimizer,
    }


def test_a_stopped_training_resumes_with_the_same_networks_optimizers_averages_and_state(tmp_path):
    gan = trained_pair()
    state = TrainingState(settings={"seed": 0, "recipe": {"channels": (1, 2)}})
    state.record(1, {"d_loss": 0.5, "g_loss": 1.25}, seconds=2.0, cpu_seconds=3.0)
    Checkpoints(tmp_path).save(state, **objects_of(gan))

    fresh = dcgan.build_dcgan("course", seed=5)
    fresh.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.5))
    restored = Checkpoints(tmp_path).restore(**objects_of(fresh))
    assert restored == TrainingState.from_json(state.to_json()) and restored.epochs_done == 1
    for name in ("generator", "discriminator", "d_optimizer", "g_optimizer"):
        saved, loaded = objects_of(gan)[name].variables, objects_of(fresh)[name].variables
        assert len(saved) == len(loaded) > 0
        for a, b in zip(values(saved), values(loaded)):
            np.testing.assert_array_equal(a, b)
    assert int(fresh.g_optimizer.iterations) == 2  # the step count, and so Adam's bias correction, came back
    # The moving average came back inside the optimizer: the averaged weights are the same.
    for a, b in zip(
        averaged_weights(gan.generator, gan.g_optimizer), averaged_weights(fresh.generator, fresh.g_optimizer)
    ):
        np.testing.assert_array_equal(a, b)


def test_checkpoints_list_complete_epochs_and_refuse_what_does_not_fit(tmp_path):
    checkpoints = Checkpoints(tmp_path / "run")
    assert checkpoints.epochs() == [] and checkpoints.latest() is None and checkpoints.state() == TrainingState()
    gan = trained_pair(steps=1)
    for epoch in (1, 2):
        checkpoints.save(TrainingState(epochs_done=epoch, settings={"seed": 1}), **objects_of(gan))
    assert checkpoints.epochs() == [1, 2] and checkpoints.state(1).epochs_done == 1
    checkpoints.check_settings({"seed": 1})
    with pytest.raises(ValueError, match="was made with other settings"):
        checkpoints.check_settings({"seed": 2})
    with pytest.raises(FileNotFoundError, match="no complete checkpoint for epoch 3"):
        checkpoints.restore(3, generator=gan.generator)
    with pytest.raises(ValueError, match="does not fit .*another architecture"):
        checkpoints.restore(generator=dcgan.build_geron_discriminator())
    with pytest.raises(ValueError, match="state.epochs_done must be a positive integer, got 0"):
        checkpoints.save(TrainingState(), generator=gan.generator)


def test_a_diverged_epoch_is_refused_before_it_is_recorded():
    state = TrainingState(epochs_done=3)
    with pytest.raises(RuntimeError, match=r"diverged \(\{'g_loss': nan\}\) in epoch 4.*last checkpoint is kept"):
        state.record(4, {"d_loss": 0.7, "g_loss": float("nan")}, seconds=1.0, cpu_seconds=1.0)
    assert state.epochs_done == 3 and state.history == {}


def test_the_average_comes_from_the_optimizer_and_leaves_the_live_weights_alone():
    gan = trained_pair()
    live = values(gan.generator.weights)
    averaged = averaged_copy(gan.generator, gan.g_optimizer)
    for a, b in zip(live, values(gan.generator.weights)):
        np.testing.assert_array_equal(a, b)
    # Momentum 0.5 over 2 steps: the average lags the live weights.
    assert any(not np.allclose(a, b) for a, b in zip(live, values(averaged.weights)))
    assert len(batchnorm_layers(gan.generator)) == 2
    plain = dcgan.build_dcgan("course")
    plain.compile(keras.optimizers.Adam(), keras.optimizers.Adam())
    with pytest.raises(ValueError, match="keeps no moving average"):
        averaged_weights(plain.generator, plain.g_optimizer)


def test_generated_images_come_back_in_unit_range_whatever_the_generator_makes():
    generator = dcgan.build_dcgan_generator()
    codings = sample_codings(3, dcgan.CODINGS_SIZE, seed=4)
    raw = np.asarray(generator(codings, training=False))
    images = generate_from(generator, codings, value_range=(-1, 1), batch_size=2)
    np.testing.assert_allclose(images, (raw + 1) / 2, atol=1e-6)
    np.testing.assert_array_equal(sample_images(generator, 3, seed=4, value_range=(-1, 1), batch_size=2), images)
    with pytest.raises(ValueError, match=r"value_range must be one of"):
        generate_from(generator, codings, value_range=(0, 255))


def test_the_work_folder_is_the_users_cache_or_autoaegan_work(monkeypatch, tmp_path):
    monkeypatch.delenv(work_dir_module.WORK_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert work_dir("dcgan", "course") == tmp_path / "cache" / "autoaegan" / "dcgan" / "course"
    monkeypatch.delenv("XDG_CACHE_HOME")
    default = work_dir()
    assert default == Path.home() / ".cache" / "autoaegan"
    package = Path(autoaegan.__file__).resolve().parent
    assert package not in default.resolve().parents and package.parent not in default.resolve().parents
    monkeypatch.setenv(work_dir_module.WORK_VARIABLE, str(tmp_path / "work"))
    assert work_dir("progan") == tmp_path / "work" / "progan"
