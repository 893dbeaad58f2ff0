"""Checks that the chapter-04 autoencoders share: data for quick trainings, a short training, a catalogue round trip."""

from dataclasses import asdict
from types import SimpleNamespace

import keras
import numpy as np
import pytest

from autoaegan.pretrained import PretrainedModel, load_pretrained, retrain
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import PROFILES
from autoaegan.training.fitting import train

QUICK = FAST_RECIPE.with_changes(batch_size=32, jit_compile=False, steps_per_execution=1)


def tiny_images(n, seed=0):
    """Blurry random blobs, uint8 28×28: structured enough for an autoencoder to learn something quickly."""
    rng = np.random.default_rng(seed)
    rows, cols = rng.random((n, 28, 1)), rng.random((n, 1, 28))
    return (255 * (rows * cols) ** 2).astype(np.uint8)


def reconstruction_mse(autoencoder, images) -> float:
    """The MSE of `autoencoder` on uint8 `images`, in [0, 1] units."""
    scaled = images.astype(np.float32) / 255
    return float(np.mean((autoencoder.predict(scaled, verbose=0) - scaled) ** 2))


def assert_a_short_training_lowers_the_loss(autoencoder) -> None:
    """Five quick epochs on 256 blobs must cut the reconstruction error by at least a fifth."""
    keras.utils.set_random_seed(1)
    images = tiny_images(256)
    before = reconstruction_mse(autoencoder, images)
    history = train(autoencoder, images, loss="mse", epochs=5, recipe=QUICK, profile=PROFILES["test"], verbose=0)
    after = reconstruction_mse(autoencoder, images)
    assert after < 0.8 * before, (before, after)
    assert history.history["loss"][-1] < history.history["loss"][0]


def round_trip_through_the_catalogue(
    module: str, build: str, trainer: str, *, recipe, train_images: int, tmp_path, monkeypatch
):
    """Retrain `module`'s shipped model on blobs in the test profile, reload it, and check the manifest's figure.

    Returns `(manifest, loaded_model)` for the model-specific checks.
    """
    data = SimpleNamespace(train_images=tiny_images(train_images), valid_images=tiny_images(32, seed=1))
    monkeypatch.setattr("autoaegan.data.fashion_mnist.load_fashion_mnist", lambda: data)
    entry = PretrainedModel("model", "test", build=f"{module}:{build}", train=f"{module}:{trainer}")
    manifest = retrain("model", profile=PROFILES["test"], directory=tmp_path, catalog={"model": entry})
    assert manifest.settings["epochs"] == 1 and manifest.settings["recipe"] == asdict(recipe)
    loaded = load_pretrained("model", directory=tmp_path, catalog={"model": entry})
    assert reconstruction_mse(loaded, data.valid_images) == pytest.approx(manifest.metrics["valid_mse"], rel=1e-3)
    return manifest, loaded
