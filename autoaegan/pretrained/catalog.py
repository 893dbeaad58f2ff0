"""The catalogue of pretrained models: how to build each one and how to retrain it.

Builders and trainers are named as "module:function" strings and imported only
when used, so that reading the catalogue imports no model code.
"""

from __future__ import annotations

import importlib
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autoaegan.pretrained.store import Manifest, save_pretrained, verified_weights_path
from autoaegan.profiles import Profile, get_profile


@dataclass(frozen=True)
class PretrainedModel:
    """A catalogue entry: `build()` makes the untrained architecture, `train(profile)` a `TrainedModel`."""

    name: str
    description: str
    build: str
    train: str


@dataclass
class TrainedModel:
    """What a trainer returns: the trained model, the settings it used and the figures it reached."""

    model: object
    settings: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


CATALOG: dict[str, PretrainedModel] = {
    entry.name: entry
    for entry in (
        PretrainedModel(
            name="pca_linear_autoencoder",
            description="chapter 02: the linear 3→2→3 autoencoder trained on the seeded 3-D dataset",
            build="autoaegan.models.linear_autoencoder:build_pretrained_architecture",
            train="autoaegan.models.linear_autoencoder:train_pretrained",
        ),
        PretrainedModel(
            name="convolutional_autoencoder",
            description="chapter 04: Géron's convolutional autoencoder (30-D code) trained on Fashion-MNIST",
            build="autoaegan.models.convolutional:build_pretrained_convolutional",
            train="autoaegan.models.convolutional:train_pretrained_convolutional",
        ),
        PretrainedModel(
            name="recurrent_autoencoder",
            description="chapter 04: Géron's recurrent (LSTM) autoencoder (30-D code) trained on Fashion-MNIST rows",
            build="autoaegan.models.recurrent:build_pretrained_recurrent",
            train="autoaegan.models.recurrent:train_pretrained_recurrent",
        ),
        PretrainedModel(
            name="variational_autoencoder",
            description="chapter 06: Géron's variational autoencoder (150-100 relu, latent 10) trained on Fashion-MNIST",
            build="autoaegan.models.variational:build_pretrained_vae",
            train="autoaegan.models.variational:train_pretrained_vae",
        ),
        PretrainedModel(
            name="variational_autoencoder_2d",
            description="chapter 06: the same variational autoencoder with a 2-D latent space, for the latent-plane figures",
            build="autoaegan.models.variational:build_pretrained_vae_2d",
            train="autoaegan.models.variational:train_pretrained_vae_2d",
        ),
        PretrainedModel(
            name="dense_gan",
            description="chapter 07: Géron's dense GAN (codings 30, generator 100-150, discriminator 150-100) "
            "trained on Fashion-MNIST",
            build="autoaegan.models.gan:build_pretrained_dense_gan",
            train="autoaegan.models.gan:train_pretrained_dense_gan",
        ),
        PretrainedModel(
            name="fashion_classifier",
            description="chapters 07-09: the Fashion-MNIST CNN whose 128-D 'features' layer the generative metrics use",
            build="autoaegan.models.classifier:build_fashion_classifier",
            train="autoaegan.models.classifier:train_fashion_classifier",
        ),
        PretrainedModel(
            name="dcgan",
            description="chapter 09: the course's DCGAN generator (every DCGAN guideline; averaged weights), "
            "codings 100 → 28×28 images in [-1, 1]",
            build="autoaegan.models.dcgan:build_pretrained_dcgan",
            train="autoaegan.models.dcgan:train_pretrained_dcgan",
        ),
        PretrainedModel(
            name="progan",
            description="chapter 10: the progressive GAN's generator grown 4×4 → 32×32 (equalized learning rate, "
            "pixel norm; averaged weights), codings 128 → 32×32 images in [-1, 1]",
            build="autoaegan.models.progressive_training:build_pretrained_progan",
            train="autoaegan.models.progressive_training:train_pretrained_progan",
        ),
        PretrainedModel(
            name="stylegan",
            description="chapter 11: the StyleGAN generator (mapping network, AdaIN, noise, mixing "
            "regularization; averaged weights), codings 128 → 32×32 images in [-1, 1]",
            build="autoaegan.models.progressive_training:build_pretrained_stylegan",
            train="autoaegan.models.progressive_training:train_pretrained_stylegan",
        ),
    )
}


