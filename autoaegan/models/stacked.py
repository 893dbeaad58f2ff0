"""Stacked (deep) autoencoders for 28 × 28 images: the slides' SELU model and Géron's 3rd-edition variant.

Two variants share one architecture, 784 → 100 → 30 → 100 → 784:

- `"slides"` (the slides and Géron's 2nd edition): SELU hidden layers, a
  sigmoid output and binary cross-entropy, each pixel read as the probability of
  "ink"; reported with the rounded accuracy;
- `"relu_mse"` (Géron's 3rd edition): ReLU hidden layers, a linear output and the
  mean squared error.

`build_stacked_autoencoder` returns `(encoder, decoder, autoencoder)`, where the
autoencoder chains the two others (they share their layers), and
`compile_settings(variant)` the loss and metrics to pass to
`autoaegan.training.fitting.train`. `build_tied_autoencoder` builds the same model with
the decoder's kernels tied to the encoder's (`DenseTranspose`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import keras
import numpy as np

from autoaegan.arguments import is_whole_number
from autoaegan.data.pipeline import make_dataset
from autoaegan.layers.dense_transpose import DenseTranspose
from autoaegan.metrics.reconstruction import RoundedAccuracy
from autoaegan.plans import PerProfile
from autoaegan.pretrained.catalog import FAST_RECIPE

IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]

# Epochs of the stacked autoencoder per run profile: `full` is Géron's count (20); `classroom` keeps the whole
# chapter within its 5 minutes.
EPOCHS = PerProfile(test=1, classroom=5, full=20)
# The recipe for this chapter's trainings: `FAST_RECIPE`, without XLA outside the `full` profile. XLA compiles each
# model before its first step. Measured here on the stacked autoencoder: compiling took 6-10 s and 170 MB more
# memory for the first model (50 MB for each next one), against 1.5-3 s per epoch saved or not. That pays for
# Géron's 20 epochs, not for the 1 to 5 epochs of the `test` and `classroom` profiles, whose 1.5 GiB budget the
# compiled models would also strain.
TRAINING_RECIPE = PerProfile(
    test=FAST_RECIPE.with_changes(jit_compile=False),
    classroom=FAST_RECIPE.with_changes(jit_compile=False),
    full=FAST_RECIPE,
)


@dataclass(frozen=True)
class Variant:
    """How a stacked autoencoder is made and trained: activations and loss."""

    name: str
    hidden_activation: str
    output_activation: str
    loss: str
    description: str


VARIANTS: dict[str, Variant] = {
    "slides": Variant(
        "slides",
        "selu",
        "sigmoid",
        "binary_crossentropy",
        "SELU hidden layers, sigmoid output, binary cross-entropy (the slides; Géron 2nd ed.)",
    ),
    "relu_mse": Variant(
        "relu_mse",
        "relu",
        "linear",
        "mse",
        "ReLU hidden layers, linear output, mean squared error (Géron 3rd ed.)",
    ),
}

# Géron's validation figures after 20 epochs: 2nd edition for the slides' model, 3rd for relu/MSE.
GERON_VALIDATION = {
    "slides": {"loss": 0.2835, "rounded_accuracy": 0.9370},
    "relu_mse": {"loss": 0.0132},
}


def get_variant(variant: str | Variant) -> Variant:
    """The `Variant` named `variant` ("slides" or "relu_mse"); a `Variant` is returned as it is."""
    if isinstance(variant, Variant):
        return variant
    try:
        return VARIANTS[variant]
    except (KeyError, TypeError):
        raise ValueError(f"variant must be one of {', '.join(map(repr, VARIANTS))}, got {variant!r}") from None


def compile_settings(variant: str | Variant = "slides") -> dict:
    """The `loss` and `metrics` for `autoaegan.training.fitting.train`,
    e.g. `train(model, x, **compile_settings("slides"), recipe=..., profile=...)`.

    Both variants report the rounded accuracy; the slides' model also reports the MSE,
    so that every model of the chapter can be compared with PCA on the same scale.
    Metrics hold state, so every call returns new ones.
    """
    variant = get_variant(variant)
    metrics = [RoundedAccuracy()]
    if variant.loss != "mse":
        metrics.append(keras.metrics.MeanSquaredError(name="mse"))
    return {"loss": variant.loss, "metrics": metrics}


def _layer_sizes(hidden, codings) -> tuple[int, ...]:
    sizes = (hidden,) if isinstance(hidden, (int, np.integer)) else tuple(hidden)
    sizes = sizes + (codings,)
    for size in sizes:
        if not is_whole_number(size) or size < 1:
            raise ValueError(
                f"hidden and codings must be positive integers, got hidden={hidden!r}, codings={codings!r}"
            )
    return tuple(int(size) for size in sizes)


def build_stacked_autoencoder(
    variant: str | Variant = "slides", hidden: int | Sequence[int] = 100, codings: int = 30
) -> tuple[keras.Sequential, keras.Sequential, keras.Sequential]:
    """Return `(encoder, decoder, autoencoder)` for 28 × 28 images, not compiled.

    The encoder flattens an image and runs it through `Dense(hidden)` then
    `Dense(codings)`; the decoder mirrors it (`Dense(hidden)`, `Dense(784)`) and
    reshapes to 28 × 28. `hidden` may be a sequence of sizes for a deeper stack,
    e.g. `(300, 100)`. Activations follow the variant (see `VARIANTS`); compile
    with `compile_settings(variant)`.
    """
    variant = get_variant(variant)
    sizes = _layer_sizes(hidden, codings)
    encoder = keras.Sequential(
        [keras.Input(shape=IMAGE_SHAPE), keras.layers.Flatten()]
        + [keras.layers.Dense(size, activation=variant.hidden_activation) for size in sizes],
        name="encoder",
    )
    decoder = keras.Sequential(
        [keras.Input(shape=(sizes[-1],))]
        + [keras.layers.Dense(size, activation=variant.hidden_activation) for size in reversed(sizes[:-1])]
        + [keras.layers.Dense(N_PIXELS, activation=variant.output_activation), keras.layers.Reshape(IMAGE_SHAPE)],
        name="decoder",
    )
    autoencoder = keras.Sequential([encoder, decoder], name=f"stacked_autoencoder_{variant.name}")
    return encoder, decoder, autoencoder


def predict_in_batches(model: keras.Model, images, *, batch_size: int = 1024) -> np.ndarray:
    """Run `model` on `images` (uint8, scaled to [0, 1] batch by batch, or floats), calling it eagerly; return float32.

    For a few thousand images, tracing Keras' prediction function for every model
    would cost more time, and memory that TensorFlow keeps, than it saves.
    """
    images = np.asarray(images)
    outputs = None
    for start, batch in zip(range(0, len(images), batch_size), make_dataset(images, batch_size=batch_size)):
        result = keras.ops.convert_to_numpy(model(batch, training=False))
        if outputs is None:
            outputs = np.empty((len(images), *result.shape[1:]), dtype=np.float32)
        outputs[start : start + len(result)] = result
    return outputs


def build_tied_autoencoder(
    variant: str | Variant = "slides", hidden: int | Sequence[int] = 100, codings: int = 30
) -> tuple[keras.Sequential, keras.Sequential, keras.Sequential]:
    """Like `build_stacked_autoencoder`, but each decoder layer reuses its mirror encoder layer's kernel, transposed.

    The decoder owns only its biases (`DenseTranspose`), so the model has about
    half the parameters of the untied one.
    """
    variant = get_variant(variant)
    encoder, _, _ = build_stacked_autoencoder(variant, hidden, codings)
    dense_layers = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Dense)]
    activations = [variant.hidden_activation] * (len(dense_layers) - 1) + [variant.output_activation]
    decoder = keras.Sequential(
        [keras.Input(shape=(dense_layers[-1].units,))]
        + [DenseTranspose(dense, activation=act) for dense, act in zip(reversed(dense_layers), activations)]
        + [keras.layers.Reshape(IMAGE_SHAPE)],
        name="tied_decoder",
    )
    autoencoder = keras.Sequential([encoder, decoder], name=f"tied_autoencoder_{variant.name}")
    return encoder, decoder, autoencoder
