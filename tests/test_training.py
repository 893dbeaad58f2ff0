"""The uint8 tf.data pipeline and the shared training helper with its NaN guard."""

import keras
import numpy as np
import pytest

from autoaegan.data.pipeline import make_dataset
from autoaegan.plans import Recipe
from autoaegan.profiles import PROFILES
from autoaegan.seeding import set_seed
from autoaegan.training.fitting import TrainingDivergedError, fit, train

TEST = PROFILES["test"]


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, size=(300, 28, 28), dtype=np.uint8)


def small_autoencoder(output_activation="sigmoid"):
    set_seed(1, profile=TEST)
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(8),
            keras.layers.Dense(784, activation=output_activation),
            keras.layers.Reshape((28, 28)),
        ]
    )
    return model


def test_pipeline_scales_uint8_batches_and_keeps_labels(images):
    labels = np.arange(300, dtype=np.uint8) % 10
    x, y = next(iter(make_dataset(images, labels, batch_size=32)))
    assert x.dtype.name == "float32" and x.shape == (32, 28, 28)
    np.testing.assert_allclose(x.numpy(), images[:32] / 255.0, atol=1e-7)
    assert y.dtype.name == "uint8"
    np.testing.assert_array_equal(y.numpy(), labels[:32])


def test_pipeline_reconstruct_pairs_and_last_partial_batch(images):
    batches = list(make_dataset(images, batch_size=128, reconstruct=True))
    assert [len(b[0]) for b in batches] == [128, 128, 44]
    np.testing.assert_array_equal(batches[0][0].numpy(), batches[0][1].numpy())


def test_pipeline_shuffle_is_seeded_and_covers_every_example(images):
    def order(seed):
        indices = np.arange(300, dtype=np.int64)
        return np.concatenate(
            [b.numpy() for b in make_dataset(indices.reshape(-1, 1), batch_size=64, shuffle=True, seed=seed)]
        )

    first, again = order(5), order(5)
    np.testing.assert_array_equal(first, again)
    assert sorted(first.ravel().tolist()) == list(range(300))
    assert first.ravel().tolist() != list(range(300))


def test_pipeline_rejects_bad_input(images):
    with pytest.raises(ValueError, match="same number of examples, got 300 and 10"):
        make_dataset(images, np.zeros(10), batch_size=8)
    with pytest.raises(ValueError, match="NaN or infinite"):
        make_dataset(np.array([[0.0, np.nan]]), batch_size=1)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        make_dataset(images, batch_size=0)


def test_fit_trains_an_autoencoder_on_uint8_images(images):
    model = small_autoencoder()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    history = fit(model, images, validation_data=images[:64], epochs=3, batch_size=50, profile=TEST, verbose=0)
    assert len(history.history["loss"]) == 3 and "val_loss" in history.history
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_uses_the_profile_defaults(images):
    model = small_autoencoder()
    model.compile(optimizer="adam", loss="mse")
    history = fit(model, images, profile=TEST, verbose=0)
    assert len(history.history["loss"]) == TEST.epochs
    assert history.params["steps"] == int(np.ceil(300 / TEST.batch_size))


def test_fit_explains_a_shape_mismatch(images):
    model = small_autoencoder()
    model.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match=r"expected examples of shape \(28, 28\).*got an array of shape \(300, 784\)"):
        fit(model, images.reshape(300, 784), profile=TEST, verbose=0)


def test_fit_requires_a_compiled_model(images):
    with pytest.raises(RuntimeError, match="not compiled"):
        fit(small_autoencoder(), images, profile=TEST, verbose=0)


def test_nan_guard_names_epoch_and_step_and_restores_weights(images):
    model = small_autoencoder(output_activation=None)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=50.0), loss="mse")
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(TrainingDivergedError, match=r"the loss became (nan|inf) at epoch 1, step \d+") as error:
        fit(model, images, epochs=3, batch_size=10, profile=TEST, verbose=0)
    assert "initial weights" in str(error.value)
    for restored, original in zip(model.get_weights(), before):
        np.testing.assert_array_equal(restored, original)


def test_cosine_recipe_warms_up_then_decays_to_the_final_fraction():
    recipe = Recipe(learning_rate=1e-2, schedule="cosine", warmup_fraction=0.1, final_fraction=0.0)
    schedule = recipe.learning_rate_schedule(1000)
    rates = [float(schedule(step)) for step in (0, 50, 100, 550, 1000)]
    assert rates[0] == pytest.approx(1e-4, rel=1e-3)
    assert rates[0] < rates[1] < rates[2] == pytest.approx(1e-2, rel=1e-3)
    assert rates[3] == pytest.approx(5e-3, rel=1e-2)
    assert rates[4] == pytest.approx(0.0, abs=1e-7)
    assert Recipe(learning_rate=3e-3).learning_rate_schedule(1000) == 3e-3
    with pytest.raises(ValueError, match="schedule must be 'constant' or 'cosine'"):
        Recipe(schedule="step").learning_rate_schedule(10)


def test_train_compiles_from_the_recipe_and_spans_the_epochs(images):
    recipe = Recipe(optimizer="adam", learning_rate=1e-2, batch_size=50, schedule="cosine", steps_per_execution=2)
    model = small_autoencoder()
    history = train(model, images, loss="mse", epochs=2, recipe=recipe, profile=TEST, verbose=0)
    assert len(history.history["loss"]) == 2
    assert type(model.optimizer).__name__ == "Adam"
    assert int(model.optimizer.iterations) == 2 * 6
    # the schedule ends at zero exactly when training ends
    assert float(model.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-7)
