"""Training one autoencoder at a time (greedy layer-wise training), for a stack of any depth.

Stage 1 trains a shallow autoencoder 784 → sizes[0] → 784 on the images. Its
encoder then turns the images into codings, a new and smaller training set, on
which stage 2 trains a shallow autoencoder sizes[0] → sizes[1] → sizes[0]; and so
on. Finally the encoders are stacked in order and the decoders in reverse order
into one deep autoencoder, which is fine-tuned end to end (Hinton & Salakhutdinov
2006; Bengio et al. 2007).

Stage 1 reconstructs pixels, so it uses the variant's output activation and loss
(sigmoid and cross-entropy for the slides' model). Later stages reconstruct the
hidden activations of the stage below, so their decoders use that stage's hidden
activation and the MSE, as in Géron's notebooks.

Memory: the images stay uint8 and are scaled batch by batch; only the codings are
float32, and they are small (55,000 × 100 floats are 22 MB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import keras
import numpy as np

from autoaegan.arguments import is_whole_number
from autoaegan.data.pipeline import make_dataset
from autoaegan.models.stacked import IMAGE_SHAPE, Variant, compile_settings, get_variant
from autoaegan.plans import PerProfile, Plan, Recipe
from autoaegan.pretrained.catalog import FAST_RECIPE
from autoaegan.profiles import Profile
from autoaegan.training.fitting import train

# The course's recipe, and the epochs per stage and for the fine-tuning per run profile (Géron: 10 per stage, then
# 5 end to end).
PLAN = Plan(
    recipe=FAST_RECIPE,
    counts={
        "stage_epochs": PerProfile(test=1, classroom=2, full=10),
        "fine_tune_epochs": PerProfile(test=1, classroom=2, full=5),
    },
)


@dataclass
class GreedyAutoencoder:
    """The result of `train_greedy_autoencoder`: the stacked models and every training's history."""

    encoder: keras.Sequential
    decoder: keras.Sequential
    autoencoder: keras.Sequential
    stage_histories: list = field(default_factory=list)
    fine_tune_history: keras.callbacks.History | None = None


def build_shallow_autoencoder(
    input_shape: tuple[int, ...], n_codings: int, *, hidden_activation: str, output_activation: str
) -> tuple[keras.layers.Dense, keras.layers.Dense, keras.Sequential]:
    """Return `(encoding_layer, decoding_layer, autoencoder)`: inputs → `n_codings` → inputs.

    Inputs of shape `(n,)` are vectors (codings of the stage below); any other
    shape, such as `(28, 28)`, is flattened on the way in and reshaped on the way out.
    """
    input_shape = tuple(int(n) for n in input_shape)
    n_inputs = int(np.prod(input_shape))
    encoding = keras.layers.Dense(n_codings, activation=hidden_activation)
    decoding = keras.layers.Dense(n_inputs, activation=output_activation)
    if len(input_shape) == 1:
        layers = [encoding, decoding]
    else:
        layers = [keras.layers.Flatten(), encoding, decoding, keras.layers.Reshape(input_shape)]
    autoencoder = keras.Sequential([keras.Input(shape=input_shape), *layers])
    return encoding, decoding, autoencoder


def _check_sizes(sizes) -> tuple[int, ...]:
    sizes = tuple(sizes)
    if not sizes or any(not is_whole_number(s) or s < 1 for s in sizes):
        raise ValueError(f"sizes must be a non-empty sequence of positive integers (e.g. [100, 30]), got {sizes!r}")
    return tuple(int(s) for s in sizes)


def _check_images(images, name: str) -> np.ndarray:
    images = np.asarray(images)
    if images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{name} must be images of shape (n, 28, 28), got an array of shape {images.shape}")
    return images