def _resolve(reference: str):
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def catalog_entry(name: str, catalog: dict[str, PretrainedModel] | None = None) -> PretrainedModel:
    """The catalogue entry for `name`, or a clear error listing the known names."""
    catalog = CATALOG if catalog is None else catalog
    try:
        return catalog[name]
    except KeyError:
        raise KeyError(
            f"no pretrained model named {name!r}; known models: {', '.join(sorted(catalog)) or 'none'}"
        ) from None


def load_pretrained(name: str, *, directory: Path | None = None, catalog: dict | None = None):
    """Build the model `name` and load its shipped weights, after checking their SHA-256. Works offline."""
    entry = catalog_entry(name, catalog)
    model = _resolve(entry.build)()
    _load_checked(model, name, directory, f"the architecture that {entry.build} builds")
    return model


def load_shipped_weights(model, name: str, *, directory: Path | None = None, catalog: dict | None = None):
    """Load the shipped weights of `name` into `model`, a model a chapter defined itself.

    The model must have exactly the shipped model's weights: the same layers, in the same order,
    with the same shapes. Anything else raises a ValueError that lists the differences, rather
    than Keras's warning about weights it skipped. Returns `model`.
    """
    catalog_entry(name, catalog)
    _load_checked(model, name, directory, "this model")
    return model


def _stored_shapes(path: Path) -> list[tuple[str, tuple[int, ...]]]:
    """The (path, shape) of every array in a `.weights.h5` file, in file order."""
    import h5py

    shapes: list[tuple[str, tuple[int, ...]]] = []
    with h5py.File(path, "r") as file:
        file.visititems(
            lambda key, item: shapes.append((key, tuple(item.shape))) if isinstance(item, h5py.Dataset) else None
        )
    return shapes


def _load_checked(model, name: str, directory: Path | None, what: str) -> None:
    path = verified_weights_path(name, directory)
    retrain = f"Retrain them with `python -m autoaegan.pretrained train {name}`, or fix the model's definition."
    model_shapes = sorted(tuple(weight.shape) for weight in model.weights)
    # A model saved after compiling also stores its optimizer's state, which is not the model's to match.
    stored_shapes = sorted(shape for key, shape in _stored_shapes(path) if "optimizer" not in key.split("/"))
    if model_shapes != stored_shapes:
        raise ValueError(
            f"the shipped weights of '{name}' ({path.name}) do not fit {what}: the file holds {len(stored_shapes)} "
            f"arrays, the model {len(model_shapes)}; shapes only in the file: "
            f"{_difference(stored_shapes, model_shapes)}, only in the model: {_difference(model_shapes, stored_shapes)}. "
            f"{retrain}"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(path)
        except (ValueError, KeyError) as error:
            raise ValueError(
                f"the shipped weights of '{name}' ({path.name}) do not fit {what} ({error}). {retrain}"
            ) from None
    # Keras skips weights it cannot match with a warning; a shipped model must load whole.
    # A compiled model's optimizer has no state yet, and Keras says it skipped it: that is not a missing weight.
    skipped = [
        str(warning.message)
        for warning in caught
        if "load" in str(warning.message).lower() and "optimizer" not in str(warning.message).lower()
    ]
    if skipped:
        raise ValueError(
            f"the shipped weights of '{name}' ({path.name}) did not all load into {what}: "
            f"{skipped[0].splitlines()[0]} {retrain}"
        )


def _difference(shapes: list, others: list) -> list:
    """The first five of `shapes` that `others` lacks, counting repeats (a multiset difference)."""
    return list((Counter(shapes) - Counter(others)).elements())[:5]


def retrain(
    name: str, *, profile: Profile | None = None, directory: Path | None = None, catalog: dict | None = None
) -> Manifest:
    """Retrain `name` with its trainer under `profile` (default: the active one) and rewrite its manifest."""
    entry = catalog_entry(name, catalog)
    profile = profile or get_profile()
    started = time.perf_counter()
    trained = _resolve(entry.train)(profile)
    seconds = time.perf_counter() - started
    return save_pretrained(
        name,
        trained.model,
        profile=profile.name,
        settings=trained.settings,
        metrics=trained.metrics,
        train_seconds=seconds,
        directory=directory,
    )
