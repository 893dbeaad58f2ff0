"""The convolutional autoencoder of chapter 04 (Géron, 3rd edition).

The encoder is a small CNN: each block is a 3×3 convolution (same padding, relu)
followed by a 2×2 max-pooling, so the height and width halve while the depth
grows (28×28×1 → 14×14×16 → 7×7×32 → 3×3×64). A last convolution with as many
filters as codings and a global average pooling give the 30-D code.

The decoder does the reverse with transposed convolutions of stride 2: a dense
layer makes a small 3×3×16 volume, and each transposed convolution doubles its
height and width (3 → 7 → 14 → 28) while the depth shrinks to one channel.
A stride-2 transposed convolution with "same" padding doubles a side exactly;
with "valid" padding and a 3×3 kernel it gives 2·side + 1, which is how 3 becomes 7.
The output is linear and the loss is the mean squared error.

The blocks (`conv_pool_block`, `upsampling_block`) are exposed so that other
encoders and decoders can be stacked from them.
"""

from __future__ import annotations

import keras

from autoaegan.arguments import positive_int, positive_int_tuple
from autoaegan.pretrained.catalog import TrainedModel, catalog_entry
from autoaegan.profiles import Profile
from autoaegan.training.families import train_pretrained_family

CODINGS = 30
ENCODER_FILTERS = (16, 32, 64)
DECODER_FILTERS = (32, 16)
DECODER_START_FILTERS = 16
IMAGE_SIZE = 28
KERNEL_SIZE = 3
# Géron's validation MSE after those 10 epochs (3rd edition, notebook 17): the figure to beat.
GERON_VALID_MSE = 0.0121
# The shipped weights' plan (Géron's 10 epochs, batches of 32): its catalogue entry's.
PLAN = catalog_entry("convolutional_autoencoder").plan


def conv_pool_block(filters: int, *, kernel_size: int = KERNEL_SIZE, pool_size: int = 2) -> list[keras.layers.Layer]:
    """A 3×3 convolution (same padding, relu) then a max-pooling: depth becomes `filters`, height and width shrink.

    Returns the two layers as a list, to unpack into a `keras.Sequential`. With the
    default pool size, a side of `s` pixels becomes `s // 2` (7 → 3: the last row and column are dropped).
    """
    filters = positive_int(filters, "filters")
    return [
        keras.layers.Conv2D(filters, positive_int(kernel_size, "kernel_size"), padding="same", activation="relu"),
        keras.layers.MaxPool2D(pool_size=positive_int(pool_size, "pool_size")),
    ]


def upsampling_block(
    filters: int, *, padding: str = "same", activation: str | None = "relu", kernel_size: int = KERNEL_SIZE
) -> keras.layers.Conv2DTranspose:
    """A stride-2 transposed convolution: depth becomes `filters`.

    A side of `s` pixels becomes `2s` with "same" padding, or `2s + 1` with "valid" padding and a 3×3 kernel.
    """
    if padding not in ("same", "valid"):
        raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")
    return keras.layers.Conv2DTranspose(
        positive_int(filters, "filters"),
        positive_int(kernel_size, "kernel_size"),
        strides=2,
        padding=padding,
        activation=activation,
    )