def encode(layer: keras.layers.Layer, x: np.ndarray, *, batch_size: int = 1024) -> np.ndarray:
    """Run `x` through `layer`, batch by batch, as float32; images are flattened (and uint8 ones scaled) on the way.

    The layer is called eagerly on each batch: tracing a prediction function for a
    single pass would cost more time and memory than it saves.
    """
    x = np.asarray(x)
    codings = None
    for start, batch in zip(range(0, len(x), batch_size), make_dataset(x, batch_size=batch_size)):
        encoded = keras.ops.convert_to_numpy(layer(keras.ops.reshape(batch, (len(batch), -1))))
        if codings is None:
            codings = np.empty((len(x), *encoded.shape[1:]), dtype=np.float32)
        codings[start : start + len(encoded)] = encoded
    return codings


def train_greedy_autoencoder(
    train_images: np.ndarray,
    valid_images: np.ndarray | None = None,
    *,
    variant: str | Variant = "slides",
    sizes: Sequence[int] = (100, 30),
    stage_epochs: int | None = None,
    fine_tune_epochs: int | None = None,
    recipe: Recipe = PLAN.recipe,
    profile: Profile,
    verbose="auto",
) -> GreedyAutoencoder:
    """Train one shallow autoencoder per entry of `sizes` (any depth), stack them, and fine-tune the stack.

    `train_images` (and `valid_images`) are 28 × 28 images, uint8 or floats in
    [0, 1]. Every training goes through `autoaegan.training.fitting.train` with `recipe`;
    `stage_epochs` and `fine_tune_epochs` default to `PLAN`'s counts under `profile`,
    and `fine_tune_epochs=0` skips the fine-tuning. Returns the stacked
    encoder, decoder and autoencoder (the encoder ends with `sizes[-1]` codings),
    with the history of every stage.
    """
    variant = get_variant(variant)
    sizes = _check_sizes(sizes)
    train_images = _check_images(train_images, "train_images")
    if valid_images is not None:
        valid_images = _check_images(valid_images, "valid_images")
    stage_epochs = PLAN.count("stage_epochs", profile) if stage_epochs is None else int(stage_epochs)
    if fine_tune_epochs is None:
        fine_tune_epochs = PLAN.count("fine_tune_epochs", profile)

    encoding_layers, decoding_layers, histories = [], [], []
    # Stage 1 sees the images themselves (kept uint8, scaled per batch); later stages see codings.
    stage_train, stage_valid = train_images, valid_images
    for stage, n_codings in enumerate(sizes):
        if stage == 0:
            output_activation, settings = variant.output_activation, compile_settings(variant)
        else:
            output_activation, settings = variant.hidden_activation, {"loss": "mse"}
        encoding, decoding, shallow = build_shallow_autoencoder(
            stage_train.shape[1:],
            n_codings,
            hidden_activation=variant.hidden_activation,
            output_activation=output_activation,
        )
        histories.append(
            train(
                shallow,
                stage_train,
                validation_data=stage_valid,
                epochs=stage_epochs,
                recipe=recipe,
                profile=profile,
                verbose=verbose,
                **settings,
            )
        )
        encoding_layers.append(encoding)
        decoding_layers.append(decoding)
        if stage < len(sizes) - 1:  # the next stage trains on these codings
            stage_train = encode(encoding, stage_train)
            stage_valid = None if stage_valid is None else encode(encoding, stage_valid)
    del stage_train, stage_valid

    encoder = keras.Sequential(
        [keras.Input(shape=IMAGE_SHAPE), keras.layers.Flatten(), *encoding_layers], name="encoder"
    )
    decoder = keras.Sequential(
        [keras.Input(shape=(sizes[-1],)), *reversed(decoding_layers), keras.layers.Reshape(IMAGE_SHAPE)], name="decoder"
    )
    autoencoder = keras.Sequential([encoder, decoder], name=f"greedy_autoencoder_{variant.name}")
    fine_tune_history = None
    if fine_tune_epochs > 0:
        fine_tune_history = train(
            autoencoder,
            train_images,
            validation_data=valid_images,
            epochs=fine_tune_epochs,
            recipe=recipe,
            profile=profile,
            verbose=verbose,
            **compile_settings(variant),
        )
    return GreedyAutoencoder(encoder, decoder, autoencoder, histories, fine_tune_history)
