"""The layers and style functions of StyleGAN's generator (Karras et al. 2019), chapter 11.

- `ConstantInput`: the synthesis network starts from a learned 4×4×C tensor, the
  same for every image; the codings reach it only through the styles.
- `NoiseInjection`: per-pixel Gaussian noise, one map per image, added to every
  channel with a learned per-channel scale, before the activation. It supplies the
  randomness of details (where a texture's stitches fall) so that the codings need
  not carry it.
- `AdaptiveInstanceNormalization` (AdaIN): each feature map of each image is
  standardised over its positions, then scaled and shifted by the style,
  ys·x̂ + yb, where (ys, yb) come from w through a learned affine transform.
- `mix_styles`, `random_crossovers`: style mixing, levels below the crossover take
  w₁, the others w₂; during training most images mix two codings
  (mixing regularization).
- `truncate_styles`: the truncation trick, w' = w̄ + ψ(w − w̄).
"""

from __future__ import annotations

import numbers

import keras
from keras import ops

from autoaegan.arguments import is_real_number, optional_seed, positive_int, positive_int_tuple, real_number
from autoaegan.layers.progressive import EqualizedDense


@keras.saving.register_keras_serializable(package="autoaegan")
class ConstantInput(keras.layers.Layer):
    """Anything with a batch dimension `(batch, ...)` → the learned constant `shape`, once per sample.

    The constant is a trainable weight drawn from N(0, 1) (StyleGAN 2's choice;
    the first StyleGAN started from ones): only the batch size of the input is used.
    """

    def __init__(self, shape=(4, 4, 128), **kwargs):
        super().__init__(**kwargs)
        self.constant_shape = positive_int_tuple(shape, "shape")

    def build(self, input_shape):
        self.constant = self.add_weight(
            name="constant", shape=self.constant_shape, initializer=keras.initializers.RandomNormal(stddev=1.0)
        )

    def call(self, inputs):
        batch = ops.shape(inputs)[0]
        return ops.broadcast_to(ops.expand_dims(self.constant, 0), (batch, *self.constant_shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.constant_shape)

    def get_config(self):
        return {**super().get_config(), "shape": list(self.constant_shape)}


@keras.saving.register_keras_serializable(package="autoaegan")
class NoiseInjection(keras.layers.Layer):
    """Feature maps `(batch, H, W, C)` → the same plus scale·noise, with one learned scale per channel.

    The noise is one map `(batch, H, W, 1)` of N(0, 1) values per image, shared by
    the channels. `call(x, noise=None)` draws it from the layer's own
    `keras.random.SeedGenerator(seed)` (a new draw each call); pass `noise` to hold
    it fixed (e.g. a widget that resamples only the codings). The scales start at
    zero, as in StyleGAN: the network learns how much noise each channel takes.
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = optional_seed(seed)
        self.seed_generator = keras.random.SeedGenerator(self.seed)

    def build(self, input_shape):
        if len(input_shape) != 4 or input_shape[-1] is None:
            raise ValueError(
                f"NoiseInjection expects feature maps (batch, height, width, channels) with known "
                f"channels, got input shape {tuple(input_shape)}"
            )
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="zeros")

    def noise_shape(self, inputs) -> tuple:
        """The shape of the noise for `inputs`: `(batch, H, W, 1)`."""
        shape = ops.shape(inputs)
        return (shape[0], shape[1], shape[2], 1)

    def call(self, inputs, noise=None):
        if noise is None:
            noise = keras.random.normal(self.noise_shape(inputs), dtype=inputs.dtype, seed=self.seed_generator)
        elif (
            len(noise.shape) != 4
            or noise.shape[-1] != 1
            or any(
                # Batch, height and width must match where both are known: broadcasting would otherwise fail with
                # TensorFlow's bare "Incompatible shapes", or silently give every image the same map.
                a is not None and b is not None and a != b
                for a, b in zip(noise.shape[:3], inputs.shape[:3])
            )
        ):
            raise ValueError(
                f"noise must be shaped (batch, height, width, 1) like the inputs' maps, "
                f"got {tuple(noise.shape)} for inputs {tuple(inputs.shape)}"
            )
        return inputs + ops.cast(noise, inputs.dtype) * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def instance_standardize(features, epsilon: float = 1e-8):
    """Each feature map of each image `(batch, H, W, C)` brought to mean 0 and variance 1 over its positions."""
    mean, variance = ops.moments(features, axes=(1, 2), keepdims=True)
    return (features - mean) * ops.rsqrt(variance + epsilon)


@keras.saving.register_keras_serializable(package="autoaegan")
class AdaptiveInstanceNormalization(keras.layers.Layer):
    """`[x (batch, H, W, C), w (batch, w_dim)]` → ys·x̂ + yb: AdaIN, with the style's affine transform "A".

    x̂ is `instance_standardize(x)`. The style (ys, yb), one scale and one bias per
    channel, comes from w through an `EqualizedDense` layer of 2C units (gain 1);
    ys = 1 + its first C outputs (so that a new layer starts near identity, as in
    StyleGAN's code), yb its last C.
    """

    def __init__(self, epsilon: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = real_number(epsilon, "epsilon", expected="a positive number", accept=lambda value: value > 0)
        self.affine = None

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) != 2
            or not all(isinstance(shape, (list, tuple)) for shape in input_shape)
        ):
            raise ValueError(f"AdaptiveInstanceNormalization takes two inputs [features, w], got {input_shape}")
        features, style = (tuple(shape) for shape in input_shape)
        if len(features) != 4 or features[-1] is None or len(style) != 2 or style[-1] is None:
            raise ValueError(
                "AdaptiveInstanceNormalization expects features (batch, height, width, channels) and "
                f"styles (batch, w_dim), got {features} and {style}"
            )
        self.channels = int(features[-1])
        self.affine = EqualizedDense(2 * self.channels, gain=1.0, name="affine")
        self.affine.build(style)

    def style(self, w):
        """`(ys, yb)` for styles `w` `(batch, w_dim)`: per-channel scales and biases, each `(batch, C)`."""
        style = self.affine(w)
        return 1.0 + style[:, : self.channels], style[:, self.channels :]

    def call(self, inputs):
        features, w = inputs
        scale, bias = self.style(w)
        normalized = instance_standardize(features, self.epsilon)
        return normalized * scale[:, None, None, :] + bias[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


# ---------------------------------------------------------------------------------------------------- style functions
def broadcast_styles(w, num_styles: int):
    """One w `(batch, w_dim)` → the same for every style input: `(batch, num_styles, w_dim)`."""
    num_styles = positive_int(num_styles, "num_styles")
    if len(w.shape) != 2:
        raise ValueError(f"w must be shaped (batch, w_dim), got {tuple(w.shape)}")
    return ops.repeat(ops.expand_dims(w, 1), num_styles, axis=1)


def mix_styles(w1, w2, crossover, num_styles: int):
    """Styles `(batch, num_styles, w_dim)`: style levels below `crossover` take `w1`, the others `w2`.

    `w1`, `w2`: `(batch, w_dim)`. `crossover` is one level for the whole batch
    (an int from 0, all w₂, to `num_styles`, all w₁) or one per image, `(batch,)`.
    """
    num_styles = positive_int(num_styles, "num_styles")
    if len(w1.shape) != 2 or tuple(w1.shape) != tuple(w2.shape):
        raise ValueError(f"w1 and w2 must both be shaped (batch, w_dim), got {tuple(w1.shape)} and {tuple(w2.shape)}")
    if isinstance(crossover, numbers.Integral) and not 0 <= crossover <= num_styles:
        raise ValueError(f"crossover must be between 0 and num_styles = {num_styles}, got {crossover}")
    levels = ops.arange(num_styles)[None, :]  # (1, L)
    crossover = ops.reshape(ops.convert_to_tensor(crossover), (-1, 1))  # (batch or 1, 1)
    take_first = ops.expand_dims(ops.cast(levels < ops.cast(crossover, levels.dtype), w1.dtype), -1)
    return take_first * broadcast_styles(w1, num_styles) + (1 - take_first) * broadcast_styles(w2, num_styles)


def random_crossovers(batch_size, num_styles: int, *, probability: float = 0.9, seed=None):
    """Crossover levels `(batch,)` for mixing regularization: with `probability` a level in [1, num_styles − 1].

    The other images get `num_styles` (no mixing: w₁ everywhere). `seed` is a
    `keras.random.SeedGenerator` (or an int). StyleGAN's code draws one crossover
    for the whole batch; one per image mixes the same share of images with less
    variance from batch to batch.
    """
    num_styles = positive_int(num_styles, "num_styles")
    real_number(probability, "probability", expected="a number in [0, 1]", accept=lambda value: 0 <= value <= 1)
    if num_styles < 2:
        return ops.full((batch_size,), num_styles, dtype="int32")
    mixed = keras.random.uniform((batch_size,), seed=seed) < probability
    levels = keras.random.randint((batch_size,), 1, num_styles, seed=seed, dtype="int32")
    return ops.where(mixed, levels, ops.full((batch_size,), num_styles, dtype="int32"))


def truncate_styles(w, w_average, psi: float):
    """The truncation trick: w̄ + ψ(w − w̄). ψ = 1 leaves w, ψ = 0 gives the average style for every coding."""
    if not is_real_number(psi):
        raise TypeError(f"psi must be a number, got {psi!r}")
    w_average = ops.cast(w_average, w.dtype)
    return w_average + float(psi) * (w - w_average)
