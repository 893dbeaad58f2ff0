"""Chapter 12's denoiser: a sinusoidal time encoding and a small U-Net that predicts the noise ε in x_t.

The U-Net maps a noisy image x_t (28×28×1, pixels in [-1, 1] plus noise) and its step t to ε̂, the same shape as
x_t. It goes 28×28 → 14×14 → 7×7 and back, with a skip from each level of the way down to the same level of the
way up (concatenated), as in Ronneberger et al. (2015) and Ho et al. (2020). Each residual block adds a projection
of the time embedding to its feature maps, so that every block knows the noise level it works at (Géron's chapter
17 does the same).

Sized for 2 CPU cores rather than a GPU: narrow 3×3 convolutions, widths (16, 32, 64) in the shipped model (the
catalogue's `diffusion` recipe, `channels`), one residual block per level and one in the middle, group
normalisation and swish: 34.6 million multiply-accumulates per image. `separable=True` swaps each 3×3 convolution
for a depthwise 3×3 and a pointwise 1×1 (Géron's choice, about a ninth of the arithmetic), as two layers so that
`autoaegan.metrics.flops.forward_macs` counts the pointwise half; `unet_macs` adds the depthwise half, which it
does not count. On CPU they save less than the arithmetic says: XLA ran a depthwise convolution 60× slower than
TensorFlow's own kernel (1.2 s against 20 ms for 256 images of 28×28×32), and narrow plain convolutions reach
about 50 GMAC per 2 CPU-seconds.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops

from autoaegan.arguments import positive_int, positive_int_tuple, whole_number
from autoaegan.metrics.flops import forward_macs

IMAGE_SHAPE = (28, 28, 1)
WIDTHS = (16, 32, 64)
TIME_ENCODING_SIZE = 64
# Group normalisation's groups; a width must be a multiple of it. 8 groups of 4 to 16 channels: batch-size free, so
# the same network samples one image or a thousand identically (batch normalisation would not).
GROUPS = 8
# Vaswani et al.'s base: the longest wavelength of the encoding, in steps (far above T = 1000).
MAX_PERIOD = 10_000.0


@keras.saving.register_keras_serializable(package="autoaegan")
class SinusoidalTimeEncoding(layers.Layer):
    """The step t (a batch of numbers, shape `(batch,)`) → `size` features: sin(t·ωᵢ) then cos(t·ωᵢ), with
    frequencies ωᵢ = MAX_PERIOD^(−i/(size/2)) from 1 down to nearly 1/MAX_PERIOD (Vaswani et al. 2017).

    Computed, not looked up: any t works, whole or not, and the layer holds no weights. Nearby steps get nearby
    encodings, far ones nearly orthogonal ones, which is what lets one network serve every noise level.
    """

    def __init__(self, size: int = TIME_ENCODING_SIZE, **kwargs):
        super().__init__(**kwargs)
        size = positive_int(size, "size")
        if size % 2:
            raise ValueError(f"size must be even (a sine and a cosine per frequency), got {size}")
        self.size = size

    def frequencies(self) -> np.ndarray:
        """The `size // 2` angular frequencies ωᵢ, from 1 down to MAX_PERIOD^(−(1 − 2/size))."""
        half = self.size // 2
        return np.exp(-math.log(MAX_PERIOD) * np.arange(half, dtype=np.float64) / half).astype(np.float32)

    def call(self, t):
        t = ops.cast(t, "float32")
        if len(t.shape) == 2 and t.shape[-1] == 1:
            t = t[:, 0]  # (batch, 1), as a Keras Input of shape (1,) gives it
        angles = t[:, None] * ops.convert_to_tensor(self.frequencies())[None, :]
        return ops.concatenate([ops.sin(angles), ops.cos(angles)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def _conv(h, width: int, name: str, separable: bool):
    if not separable:
        return layers.Conv2D(width, 3, padding="same", name=name)(h)
    # Depthwise 3×3 then pointwise 1×1: a 3×3 convolution's reach for about a ninth of its cost at these widths.
    h = layers.DepthwiseConv2D(3, padding="same", use_bias=False, name=f"{name}_depthwise")(h)
    return layers.Conv2D(width, 1, name=f"{name}_pointwise")(h)


def _norm(h, groups, name):
    return h if not groups else layers.GroupNormalization(groups, name=name)(h)


def _block(h, embedding, width: int, name: str, *, groups: int, separable: bool):
    """A residual block: norm, swish, conv, + the time embedding's projection, norm, swish, conv; plus the input."""
    residual = h if h.shape[-1] == width else layers.Conv2D(width, 1, name=f"{name}_skip")(h)
    h = _norm(h, groups, f"{name}_norm_1")
    h = layers.Activation("swish", name=f"{name}_swish_1")(h)
    h = _conv(h, width, f"{name}_conv_1", separable)
    time = layers.Dense(width, name=f"{name}_time")(embedding)
    h = layers.Add(name=f"{name}_add_time")([h, layers.Reshape((1, 1, width), name=f"{name}_time_map")(time)])
    h = _norm(h, groups, f"{name}_norm_2")
    h = layers.Activation("swish", name=f"{name}_swish_2")(h)
    h = _conv(h, width, f"{name}_conv_2", separable)
    return layers.Add(name=f"{name}_out")([h, residual])


