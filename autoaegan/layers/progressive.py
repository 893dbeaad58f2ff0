"""The layers of progressive growing of GANs (Karras et al. 2018, "ProGAN"), chapter 10.

- `EqualizedDense`, `EqualizedConv2D`: **equalized learning rate**. The weights are
  drawn from N(0, 1) and multiplied at run time by the He constant gain/√fan_in
  (gain √2 by default, so √(2 / fan_in)). The layer computes what a He-initialised
  layer would, but every weight lives on the same scale, so that Adam or RMSprop,
  which normalise each update by the gradient's running magnitude, move every
  weight at the same relative speed. (The slides say the weights are *divided* by
  √(2 / n_inputs): that is the wrong direction; the paper multiplies by that constant.)
- `PixelNormalization`: after each generator convolution, each pixel's feature
  vector is divided by its root mean square over the channels, which keeps the
  generator's activations from escalating while it competes with the discriminator.
- `MinibatchStandardDeviation`: near the end of the discriminator, the standard
  deviation of every feature over the batch, averaged into one number and appended
  as an extra feature map, lets the discriminator see when a batch lacks variety.
- `FadeIn`: while a new block grows in, the output is α·new + (1 − α)·old, with α
  raised from 0 to 1 by the training loop (`set_fade_in`).
"""

from __future__ import annotations

import math

import keras
from keras import ops

from autoaegan.arguments import positive_int, real_number

HE_GAIN = math.sqrt(2.0)


def _positive_float(value, name: str) -> float:
    return real_number(value, name, expected="a positive number", accept=lambda number: number > 0)


@keras.saving.register_keras_serializable(package="autoaegan")
class EqualizedDense(keras.layers.Dense):
    """A `Dense` layer with an equalized learning rate: kernel ~ N(0, 1), multiplied by gain/√fan_in at run time.

    `gain` is √2 for layers followed by a (leaky) relu, 1 for linear outputs.
    `learning_rate_multiplier` λ (StyleGAN's mapping network uses 0.01) draws the
    kernel from N(0, 1/λ²) and multiplies kernel and bias by λ at run time: the layer
    computes the same function, but an optimizer step moves it λ times as far.
    The bias starts at zero. Other arguments are `keras.layers.Dense`'s.
    """

    def __init__(self, units, *, gain: float = HE_GAIN, learning_rate_multiplier: float = 1.0, **kwargs):
        self.gain = _positive_float(gain, "gain")
        self.learning_rate_multiplier = _positive_float(learning_rate_multiplier, "learning_rate_multiplier")
        kwargs.setdefault(
            "kernel_initializer", keras.initializers.RandomNormal(stddev=1.0 / self.learning_rate_multiplier)
        )
        kwargs.setdefault("bias_initializer", "zeros")
        super().__init__(positive_int(units, "units"), **kwargs)
        self.weight_scale = None

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"EqualizedDense needs a known number of input features, got input shape {input_shape}")
        self.weight_scale = self.gain / math.sqrt(input_shape[-1]) * self.learning_rate_multiplier
        super().build(input_shape)

    def call(self, inputs, training=None):
        outputs = ops.matmul(inputs, self.kernel * self.weight_scale)
        if self.bias is not None:
            outputs = outputs + self.bias * self.learning_rate_multiplier
        return outputs if self.activation is None else self.activation(outputs)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain, "learning_rate_multiplier": self.learning_rate_multiplier}


