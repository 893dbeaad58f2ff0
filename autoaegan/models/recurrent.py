"""The recurrent autoencoder of chapter 04 (Géron, 3rd edition).

An image is read as a sequence: 28 time steps, one row of 28 pixels each.
The encoder is a sequence-to-vector RNN: an LSTM that returns its whole output
sequence feeds a second LSTM whose last output (30 numbers) is the code.
The decoder is a vector-to-sequence RNN: `RepeatVector(28)` hands the code to
every time step, an LSTM unrolls it into a sequence, and a dense layer applied at
each step turns each output into one row of 28 pixels (linear; the loss is the MSE).
"""

from __future__ import annotations

import keras

from autoaegan.arguments import positive_int, positive_int_tuple
from autoaegan.pretrained.catalog import TrainedModel, catalog_entry
from autoaegan.profiles import Profile
from autoaegan.training.families import train_pretrained_family

CODINGS = 30
UNITS = (100,)
STEPS = 28  # image rows, read one per time step
FEATURES = 28  # pixels per row
# Géron's validation MSE after those 10 epochs (3rd edition, notebook 17): the figure to beat.
GERON_VALID_MSE = 0.0104
# Unrolled LSTMs: 28 steps become 28 copies of the cell in the graph instead of a while loop. Measured on 2
# cores, training ran 1.5× faster (about 2,100 against 1,400 images/s at batch 32) with the same weights, but
# the larger graph took about 270 MiB more: chapter 04 peaked at 1,483 MiB in the classroom profile, against
# 1,211 MiB with the loop. So the course runs the loop, and the time-to-quality benchmark unrolls.
UNROLL = False
# The shipped weights' plan (Géron's 10 epochs, batches of 32): its catalogue entry's.
PLAN = catalog_entry("recurrent_autoencoder").plan


def build_recurrent_encoder(
    codings: int = CODINGS, *, units=UNITS, steps: int = STEPS, features: int = FEATURES, unroll: bool = UNROLL
) -> keras.Sequential:
    """Sequences `(steps, features)` → `codings` numbers: LSTMs returning sequences (`units`), then LSTM(codings)."""
    codings = positive_int(codings, "codings")
    return keras.Sequential(
        [
            keras.Input(shape=(positive_int(steps, "steps"), positive_int(features, "features"))),
            *[keras.layers.LSTM(u, return_sequences=True, unroll=unroll) for u in positive_int_tuple(units, "units")],
            keras.layers.LSTM(codings, unroll=unroll, name="codings"),  # only its last output: sequence to vector
        ],
        name="recurrent_encoder",
    )


def build_recurrent_decoder(
    codings: int = CODINGS, *, units=UNITS, steps: int = STEPS, features: int = FEATURES, unroll: bool = UNROLL
) -> keras.Sequential:
    """`codings` numbers → sequences `(steps, features)`: RepeatVector(steps), LSTMs (`units`), a Dense per step."""
    return keras.Sequential(
        [
            keras.Input(shape=(positive_int(codings, "codings"),)),
            keras.layers.RepeatVector(positive_int(steps, "steps")),  # the code is fed at every time step
            *[keras.layers.LSTM(u, return_sequences=True, unroll=unroll) for u in positive_int_tuple(units, "units")],
            keras.layers.Dense(positive_int(features, "features"), name="reconstructions"),  # applied to each step
        ],
        name="recurrent_decoder",
    )


def build_recurrent_autoencoder(
    codings: int = CODINGS, *, units=UNITS, steps: int = STEPS, features: int = FEATURES, unroll: bool = UNROLL
) -> tuple[keras.Sequential, keras.Sequential, keras.Sequential]:
    """Return `(encoder, decoder, autoencoder)`, not compiled; the defaults are Géron's model for 28×28 images.

    `unroll` only changes how the LSTMs run (see `UNROLL`), not what they compute.
    """
    encoder = build_recurrent_encoder(codings, units=units, steps=steps, features=features, unroll=unroll)
    mirrored = tuple(reversed(positive_int_tuple(units, "units")))
    decoder = build_recurrent_decoder(codings, units=mirrored, steps=steps, features=features, unroll=unroll)
    autoencoder = keras.Sequential([encoder, decoder], name="recurrent_autoencoder")
    return encoder, decoder, autoencoder


def build_pretrained_recurrent() -> keras.Sequential:
    """The recurrent autoencoder whose weights `autoaegan.pretrained` ships (untrained)."""
    return build_recurrent_autoencoder()[2]


def train_pretrained_recurrent(profile: Profile) -> TrainedModel:
    """Train the shipped recurrent autoencoder on Fashion-MNIST under `profile` with its `PLAN`; return a
    `TrainedModel`."""
    return train_pretrained_family(
        "recurrent", build_pretrained_recurrent, profile, epochs=PLAN.epochs_for(profile), recipe=PLAN.recipe
    )