def build_unet(
    widths=WIDTHS,
    *,
    time_encoding_size: int = TIME_ENCODING_SIZE,
    groups: int = GROUPS,
    image_shape=IMAGE_SHAPE,
    separable: bool = False,
    name: str = "unet",
) -> keras.Model:
    """The denoiser: inputs `[x_t (batch, 28, 28, 1), t (batch,)]` → ε̂ `(batch, 28, 28, 1)`.

    `groups=0` leaves the group normalisations out; `separable=True` makes every 3×3 convolution separable.

    `widths` gives the channels of each level, from the full size down (28, 14, 7 for three levels); the image
    sides must divide by 2 for each level below the first. The output convolution starts at zero, so an untrained
    denoiser predicts ε̂ = 0 (x̂₀ = x_t / √ᾱ_t) rather than noise.
    """
    widths = positive_int_tuple(widths, "widths")
    groups = whole_number(groups, "groups", at_least=0, expected="a non-negative integer (0: no normalisation)")
    if not widths:
        raise ValueError("widths must name at least one level, got ()")
    bad = [w for w in widths if groups and w % groups]
    if bad:
        raise ValueError(f"each of widths must be a multiple of groups ({groups}), got {widths}")
    image_shape = positive_int_tuple(image_shape, "image_shape")
    if len(image_shape) != 3 or any(side % 2 ** (len(widths) - 1) for side in image_shape[:2]):
        raise ValueError(
            f"image_shape must be (height, width, channels) with sides divisible by {2 ** (len(widths) - 1)} "
            f"for {len(widths)} levels, got {image_shape}"
        )
    noisy = keras.Input(image_shape, name="x_t")
    step = keras.Input((), name="t")
    embedding = SinusoidalTimeEncoding(time_encoding_size, name="time_encoding")(step)
    embedding = layers.Dense(4 * widths[0], activation="swish", name="time_dense_1")(embedding)
    embedding = layers.Dense(4 * widths[0], activation="swish", name="time_dense_2")(embedding)

    h = layers.Conv2D(widths[0], 3, padding="same", name="stem")(noisy)
    skips = []
    for level, width in enumerate(widths):
        if level:
            h = layers.AveragePooling2D(2, name=f"down_{level}")(h)
        h = _block(h, embedding, width, f"down_block_{level}", groups=groups, separable=separable)
        skips.append(h)
    h = _block(h, embedding, widths[-1], "middle_block", groups=groups, separable=separable)
    for level in reversed(range(len(widths))):
        if level < len(widths) - 1:
            h = layers.UpSampling2D(2, name=f"up_{level}")(h)
        h = layers.Concatenate(name=f"up_concat_{level}")([h, skips[level]])
        h = _block(h, embedding, widths[level], f"up_block_{level}", groups=groups, separable=separable)
    h = _norm(h, groups, "out_norm")
    h = layers.Activation("swish", name="out_swish")(h)
    noise = layers.Conv2D(image_shape[-1], 3, padding="same", kernel_initializer="zeros", name="noise")(h)
    return keras.Model([noisy, step], noise, name=name)


def unet_macs(model: keras.Model) -> dict:
    """Multiply-accumulates per image of `model`'s forward pass: `counted` by `forward_macs` (dense layers and
    convolutions), `depthwise` (the depthwise convolutions, which it does not count), and their `total`."""
    counted = sum(cost for _, cost in forward_macs(model))
    depthwise = 0
    for layer in model.layers:
        if isinstance(layer, layers.DepthwiseConv2D):
            spatial = math.prod(int(d) for d in tuple(layer.output.shape)[1:-1])
            depthwise += spatial * math.prod(int(d) for d in layer.kernel.shape)
    return {"counted": int(counted), "depthwise": int(depthwise), "total": int(counted + depthwise)}