@keras.saving.register_keras_serializable(package="autoaegan")
class EqualizedConv2D(keras.layers.Conv2D):
    """A `Conv2D` layer with an equalized learning rate: kernel ~ N(0, 1), multiplied by gain/√fan_in at run time.

    fan_in = kernel height × kernel width × input channels (÷ groups). Padding defaults to
    "same" (ProGAN's convolutions keep their size); the bias starts at zero.
    `gain` is √2 before a leaky relu, 1 for the 1×1 to-image layers. Other
    arguments are `keras.layers.Conv2D`'s.
    """

    def __init__(self, filters, kernel_size, *, gain: float = HE_GAIN, padding="same", **kwargs):
        self.gain = _positive_float(gain, "gain")
        kwargs.setdefault("kernel_initializer", keras.initializers.RandomNormal(stddev=1.0))
        kwargs.setdefault("bias_initializer", "zeros")
        super().__init__(positive_int(filters, "filters"), kernel_size, padding=padding, **kwargs)
        self.weight_scale = None

    def build(self, input_shape):
        if self.data_format != "channels_last" or input_shape[-1] is None:
            raise ValueError(
                "EqualizedConv2D expects channels-last inputs with a known number of channels, "
                f"got input shape {input_shape} ({self.data_format})"
            )
        # A filter of a grouped convolution reads only input_channels / groups channels: that is its fan-in.
        fan_in = math.prod(self.kernel_size) * (input_shape[-1] // self.groups)
        self.weight_scale = self.gain / math.sqrt(fan_in)
        super().build(input_shape)

    def convolution_op(self, inputs, kernel):
        return super().convolution_op(inputs, kernel * self.weight_scale)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


@keras.saving.register_keras_serializable(package="autoaegan")
class PixelNormalization(keras.layers.Layer):
    """x / √(mean over channels of x² + ε): each pixel's feature vector brought to a root mean square of 1."""

    def __init__(self, epsilon: float = 1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = _positive_float(epsilon, "epsilon")

    def call(self, inputs):
        return inputs * ops.rsqrt(ops.mean(ops.square(inputs), axis=-1, keepdims=True) + self.epsilon)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="autoaegan")
class MinibatchStandardDeviation(keras.layers.Layer):
    """Feature maps `(batch, H, W, C)` → `(batch, H, W, C + 1)`: the inputs plus one map of the batch's spread.

    For every position and channel, the standard deviation over the batch
    (√(variance + ε)); averaged over positions and channels into one number that
    fills the extra map. With `group_size=None` (the slides' layer) the whole batch
    is one group and every sample gets the same number. With `group_size=g` (the
    paper's code, g = 4) the batch is split into groups of g samples, sample i in
    group i mod (batch / g), each group with its own number; the batch size must
    then be a multiple of g (or smaller than g: one group).

    The slides' code, `tf.math.reduce_std(inputs, axis=[0, -1])`, pools the channels
    into each standard deviation: `pool_channels=True` computes that, the standard
    deviation over the group and the channels together at each position. By default
    the layer follows the paper's code: the spread is taken for each channel
    separately, so differences between the channels of one image are not mistaken
    for variety between images.
    """

    def __init__(self, group_size: int | None = None, *, epsilon: float = 1e-8, pool_channels: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.group_size = None if group_size is None else positive_int(group_size, "group_size")
        self.epsilon = _positive_float(epsilon, "epsilon")
        if not isinstance(pool_channels, bool):
            raise TypeError(f"pool_channels must be True or False, got {pool_channels!r}")
        self.pool_channels = pool_channels

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(
                f"MinibatchStandardDeviation expects feature maps (batch, height, width, channels), "
                f"got input shape {tuple(input_shape)}"
            )

    def _spread(self, grouped):
        # grouped: (group, M, H, W, C) → one averaged standard deviation per column m: (M,)
        axes = (0, 4) if self.pool_channels else (0,)
        variance = ops.mean(ops.square(grouped - ops.mean(grouped, axis=axes, keepdims=True)), axis=axes)
        return ops.mean(ops.sqrt(variance + self.epsilon), axis=tuple(range(1, len(variance.shape))))

    def call(self, inputs):
        batch = inputs.shape[0]
        if self.group_size is None:
            spread = ops.reshape(self._spread(ops.expand_dims(inputs, 1)), (1, 1, 1, 1))
        else:
            if batch is not None and batch > self.group_size and batch % self.group_size:
                raise ValueError(
                    f"MinibatchStandardDeviation(group_size={self.group_size}) needs a batch size that "
                    f"is a multiple of {self.group_size}, got a batch of {batch}"
                )
            size = self.group_size if batch is None else min(self.group_size, batch)
            if batch is None:
                size = ops.minimum(size, ops.shape(inputs)[0])
            height, width, channels = inputs.shape[1:]
            spread = self._spread(ops.reshape(inputs, (size, -1, height, width, channels)))
            spread = ops.reshape(ops.tile(spread, (size,)), (-1, 1, 1, 1))  # sample i → column i mod M
        return ops.concatenate([inputs, ops.ones_like(inputs[..., :1]) * ops.cast(spread, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[-1] is None else input_shape[-1] + 1
        return (*input_shape[:-1], channels)

    def get_config(self):
        return {
            **super().get_config(),
            "group_size": self.group_size,
            "epsilon": self.epsilon,
            "pool_channels": self.pool_channels,
        }


@keras.saving.register_keras_serializable(package="autoaegan")
class FadeIn(keras.layers.Layer):
    """`[old, new]` → α·new + (1 − α)·old: the blend that grows a new block in while the old path fades out.

    α is a non-trainable weight of the layer (saved with the weights), set with
    `set_alpha` or `set_fade_in(model, alpha)` between training steps: the
    compiled step reads its current value. `alpha` is its initial value.
    """

    def __init__(self, alpha: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.initial_alpha = _unit_interval(alpha)

    def build(self, input_shape):
        if (
            not isinstance(input_shape, (list, tuple))
            or len(input_shape) != 2
            or not all(isinstance(shape, (list, tuple)) for shape in input_shape)
        ):
            raise ValueError(f"FadeIn takes two inputs [old, new], got input shape {input_shape}")
        old, new = (tuple(shape) for shape in input_shape)
        if len(old) != len(new) or any(a is not None and b is not None and a != b for a, b in zip(old, new)):
            raise ValueError(f"FadeIn's inputs [old, new] must have the same shape, got {old} and {new}")
        self.alpha = self.add_weight(
            name="alpha", shape=(), trainable=False, initializer=keras.initializers.Constant(self.initial_alpha)
        )

    def call(self, inputs):
        old, new = inputs
        alpha = ops.cast(self.alpha, old.dtype)
        return old + alpha * (new - old)

    def set_alpha(self, alpha: float) -> None:
        """Set α (a number in [0, 1]) for the next calls."""
        if not self.built:
            raise ValueError(f"FadeIn layer {self.name!r} is not built yet: call it on [old, new] first")
        self.alpha.assign(_unit_interval(alpha))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[1])

    def get_config(self):
        return {**super().get_config(), "alpha": self.initial_alpha}


def _unit_interval(value) -> float:
    return real_number(value, "alpha", expected="a number in [0, 1]", accept=lambda number: 0.0 <= number <= 1.0)


def fade_in_layers(model: keras.Model) -> list[FadeIn]:
    """Every `FadeIn` layer of `model`, nested models included."""
    return [layer for layer in _layers_within(model) if isinstance(layer, FadeIn)]


def _layers_within(model) -> list[keras.layers.Layer]:
    """The layers of `model` and of the models nested in it, depth first (Keras's public `layers` lists)."""
    found = []
    for layer in getattr(model, "layers", ()):
        found.append(layer)
        found.extend(_layers_within(layer))
    return found


def set_fade_in(model: keras.Model, alpha: float) -> int:
    """Set α of every `FadeIn` layer of `model` (nested models included); return how many layers were set."""
    layers = fade_in_layers(model)
    for layer in layers:
        layer.set_alpha(alpha)
    return len(layers)
