"""Images from a generator, whichever GAN it belongs to: its output range, and its images in [0, 1].

A generator's last activation fixes the range of its images: a sigmoid's [0, 1] (chapter 07's dense GAN) or a
tanh's [-1, 1] (the DCGAN, ProGAN, StyleGAN). Figures, widgets and metrics read [0, 1]
(`autoaegan.pixels`).
"""

from __future__ import annotations

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.latent import sample_codings
from autoaegan.pixels import output_to_unit

# The range of a generator's images, by its output activation.
VALUE_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


def output_activation(model: keras.Model) -> str | None:
    """The name of the last activation on the way to `model`'s output (Reshape and the like have none)."""
    for layer in reversed(model.layers):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return getattr(activation, "__name__", None)
        if isinstance(layer, keras.layers.Activation):
            return getattr(layer.activation, "__name__", None)
    return None


def value_range_of(generator: keras.Model, value_range=None) -> tuple[float, float]:
    """`value_range` checked ((0, 1) or (-1, 1)); None reads it from `generator`'s output activation."""
    allowed = sorted(set(VALUE_RANGES.values()))
    if value_range is None:
        activation = output_activation(generator)
        if activation not in VALUE_RANGES:
            raise ValueError(
                f"cannot tell the range of the generator's images from its output activation ({activation!r}): "
                f"pass value_range=(0, 1) for images in [0, 1] or (-1, 1) for images in [-1, 1]"
            )
        return VALUE_RANGES[activation]
    try:
        value_range = tuple(float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f"value_range must be one of {allowed}, got {value_range!r}") from None
    if value_range not in allowed:
        raise ValueError(f"value_range must be one of {allowed}, got {value_range!r}")
    return value_range


def generate_from(generator: keras.Model, codings, *, value_range=(0.0, 1.0), batch_size: int = 1_000) -> np.ndarray:
    """The images `generator` makes from `codings`, in inference mode, as float32 in [0, 1] (clipped).

    Images in `value_range` (-1, 1), a tanh generator's, are mapped to [0, 1] with
    (x + 1) / 2, the range the figures and `evaluate_generated` read. The shape is the generator's.
    """
    value_range = value_range_of(generator, value_range)
    codings = np.asarray(codings, dtype=np.float32)
    batch_size = positive_int(batch_size, "batch_size")
    parts = [
        keras.ops.convert_to_numpy(generator(codings[i : i + batch_size], training=False))
        for i in range(0, len(codings), batch_size)
    ]
    images = np.concatenate(parts) if parts else np.zeros((0, *generator.output_shape[1:]), np.float32)
    return output_to_unit(images, value_range)


def sample_images(generator: keras.Model, n: int, *, seed, value_range=(0.0, 1.0), batch_size: int = 1_000):
    """`n` images in [0, 1] from `generator` for codings drawn with `seed` (`autoaegan.latent.sample_codings`)."""
    codings = sample_codings(positive_int(n, "n"), int(generator.input_shape[-1]), seed=seed)
    return generate_from(generator, codings, value_range=value_range, batch_size=batch_size)
