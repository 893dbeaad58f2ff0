"""Training autoencoder families the same way, to compare them: parameters, validation loss, time per epoch.

Every family is trained the same way: the course's `train` with one recipe, the MSE on pixels in [0, 1], the
same images and the same seed. An epoch's time counts the training steps only (not the validation pass), and the
first epoch, which also traces and compiles the model, is left out of the average when there are others. The
shipped pretrained models of chapter 04 are trained through the same path.

The families come in as builders (functions returning an uncompiled model), so this module imports no model:
`autoaegan.models.comparison.family_builders` gives chapter 04's three.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.data import fashion_mnist
from autoaegan.pixels import uint8_to_unit
from autoaegan.plans import Recipe
from autoaegan.pretrained.catalog import TrainedModel
from autoaegan.profiles import Profile
from autoaegan.seeding import set_seed
from autoaegan.training.fitting import EpochTimer, train


@dataclass(frozen=True)
class FamilyResult:
    """What one family reached: its size, its final losses and how long an epoch took."""

    name: str
    parameters: int
    valid_mse: float
    train_mse: float
    epochs: int
    train_images: int
    seconds_per_epoch: float
    first_epoch_seconds: float

    @property
    def images_per_second(self) -> float:
        """Training images processed per second, over the epochs that `seconds_per_epoch` averages."""
        return self.train_images / self.seconds_per_epoch


def _image_array(images, name: str) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"{name} must be images shaped (n, height, width), got shape {images.shape}")
    if len(images) == 0:
        raise ValueError(f"{name} is empty: expected at least one image")
    return images


def reconstruction_mse(model: keras.Model, images, *, batch_size: int = 1_000) -> float:
    """The mean squared error of `model`'s reconstructions of uint8 `images` (pixels scaled to [0, 1]).

    Works on a model that is not compiled (such as a freshly loaded pretrained one),
    and converts `batch_size` images at a time, so a float copy of all of them is never made.
    """
    images = _image_array(images, "images")
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (0-255), got dtype {images.dtype}")
    total = 0.0
    for start in range(0, len(images), batch_size):
        batch = uint8_to_unit(images[start : start + batch_size])
        reconstructions = np.asarray(model.predict(batch, batch_size=len(batch), verbose=0))
        if reconstructions.shape != batch.shape:
            raise ValueError(f"the model's reconstructions have shape {reconstructions.shape}, expected {batch.shape}")
        total += float(np.sum((reconstructions - batch) ** 2, dtype=np.float64))
    return total / images.size


def family_result(
    name: str, model: keras.Model, history: keras.callbacks.History, timer: EpochTimer, train_images: int
) -> FamilyResult:
    """The `FamilyResult` of a model a chapter trained itself with `fit(..., callbacks=[timer])` (MSE loss).

    The first epoch, which also traces the model, is left out of the time per epoch when there are others.
    """
    if not timer.seconds:
        raise ValueError("the timer recorded no epoch: pass it to fit() in callbacks=[timer]")
    if "val_loss" not in history.history:
        raise ValueError("the history has no val_loss: train with validation_data")
    after_first = timer.seconds[1:] or timer.seconds
    return FamilyResult(
        name=name,
        parameters=int(model.count_params()),
        valid_mse=float(history.history["val_loss"][-1]),
        train_mse=float(history.history["loss"][-1]),
        epochs=len(history.history["loss"]),
        train_images=int(train_images),
        seconds_per_epoch=float(np.mean(after_first)),
        first_epoch_seconds=float(timer.seconds[0]),
    )


def train_family(
    name: str,
    model: keras.Model,
    x_train,
    x_valid,
    *,
    epochs: int,
    recipe: Recipe,
    profile: Profile,
    verbose=0,
) -> tuple[FamilyResult, keras.callbacks.History]:
    """Train `model` as an autoencoder (MSE) on `x_train` with `recipe`; return its `FamilyResult` and history."""
    x_train, x_valid = _image_array(x_train, "x_train"), _image_array(x_valid, "x_valid")
    epochs = positive_int(epochs, "epochs")
    timer = EpochTimer()
    history = train(
        model,
        x_train,
        loss="mse",
        epochs=epochs,
        recipe=recipe,
        validation_data=x_valid,
        profile=profile,
        verbose=verbose,
        callbacks=[timer],
    )
    return family_result(name, model, history, timer, len(x_train)), history


@contextmanager
def _quiet_tensorflow_warnings() -> Iterator[None]:
    # Each family traces its own training functions, which TensorFlow reports as "excessive retracing":
    # expected here, and noise in a notebook.
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def compare_families(
    builders: Mapping[str, Callable[[], keras.Model]],
    x_train,
    x_valid,
    *,
    epochs: int,
    recipe: Recipe,
    profile: Profile,
    verbose=0,
) -> list[FamilyResult]:
    """Build and train each family the same way (same seed, data, recipe and epochs); one `FamilyResult` each.

    `builders` maps a family's name to a function returning its (uncompiled) autoencoder,
    such as `autoaegan.models.comparison.family_builders()`.
    """
    if not builders:
        raise ValueError("builders is empty: expected at least one family, e.g. family_builders()")
    results = []
    with _quiet_tensorflow_warnings():
        for name, build in builders.items():
            set_seed(profile=profile)  # every family starts from the same random state
            model = build()
            if not isinstance(model, keras.Model):
                raise TypeError(f"the builder of {name!r} must return a keras.Model, got {type(model).__name__}")
            results.append(
                train_family(
                    name, model, x_train, x_valid, epochs=epochs, recipe=recipe, profile=profile, verbose=verbose
                )[0]
            )
    return results


def train_pretrained_family(
    name: str, build: Callable[[], keras.Model], profile: Profile, *, epochs: int, recipe: Recipe
) -> TrainedModel:
    """Train a shipped family on Fashion-MNIST (the profile's subsets) and return a `TrainedModel` for the catalogue."""
    data = fashion_mnist.load_fashion_mnist()  # looked up at call time, so that a test can stand in for it
    x_train, x_valid = profile.subset(data.train_images, "train"), profile.subset(data.valid_images, "valid")
    set_seed(profile=profile)
    model = build()
    result, history = train_family(
        name, model, x_train, x_valid, epochs=epochs, recipe=recipe, profile=profile, verbose=2
    )
    settings = {
        "data": f"Fashion-MNIST: {len(x_train):,} training and {len(x_valid):,} validation images, scaled to [0, 1]",
        "loss": "mse",
        "epochs": epochs,
        "recipe": asdict(recipe),
        "seed": profile.seed,
    }
    metrics = {
        "valid_mse": result.valid_mse,
        "train_mse": result.train_mse,
        "valid_mse_by_epoch": [round(float(v), 6) for v in history.history["val_loss"]],
        "parameters": result.parameters,
        "seconds_per_epoch": round(result.seconds_per_epoch, 1),
    }
    shipped = build()  # a fresh, uncompiled copy: its weights file then holds no optimizer state
    shipped.set_weights(model.get_weights())
    return TrainedModel(model=shipped, settings=settings, metrics=metrics)