def upsampling_sides(image_size: int, steps: int) -> list[int]:
    """The side of the volume before each of `steps` halvings of `image_size` (rounded down), smallest first.

    For 28 pixels and 3 steps: `[3, 7, 14, 28]`. Max-pooling the encoder's way goes
    down this list; the decoder climbs it back, doubling each side ("same") or
    doubling it plus one ("valid") where the next side is odd.
    """
    sides = [positive_int(image_size, "image_size")]
    for _ in range(positive_int(steps, "steps")):
        sides.append(sides[-1] // 2)
    if sides[-1] < 1:
        raise ValueError(f"an image of {image_size} pixels cannot be halved {steps} times: the side would reach 0")
    return sides[::-1]


def build_convolutional_encoder(
    codings: int = CODINGS, *, filters=ENCODER_FILTERS, image_size: int = IMAGE_SIZE
) -> keras.Sequential:
    """Images `(image_size, image_size)` → `codings` numbers, through one `conv_pool_block` per entry of `filters`.

    A last convolution with `codings` filters (relu) and a global average pooling make the code.
    """
    codings = positive_int(codings, "codings")
    filters = positive_int_tuple(filters, "filters")
    image_size = positive_int(image_size, "image_size")
    upsampling_sides(image_size, len(filters) or 1)  # checks that the image survives the poolings
    blocks = [layer for f in filters for layer in conv_pool_block(f)]
    return keras.Sequential(
        [
            keras.Input(shape=(image_size, image_size)),
            keras.layers.Reshape((image_size, image_size, 1)),  # one channel: grey levels
            *blocks,
            keras.layers.Conv2D(codings, KERNEL_SIZE, padding="same", activation="relu"),
            keras.layers.GlobalAvgPool2D(name="codings"),
        ],
        name="convolutional_encoder",
    )


def build_convolutional_decoder(
    codings: int = CODINGS,
    *,
    filters=DECODER_FILTERS,
    start_filters: int = DECODER_START_FILTERS,
    image_size: int = IMAGE_SIZE,
) -> keras.Sequential:
    """`codings` numbers → images `(image_size, image_size)`, through transposed convolutions of stride 2.

    A dense layer makes a small volume of depth `start_filters`; one `upsampling_block`
    per entry of `filters` (relu) and a last one with a single linear channel bring it
    back to `image_size` pixels, choosing "valid" padding where a side must become odd.
    """
    codings = positive_int(codings, "codings")
    filters = positive_int_tuple(filters, "filters")
    start_filters = positive_int(start_filters, "start_filters")
    sides = upsampling_sides(image_size, len(filters) + 1)
    paddings = ["same" if after == 2 * before else "valid" for before, after in zip(sides, sides[1:])]
    activations = ["relu"] * len(filters) + [None]  # linear output: the loss is the MSE
    upsamplings = [
        upsampling_block(f, padding=padding, activation=activation)
        for f, padding, activation in zip((*filters, 1), paddings, activations)
    ]
    start = sides[0]
    return keras.Sequential(
        [
            keras.Input(shape=(codings,)),
            keras.layers.Dense(start * start * start_filters),
            keras.layers.Reshape((start, start, start_filters)),
            *upsamplings,
            keras.layers.Reshape((image_size, image_size), name="reconstructions"),
        ],
        name="convolutional_decoder",
    )


def build_convolutional_autoencoder(
    codings: int = CODINGS,
    *,
    encoder_filters=ENCODER_FILTERS,
    decoder_filters=DECODER_FILTERS,
    image_size: int = IMAGE_SIZE,
) -> tuple[keras.Sequential, keras.Sequential, keras.Sequential]:
    """Return `(encoder, decoder, autoencoder)`, not compiled; the defaults are Géron's model (30-D code)."""
    encoder = build_convolutional_encoder(codings, filters=encoder_filters, image_size=image_size)
    decoder = build_convolutional_decoder(codings, filters=decoder_filters, image_size=image_size)
    autoencoder = keras.Sequential([encoder, decoder], name="convolutional_autoencoder")
    return encoder, decoder, autoencoder


def build_pretrained_convolutional() -> keras.Sequential:
    """The convolutional autoencoder whose weights `autoaegan.pretrained` ships (untrained)."""
    return build_convolutional_autoencoder()[2]


def train_pretrained_convolutional(profile: Profile) -> TrainedModel:
    """Train the shipped convolutional autoencoder on Fashion-MNIST under `profile` with its `PLAN`; return a
    `TrainedModel`."""
    return train_pretrained_family(
        "convolutional", build_pretrained_convolutional, profile, epochs=PLAN.epochs_for(profile), recipe=PLAN.recipe
    )
