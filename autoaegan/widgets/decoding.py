"""Codings through a decoder and images through an encoder, for the explorers: a direct call, as NumPy.

`decode` calls the decoder directly (`decoder(z, training=False)`), several times faster than
`predict` for a handful of codings, which sets up a data pipeline per call. A plain function
works too. The images come back in the decoder's own value range; `autoaegan.pixels` rescales them.
"""

from __future__ import annotations

import keras
import numpy as np


def call_model(model, inputs: np.ndarray):
    """`model(inputs, training=False)` for a Keras layer or model (dropout and noise off); `model(inputs)` for a
    plain function, which may not take `training`."""
    if isinstance(model, keras.Layer):
        return model(inputs, training=False)
    return model(inputs)


def decoded_images(output, codings_shape) -> np.ndarray:
    """A decoder's `output` for codings of `codings_shape` as float32 images `(n, height, width)`, or a ValueError
    saying what came instead."""
    if isinstance(output, (list, tuple, dict)):
        raise ValueError(f"expected the decoder to return one image tensor, got a {type(output).__name__} of outputs")
    images = np.asarray(keras.ops.convert_to_numpy(output), dtype=np.float32)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[0] != codings_shape[0] or min(images.shape[1:], default=0) < 1:
        raise ValueError(
            f"expected the decoder to map codings {tuple(codings_shape)} to grey images shaped (n, height, width) "
            f"or (n, height, width, 1), got output shape {tuple(np.shape(output))}"
        )
    return images


def decode(decoder, codings) -> np.ndarray:
    """Decode codings `(n, latent_dim)` into float32 images `(n, height, width)`, in the decoder's own value range."""
    codings = np.asarray(codings, dtype=np.float32)
    if codings.ndim != 2:
        raise ValueError(f"expected codings shaped (n, latent_dim), got shape {codings.shape}")
    return decoded_images(call_model(decoder, codings), codings.shape)


def encode(encoder, images) -> np.ndarray:
    """Encode images (floats in [0, 1]) into codings `(n, latent_dim)`, float32.

    An encoder with several outputs, like a VAE's `[mean, log_var, codings]`, gives its
    first one, the mean coding: the deterministic point that stands for the image.
    """
    output = call_model(encoder, np.asarray(images, dtype=np.float32))
    if isinstance(output, (list, tuple)):
        output = output[0]
    codings = np.asarray(keras.ops.convert_to_numpy(output), dtype=np.float32)
    if codings.ndim != 2 or codings.shape[0] != len(images):
        raise ValueError(
            f"expected the encoder to return codings shaped ({len(images)}, latent_dim), got shape {codings.shape}"
        )
    return codings
