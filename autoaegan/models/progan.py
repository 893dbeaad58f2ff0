"""Progressive growing of GANs (Karras et al. 2018), chapter 10, on Fashion-MNIST padded to 32×32.

Training starts with a generator of 4×4 images and a discriminator that judges
4×4 images (real ones averaged down to that size). Then both grow, one level at a
time (8×8, 16×16, 32×32): the generator gets a block of nearest-neighbour ×2
upsampling and two "same" 3×3 convolutions (each followed by a leaky relu and a
`PixelNormalization`), and a new 1×1 to-image convolution; the discriminator gets a
1×1 from-image convolution and a block of two 3×3 convolutions and an average
pooling at its input. While a level grows in, a `FadeIn` layer blends the new
output with the upsampled output of the level below, α·new + (1 − α)·old, and α
rises from 0 to 1; the discriminator blends its new input path with the old one,
average-pooled, in the same way. Every layer stays trainable after it has grown.

`ProgressiveGenerator` and `ProgressiveDiscriminator` own the layers of every level
once; `model(level, fade_in=...)` wires a Keras model from those same layer
objects, so a grown model starts from the weights that the smaller one trained.
Every weight layer has an equalized learning rate (`EqualizedDense`,
`EqualizedConv2D`), and the discriminator ends with a
`MinibatchStandardDeviation` layer, a 3×3 convolution and two dense layers that
give one score (a logit) per image.

`ProGAN` trains one level's pair with the two phases of `autoaegan.models.gan.GAN`,
under one of two losses:

- "logistic" (default): the non-saturating logistic loss, softplus(D(fake)) +
  softplus(−D(real)) for the discriminator and softplus(−D(fake)) for the generator
  (StyleGAN's loss; the slides' binary cross-entropy written on logits). One
  discriminator pass per batch of each kind.
- "wgan-gp": the paper's Wasserstein loss with a gradient penalty (λ = 10) and
  a small drift term (ε = 0.001). The penalty differentiates the discriminator's
  gradient, which costs a second backward pass through it: measured here, about
  1.5 times the step time of the logistic loss on 2 CPU cores.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import tensorflow as tf
from keras import ops

from autoaegan.arguments import positive_int, positive_int_tuple, whole_number
from autoaegan.layers.progressive import (
    HE_GAIN,
    EqualizedConv2D,
    EqualizedDense,
    FadeIn,
    MinibatchStandardDeviation,
    PixelNormalization,
    fade_in_layers,
)
from autoaegan.models.gan import GAN
from autoaegan.models.progressive_images import downsample, upsample
from autoaegan.pixels import SIGNED_RANGE, uint8_to_unit, unit_to_signed

CODINGS_SIZE = 128
# Channels of the generator's block at 4×4, 8×8, 16×16 and 32×32; the discriminator mirrors them.
CHANNELS = (128, 128, 64, 32)
START_RESOLUTION = 4
LEAKY_SLOPE = 0.2
VALUE_RANGE = SIGNED_RANGE
LOSSES = ("logistic", "wgan-gp")


def resolution_of(level: int) -> int:
    """The side of the images at growth level `level`: 4 at level 0, then doubling (8, 16, 32...)."""
    return START_RESOLUTION * 2 ** whole_number(level, "level", at_least=0)


@dataclass(frozen=True)
class ProGANTechniques:
    """Which of the paper's techniques a progressive GAN uses (all by default); the ablation turns them off one by one.

    - `equalized_learning_rate`: `EqualizedDense` / `EqualizedConv2D`; off, plain
      layers with He-normal initial weights (the same initial function, but Adam's
      steps are no longer equal across layers);
    - `pixel_normalization`: after every generator convolution; off, nothing there;
    - `minibatch_stddev`: the discriminator's extra feature map; off, nothing there;
    - `progressive_growing`: train 4×4 first and grow; off, train at 32×32 from the
      start for the same number of images.
    """

    equalized_learning_rate: bool = True
    pixel_normalization: bool = True
    minibatch_stddev: bool = True
    progressive_growing: bool = True


ALL_TECHNIQUES = ProGANTechniques()


def _dense(units: int, *, gain: float = HE_GAIN, techniques: ProGANTechniques, name: str):
    if techniques.equalized_learning_rate:
        return EqualizedDense(units, gain=gain, name=name)
    return keras.layers.Dense(units, kernel_initializer=_he_initializer(gain), name=name)


def _conv(filters: int, size: int, *, gain: float = HE_GAIN, techniques: ProGANTechniques, name: str):
    if techniques.equalized_learning_rate:
        return EqualizedConv2D(filters, size, gain=gain, name=name)
    return keras.layers.Conv2D(filters, size, padding="same", kernel_initializer=_he_initializer(gain), name=name)


def _he_initializer(gain: float):
    # N(0, gain²/fan_in): the initial weights that an equalized layer applies at run time.
    return keras.initializers.VarianceScaling(scale=gain**2, mode="fan_in", distribution="untruncated_normal")


def _pixel_norm(techniques: ProGANTechniques, name: str):
    return PixelNormalization(name=name) if techniques.pixel_normalization else keras.layers.Identity(name=name)


def _channels(channels) -> tuple[int, ...]:
    channels = positive_int_tuple(channels, "channels")
    if not channels:
        raise ValueError("channels must name at least one level (the 4×4 block)")
    return channels


class _Growing:
    """What the generator and the discriminator share: their levels and the check of a requested level."""

    def __init__(self, channels):
        self.channels = _channels(channels)

    @property
    def max_level(self) -> int:
        """The last level: its images are `resolution_of(max_level)` pixels wide (32 for 4 levels)."""
        return len(self.channels) - 1

    @property
    def resolution(self) -> int:
        """The side of the images at the last level."""
        return resolution_of(self.max_level)

    def _level(self, level, fade_in) -> int:
        level = self.max_level if level is None else level
        resolution_of(level)  # checks the type
        if level > self.max_level:
            raise ValueError(
                f"level must be between 0 and {self.max_level} ({self.resolution}×{self.resolution}), got {level}"
            )
        if not isinstance(fade_in, bool):
            raise TypeError(f"fade_in must be True or False, got {fade_in!r}")
        if fade_in and level == 0:
            raise ValueError("level 0 (4×4) is where growing starts: it has no smaller level to fade in from")
        return int(level)


class ProgressiveGenerator(_Growing):
    """The layers of a growing generator, all levels, and `model(level, fade_in=...)` wiring them.

    Codings `(codings_size,)` are pixel-normalised, projected by an `EqualizedDense`
    layer to 4×4×`channels[0]`, then each level's block runs in turn. Every
    convolution is an `EqualizedConv2D` followed by a leaky relu (0.2) and a
    `PixelNormalization`. Each level has its own 1×1 to-image convolution (1 channel,
    gain 1); the image goes through tanh, so it lies in [-1, 1].
    """

    def __init__(
        self, codings_size: int = CODINGS_SIZE, channels=CHANNELS, *, techniques: ProGANTechniques = ALL_TECHNIQUES
    ):
        super().__init__(channels)
        self.codings_size = positive_int(codings_size, "codings_size")
        self.techniques = t = techniques
        self.normalize_codings = _pixel_norm(t, "normalize_codings")
        self.blocks, self.to_image, self.fades = [], [], []
        for level, width in enumerate(self.channels):
            size = resolution_of(level)
            tag = f"{size}x{size}"
            if level == 0:
                # The paper's first layer maps the codings to a 4×4 map (a dense layer), with gain √2/4.
                layers = [
                    _dense(16 * width, gain=HE_GAIN / 4, techniques=t, name="projection"),
                    keras.layers.Reshape((4, 4, width), name="projection_4x4"),
                    keras.layers.LeakyReLU(LEAKY_SLOPE, name="projection_activation"),
                    _pixel_norm(t, "projection_pixel_norm"),
                ]
                convolutions = 1
            else:
                layers = [keras.layers.UpSampling2D(2, interpolation="nearest", name=f"upsample_to_{tag}")]
                convolutions = 2
            for i in range(1, convolutions + 1):
                layers += [
                    _conv(width, 3, techniques=t, name=f"conv_{tag}_{i}"),
                    keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"activation_{tag}_{i}"),
                    _pixel_norm(t, f"pixel_norm_{tag}_{i}"),
                ]
            self.blocks.append(layers)
            self.to_image.append(_conv(1, 1, gain=1.0, techniques=t, name=f"to_image_{tag}"))
            self.fades.append(None if level == 0 else FadeIn(name=f"fade_in_{tag}"))

    def model(self, level: int | None = None, *, fade_in: bool = False) -> keras.Model:
        """Codings → images `(r, r, 1)` in [-1, 1] at `level` (default the last), built from the shared layers.

        With `fade_in=True` the output is `FadeIn([old, new])`: the level below's
        to-image output upsampled ×2 (old) and this level's (new), blended by α
        before the tanh. At α = 0 the model makes exactly the images of the level
        below, upsampled.
        """
        level = self._level(level, fade_in)
        size = resolution_of(level)
        codings = keras.Input(shape=(self.codings_size,), name="codings")
        features = self.normalize_codings(codings)
        previous = None
        for block in self.blocks[: level + 1]:
            previous = features
            for layer in block:
                features = layer(features)
        image = self.to_image[level](features)
        if fade_in:
            old = self.to_image[level - 1](previous)
            old = keras.layers.UpSampling2D(2, interpolation="nearest", name="upsample_previous_image")(old)
            image = self.fades[level]([old, image])
        images = keras.layers.Activation("tanh", name="images")(image)
        suffix = "_fade_in" if fade_in else ""
        return keras.Model(codings, images, name=f"progan_generator_{size}x{size}{suffix}")


class ProgressiveDiscriminator(_Growing):
    """The layers of a growing discriminator, all levels, and `model(level, fade_in=...)` wiring them.

    Images `(r, r, 1)` → one score per image (a logit: positive means "real"). At
    level k a 1×1 from-image convolution makes `channels[k]` maps, then the blocks
    run from level k down to 1: two 3×3 convolutions (the second to the channels
    of the level below) and a 2×2 average pooling. The last block, at 4×4, is a
    `MinibatchStandardDeviation` layer (`group_size`, default the whole batch), a
    3×3 convolution, and two dense layers (the second gives the score, gain 1).
    Every convolution and dense layer has an equalized learning rate and a leaky
    relu (0.2) after it, except the score.
    """

    def __init__(
        self, channels=CHANNELS, *, group_size: int | None = None, techniques: ProGANTechniques = ALL_TECHNIQUES
    ):
        super().__init__(channels)
        self.group_size = group_size
        self.techniques = t = techniques
        self.from_image, self.blocks, self.fades = [], [], []
        for level, width in enumerate(self.channels):
            size = resolution_of(level)
            tag = f"{size}x{size}"
            self.from_image.append(
                [
                    _conv(width, 1, techniques=t, name=f"from_image_{tag}"),
                    keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"from_image_activation_{tag}"),
                ]
            )
            if level == 0:
                spread = (
                    MinibatchStandardDeviation(group_size, name="minibatch_stddev")
                    if t.minibatch_stddev
                    else keras.layers.Identity(name="minibatch_stddev")
                )
                layers = [
                    spread,
                    _conv(width, 3, techniques=t, name="conv_4x4"),
                    keras.layers.LeakyReLU(LEAKY_SLOPE, name="activation_4x4"),
                    keras.layers.Flatten(name="flatten"),
                    _dense(width, techniques=t, name="dense"),
                    keras.layers.LeakyReLU(LEAKY_SLOPE, name="dense_activation"),
                    _dense(1, gain=1.0, techniques=t, name="score"),
                ]
            else:
                layers = []
                for i, filters in enumerate((width, self.channels[level - 1]), start=1):
                    layers += [
                        _conv(filters, 3, techniques=t, name=f"conv_{tag}_{i}"),
                        keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"activation_{tag}_{i}"),
                    ]
                layers.append(keras.layers.AveragePooling2D(2, name=f"downsample_from_{tag}"))
            self.blocks.append(layers)
            self.fades.append(None if level == 0 else FadeIn(name=f"fade_in_{tag}"))

    def model(self, level: int | None = None, *, fade_in: bool = False) -> keras.Model:
        """Images `(r, r, 1)` at `level` (default the last) → scores `(1,)`, built from the shared layers.

        With `fade_in=True`, the new path (this level's from-image and block) is
        blended by `FadeIn([old, new])` with the old one: the images average-pooled
        ×2 and read by the level below's from-image convolution. At α = 0 the
        model scores the images as the level below scores their downsampled copies.
        """
        level = self._level(level, fade_in)
        size = resolution_of(level)
        images = keras.Input(shape=(size, size, 1), name="images")
        features = images
        for layer in self.from_image[level]:
            features = layer(features)
        for position, block in enumerate(reversed(self.blocks[: level + 1])):
            for layer in block:
                features = layer(features)
            if fade_in and position == 0:
                old = keras.layers.AveragePooling2D(2, name="downsample_image")(images)
                for layer in self.from_image[level - 1]:
                    old = layer(old)
                features = self.fades[level]([old, features])
        suffix = "_fade_in" if fade_in else ""
        return keras.Model(images, features, name=f"progan_discriminator_{size}x{size}{suffix}")


def build_progressive_pair(
    channels=CHANNELS, *, codings_size: int = CODINGS_SIZE, techniques: ProGANTechniques | None = None
):
    """`(ProgressiveGenerator, ProgressiveDiscriminator)` of `channels`, with the paper's `techniques` (default all)."""
    techniques = ALL_TECHNIQUES if techniques is None else techniques
    if not isinstance(techniques, ProGANTechniques):
        raise TypeError(f"techniques must be a ProGANTechniques, got {type(techniques).__name__}")
    return (
        ProgressiveGenerator(codings_size, channels, techniques=techniques),
        ProgressiveDiscriminator(channels, techniques=techniques),
    )


# ---------------------------------------------------------------------------------------------------- training
@keras.saving.register_keras_serializable(package="autoaegan")
class ProGAN(GAN):
    """One level of a progressive GAN: its generator and discriminator trained by `GAN`'s two phases.

    `generator` and `discriminator` come from `ProgressiveGenerator.model(level,
    fade_in=...)` and `ProgressiveDiscriminator.model(level, fade_in=...)`. Real
    images arrive at the full resolution (uint8 or floats in [0, 1], shaped
    `(batch, R, R, 1)`) and are average-pooled to the level's size. While a level
    fades in, the real images are blended the same way as the fakes, α·x + (1 −
    α)·upsample(downsample(x)) (the paper's code does this), so that the
    discriminator cannot tell reals from fakes by their sharpness alone. α is read
    from the generator's `FadeIn` layers: set it with `set_alpha` (or the
    `FadeInSchedule` callback).

    `loss` is "logistic" or "wgan-gp" (see the module's docstring); with "wgan-gp",
    `gradient_penalty_weight` (λ, 10) and `drift_weight` (ε, 0.001). The
    discriminator scores the real and the fake batch in separate calls, so that the
    minibatch standard deviation of each is the spread of one kind of image.
    Metrics: `d_loss`, `g_loss`, and the share of real (fake) images whose score is
    above (below) zero.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        loss: str = "logistic",
        gradient_penalty_weight: float = 10.0,
        drift_weight: float = 1e-3,
        seed: int | None = None,
        value_range=VALUE_RANGE,
        codings_size: int | None = None,
        **kwargs,
    ):
        super().__init__(
            generator, discriminator, codings_size=codings_size, seed=seed, value_range=value_range, **kwargs
        )
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
        self.loss = loss
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.drift_weight = float(drift_weight)
        if self.gradient_penalty_weight < 0 or self.drift_weight < 0:
            raise ValueError(
                f"gradient_penalty_weight and drift_weight must be ≥ 0, got "
                f"{gradient_penalty_weight!r} and {drift_weight!r}"
            )
        self.fade_layers = fade_in_layers(generator) + fade_in_layers(discriminator)
        if len(fade_in_layers(generator)) != len(fade_in_layers(discriminator)):
            raise ValueError(
                "the generator and the discriminator must both fade in or both not: got "
                f"{len(fade_in_layers(generator))} and {len(fade_in_layers(discriminator))} "
                "FadeIn layers"
            )

    @property
    def fading(self) -> bool:
        """True while this pair is growing a level in (its models have `FadeIn` layers)."""
        return bool(self.fade_layers)

    @property
    def alpha(self) -> float:
        """The current α of the fade-in (1.0 for a pair that does not fade)."""
        return float(ops.convert_to_numpy(self.fade_layers[0].alpha)) if self.fading else 1.0

    def set_alpha(self, alpha: float) -> None:
        """Set α of every `FadeIn` layer of both networks."""
        if not self.fading:
            raise ValueError("this pair does not fade in: build its models with fade_in=True")
        for layer in self.fade_layers:
            layer.set_alpha(alpha)

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Give each network its optimizer (the paper: Adam, 1e-3, β₁ = 0, β₂ = 0.99); other keywords go to Keras."""
        if "loss_fn" in kwargs or "real_label" in kwargs:
            raise TypeError("ProGAN's loss is chosen when it is made (loss='logistic' or 'wgan-gp'), not at compile")
        super().compile(d_optimizer, g_optimizer, **kwargs)

    def real_images(self, images):
        """Real images, uint8 or floats in [0, 1] at any multiple of the level's size, as the discriminator reads."""
        size = int(self.generator.output_shape[1])
        shape = tuple(images.shape)
        if len(shape) != 4 or shape[-1] != 1 or shape[1] is None or shape[1] != shape[2] or shape[1] % size:
            raise ValueError(
                f"real images must be shaped (batch, R, R, 1) with R a multiple of the level's {size}, got {shape}"
            )
        dtype = keras.backend.standardize_dtype(images.dtype)
        if dtype == "uint8":
            images = uint8_to_unit(images)
        elif "float" not in dtype:
            raise TypeError(f"real images must be uint8 or floats in [0, 1], got dtype {dtype}")
        images = downsample(ops.cast(images, "float32"), shape[1] // size)
        if self.fading:
            blurred = upsample(downsample(images, 2), 2)
            images = blurred + ops.cast(self.fade_layers[0].alpha, "float32") * (images - blurred)
        return unit_to_signed(images) if self.value_range == SIGNED_RANGE else images

    def generator_fakes(self, batch_size):
        """The fakes of phase 2, made inside its gradient tape; subclasses (StyleGAN) change how."""
        return self.generator(self.sample_codings(batch_size), training=True)

    def _gradient_penalty(self, real, fakes):
        mix = keras.random.uniform((ops.shape(real)[0], 1, 1, 1), seed=self.seed_generator)
        between = real + mix * (fakes - real)
        with tf.GradientTape() as tape:
            tape.watch(between)
            total = ops.sum(self.discriminator(between, training=True))
        gradients = tape.gradient(total, between)
        norms = ops.sqrt(ops.sum(ops.square(gradients), axis=(1, 2, 3)) + 1e-12)
        return ops.mean(ops.square(norms - 1.0))

    def discriminator_step(self, real_images):
        """Phase 1: one discriminator step on a real batch and a fake batch, each scored in its own call.

        Returns `(loss, P(real) of the reals, P(real) of the fakes)`, the
        probabilities being the sigmoid of the scores.
        """
        real = self.real_images(real_images)
        fakes = ops.stop_gradient(self.discriminator_fakes(ops.shape(real)[0]))
        weights = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            real_scores = self.discriminator(real, training=True)
            fake_scores = self.discriminator(fakes, training=True)
            if self.loss == "logistic":
                loss = ops.mean(ops.softplus(fake_scores)) + ops.mean(ops.softplus(-real_scores))
            else:
                loss = (
                    ops.mean(fake_scores)
                    - ops.mean(real_scores)
                    + self.gradient_penalty_weight * self._gradient_penalty(real, fakes)
                    + self.drift_weight * ops.mean(ops.square(real_scores))
                )
        self.d_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return loss, ops.sigmoid(real_scores), ops.sigmoid(fake_scores)

    def generator_step(self, batch_size):
        """Phase 2: one generator step through the discriminator (unchanged), which should score its fakes real."""
        weights = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            scores = self.discriminator(self.generator_fakes(batch_size), training=False)
            loss = ops.mean(ops.softplus(-scores)) if self.loss == "logistic" else -ops.mean(scores)
        self.g_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return loss, ops.sigmoid(scores)

    def get_config(self):
        return {
            **super().get_config(),
            "loss": self.loss,
            "gradient_penalty_weight": self.gradient_penalty_weight,
            "drift_weight": self.drift_weight,
        }


class FadeInSchedule(keras.callbacks.Callback):
    """Raise α of a fading `ProGAN` linearly from 0 to 1 over its first `steps` training steps, then hold 1.

    α is set before each call of the compiled step; with `steps_per_execution = k`
    it moves in stairs of k steps. `start`: the steps of the fade already done
    (a fade that spans several `fit` calls, e.g. resumed from a checkpoint).
    """

    def __init__(self, steps: int, *, start: int = 0):
        super().__init__()
        self.steps = positive_int(steps, "steps")
        self.step = whole_number(start, "start", at_least=0)

    def on_train_batch_begin(self, batch, logs=None):
        self.model.set_alpha(min(1.0, self.step / self.steps))

    def on_train_batch_end(self, batch, logs=None):
        self.step += int(getattr(self.model, "steps_per_execution", 1) or 1)

    def on_train_end(self, logs=None):
        self.model.set_alpha(min(1.0, self.step / self.steps))
