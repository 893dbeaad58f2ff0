"""StyleGAN (Karras et al. 2019), chapter 11, at 32×32 on padded Fashion-MNIST.

The generator has two parts:

- the **mapping network**, an 8-layer MLP (`EqualizedDense`, leaky relu 0.2,
  learning rate multiplier 0.01 as in the paper), turns pixel-normalised codings z
  into a vector w;
- the **synthesis network** starts from a learned 4×4 constant and, at each
  resolution (4, 8, 16, 32), runs two layers. Each layer is a 3×3 convolution (the
  very first is the constant itself), `NoiseInjection` (noise before the
  activation), a leaky relu and `AdaptiveInstanceNormalization`, whose scale and
  bias per channel come from w through the layer's own affine transform. Between
  resolutions, nearest-neighbour ×2 upsampling; at the end, a 1×1 convolution to
  one channel and tanh. Its 8 style inputs are the "levels" of style mixing: 0-1
  at 4×4 (coarse: pose, silhouette) to 6-7 at 32×32 (fine details).

`StyleGenerator` keeps the moving average w̄ of the w it makes in training (for the
truncation trick) and takes `truncation_psi` and `noise` when called. The
discriminator and the loss are ProGAN's, unchanged, as the slides say: `StyleGAN`
is a `ProGAN` whose fakes are made with mixing regularization (90 % of the images
of a batch mix two codings at a random crossover). It does not grow: at 32×32 on 2
CPU cores the whole network trains from the start (StyleGAN 2 dropped growing too).

Chapter 11 writes the mapping network and the constant, noise and AdaIN layers
itself, and assembles them with `SynthesisNetwork(..., constant_class=...,
noise_class=..., adain_class=...)` and `StyleGenerator(mapping=..., synthesis=...)`:
the same weights, in the same places, as the shipped generator's.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from autoaegan.arguments import optional_seed, positive_int, positive_int_tuple, real_number
from autoaegan.latent import sample_codings
from autoaegan.layers.progressive import EqualizedConv2D, EqualizedDense, PixelNormalization
from autoaegan.layers.style import (
    AdaptiveInstanceNormalization,
    ConstantInput,
    NoiseInjection,
    broadcast_styles,
    mix_styles,
    random_crossovers,
    truncate_styles,
)
from autoaegan.models.progan import CHANNELS, LEAKY_SLOPE, ProGAN, ProgressiveDiscriminator, resolution_of
from autoaegan.pixels import output_to_unit

CODINGS_SIZE = 128
W_SIZE = 128
MAPPING_DEPTH = 8
MAPPING_LEARNING_RATE_MULTIPLIER = 0.01
# w̄ ← β·w̄ + (1 − β)·mean(w of the batch) at every generator step (StyleGAN's code: 0.995).
W_AVERAGE_BETA = 0.995
STYLE_MIXING_PROBABILITY = 0.9


def build_mapping_network(
    codings_size: int = CODINGS_SIZE,
    w_size: int = W_SIZE,
    *,
    depth: int = MAPPING_DEPTH,
    learning_rate_multiplier: float = MAPPING_LEARNING_RATE_MULTIPLIER,
) -> keras.Model:
    """Codings z `(codings_size,)` → w `(w_size,)`: pixel normalisation, then `depth` equalized dense layers.

    Each dense layer has `w_size` units and a leaky relu (0.2); their learning
    rate multiplier (0.01 in the paper) slows the mapping down against the
    synthesis network.
    """
    codings = keras.Input(shape=(positive_int(codings_size, "codings_size"),), name="codings")
    w = PixelNormalization(name="normalize_codings")(codings)
    for i in range(1, positive_int(depth, "depth") + 1):
        w = EqualizedDense(
            positive_int(w_size, "w_size"), learning_rate_multiplier=learning_rate_multiplier, name=f"mapping_{i}"
        )(w)
        w = keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"mapping_activation_{i}")(w)
    return keras.Model(codings, w, name="mapping_network")


@keras.saving.register_keras_serializable(package="autoaegan")
class SynthesisNetwork(keras.Model):
    """Styles `(batch, num_styles, w_size)` (or one w `(batch, w_size)` for all) → images `(r, r, 1)` in [-1, 1].

    `channels[k]` feature maps at resolution 4·2ᵏ; `num_styles = 2 × len(channels)`
    style inputs, one per AdaIN layer. `call(styles, noise=None)`: `noise` is None
    (every `NoiseInjection` draws its own) or a list of `num_styles` arrays shaped
    `noise_shapes(batch)`, e.g. from `make_noise`. `seed` seeds the noise layers
    (each its own, seed + i).

    `constant_class`, `noise_class`, `adain_class` are the layer classes it
    assembles (default the package's; chapter 11 passes its own). They are made
    as `constant_class(shape, name=...)`, `noise_class(seed, name=...)` and
    `adain_class(name=...)`, and called as the package's are. A network made with
    other classes is not serializable by its config.
    """

    def __init__(
        self,
        channels=CHANNELS,
        w_size: int = W_SIZE,
        *,
        seed: int | None = None,
        constant_class=ConstantInput,
        noise_class=NoiseInjection,
        adain_class=AdaptiveInstanceNormalization,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.channels = positive_int_tuple(channels, "channels")
        if not self.channels:
            raise ValueError("channels must name at least one resolution (the 4×4 one)")
        self.w_size = positive_int(w_size, "w_size")
        self.seed = optional_seed(seed)
        self.constant = constant_class((4, 4, self.channels[0]), name="constant")
        self.upsamplers, self.convolutions, self.noises, self.activations, self.adains = [], [], [], [], []
        for level, width in enumerate(self.channels):
            size = resolution_of(level)
            self.upsamplers.append(
                None
                if level == 0
                else keras.layers.UpSampling2D(2, interpolation="nearest", name=f"upsample_to_{size}x{size}")
            )
            for i in (1, 2):
                index = len(self.noises)
                first = level == 0 and i == 1
                self.convolutions.append(None if first else EqualizedConv2D(width, 3, name=f"conv_{size}x{size}_{i}"))
                self.noises.append(noise_class(None if seed is None else seed + index, name=f"noise_{size}x{size}_{i}"))
                self.activations.append(keras.layers.LeakyReLU(LEAKY_SLOPE, name=f"activation_{size}x{size}_{i}"))
                self.adains.append(adain_class(name=f"adain_{size}x{size}_{i}"))
        self.to_image = EqualizedConv2D(1, 1, gain=1.0, name="to_image")

    @property
    def num_styles(self) -> int:
        """How many style inputs (AdaIN layers) the network has: two per resolution."""
        return 2 * len(self.channels)

    @property
    def resolution(self) -> int:
        """The side of the images it makes."""
        return resolution_of(len(self.channels) - 1)

    def noise_shapes(self, batch_size: int) -> list[tuple[int, int, int, int]]:
        """The shape of each noise input, in order: `(batch, r, r, 1)`, two per resolution."""
        return [(batch_size, resolution_of(i // 2), resolution_of(i // 2), 1) for i in range(self.num_styles)]

    def make_noise(self, batch_size: int, *, seed: int) -> list[np.ndarray]:
        """Fixed noise for every noise input, drawn from N(0, 1) with NumPy's generator seeded by `seed`."""
        rng = np.random.default_rng(seed)
        return [
            rng.standard_normal(shape).astype(np.float32)
            for shape in self.noise_shapes(positive_int(batch_size, "batch_size"))
        ]

    def _styles(self, styles):
        if len(styles.shape) == 2:
            return broadcast_styles(styles, self.num_styles)
        if len(styles.shape) != 3 or styles.shape[1] != self.num_styles or styles.shape[2] != self.w_size:
            raise ValueError(
                f"styles must be shaped (batch, {self.w_size}) or (batch, {self.num_styles}, "
                f"{self.w_size}), got {tuple(styles.shape)}"
            )
        return styles

    def call(self, styles, noise=None, training=None):
        styles = self._styles(styles)
        if noise is not None and len(noise) != self.num_styles:
            raise ValueError(
                f"noise must be a list of {self.num_styles} arrays (one per noise layer), got {len(noise)}"
            )
        features = self.constant(styles)
        for index in range(self.num_styles):
            if index % 2 == 0 and self.upsamplers[index // 2] is not None:
                features = self.upsamplers[index // 2](features)
            if self.convolutions[index] is not None:
                features = self.convolutions[index](features)
            features = self.noises[index](features, noise=None if noise is None else noise[index])
            features = self.activations[index](features)
            features = self.adains[index]([features, styles[:, index]])
        return ops.tanh(self.to_image(features))

    def compute_output_shape(self, styles_shape, noise_shape=None):
        return (styles_shape[0], self.resolution, self.resolution, 1)

    def get_config(self):
        return {**super().get_config(), "channels": list(self.channels), "w_size": self.w_size, "seed": self.seed}


@keras.saving.register_keras_serializable(package="autoaegan")
class StyleGenerator(keras.Model):
    """Codings `(codings_size,)` → images `(r, r, 1)` in [-1, 1]: the mapping network, then the synthesis network.

    Call it as `generator(codings, truncation_psi=1.0, noise=None)`: ψ < 1 pulls
    each w toward the average w̄ (the truncation trick), `noise` holds the noise
    fixed (see `SynthesisNetwork`). In training mode each call moves w̄ toward the
    batch's mean w (β = `w_average_beta`). `styles(codings, truncation_psi)` gives
    w alone; `synthesis(styles)` makes images from styles, e.g. from `mix_styles`.

    `mapping` and `synthesis`, when given, replace the networks it would build
    (chapter 11's own): `mapping` must map `(codings_size,)` to `(w_size,)`, and
    `synthesis` be a `SynthesisNetwork` of `w_size` (its channels replace `channels`).
    """

    def __init__(
        self,
        codings_size: int = CODINGS_SIZE,
        w_size: int = W_SIZE,
        channels=CHANNELS,
        *,
        mapping_depth: int = MAPPING_DEPTH,
        w_average_beta: float = W_AVERAGE_BETA,
        seed: int | None = None,
        mapping: keras.Model | None = None,
        synthesis: SynthesisNetwork | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.codings_size = positive_int(codings_size, "codings_size")
        self.w_size = positive_int(w_size, "w_size")
        self.mapping_depth = positive_int(mapping_depth, "mapping_depth")
        self.w_average_beta = real_number(
            w_average_beta, "w_average_beta", expected="a number in [0, 1)", accept=lambda v: 0 <= v < 1
        )
        if mapping is None:
            mapping = build_mapping_network(self.codings_size, self.w_size, depth=self.mapping_depth)
        elif tuple(mapping.input_shape[1:]) != (self.codings_size,) or tuple(mapping.output_shape[1:]) != (
            self.w_size,
        ):
            raise ValueError(
                f"mapping must map ({self.codings_size},) codings to ({self.w_size},) styles, got "
                f"{tuple(mapping.input_shape[1:])} → {tuple(mapping.output_shape[1:])}"
            )
        if synthesis is None:
            synthesis = SynthesisNetwork(channels, self.w_size, seed=seed, name="synthesis_network")
        elif not isinstance(synthesis, SynthesisNetwork) or synthesis.w_size != self.w_size:
            raise ValueError(f"synthesis must be a SynthesisNetwork of w_size {self.w_size}, got {synthesis!r}")
        self.mapping, self.synthesis = mapping, synthesis
        self.seed = self.synthesis.seed
        self.w_average = self.add_weight(name="w_average", shape=(self.w_size,), initializer="zeros", trainable=False)
        # Built now, so that its weights exist (and load) before the first call.
        self.synthesis(ops.zeros((1, self.w_size)))
        self.built = True

    @property
    def num_styles(self) -> int:
        """The synthesis network's number of style inputs (the levels of style mixing)."""
        return self.synthesis.num_styles

    @property
    def input_shape(self):
        return (None, self.codings_size)

    @property
    def output_shape(self):
        size = self.synthesis.resolution
        return (None, size, size, 1)

    def track_average(self, w) -> None:
        """Move w̄ toward the mean of `w` `(batch, w_size)`, by 1 − β."""
        mean = ops.mean(ops.cast(w, "float32"), axis=0)
        self.w_average.assign(mean + self.w_average_beta * (self.w_average - mean))

    def styles(self, codings, *, truncation_psi: float = 1.0, training=None):
        """w `(batch, w_size)` for `codings`, truncated toward w̄ when ψ ≠ 1 (tracking w̄ in training mode)."""
        w = self.mapping(codings, training=training)
        if training:
            self.track_average(w)
        return w if truncation_psi == 1 else truncate_styles(w, self.w_average, truncation_psi)

    def call(self, codings, truncation_psi: float = 1.0, noise=None, training=None):
        w = self.styles(codings, truncation_psi=truncation_psi, training=training)
        return self.synthesis(w, noise=noise, training=training)

    def compute_output_shape(self, codings_shape):
        return (codings_shape[0], *self.output_shape[1:])

    def get_config(self):
        return {
            **super().get_config(),
            "codings_size": self.codings_size,
            "w_size": self.w_size,
            "channels": list(self.synthesis.channels),
            "mapping_depth": self.mapping_depth,
            "w_average_beta": self.w_average_beta,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="autoaegan")
class StyleGAN(ProGAN):
    """A `StyleGenerator` against ProGAN's discriminator, trained with mixing regularization.

    Every fake of a batch comes from two codings z₁, z₂: with probability
    `style_mixing_probability` (0.9) an image takes w₁ below a random crossover level
    and w₂ from it on, the others take w₁ throughout (`random_crossovers`). The
    losses are `ProGAN`'s ("logistic" by default).
    """

    def __init__(
        self,
        generator: StyleGenerator,
        discriminator: keras.Model,
        *,
        style_mixing_probability: float = STYLE_MIXING_PROBABILITY,
        **kwargs,
    ):
        if not isinstance(generator, StyleGenerator):
            raise TypeError(f"generator must be a StyleGenerator, got {type(generator).__name__}")
        super().__init__(generator, discriminator, **kwargs)
        self.style_mixing_probability = real_number(
            style_mixing_probability,
            "style_mixing_probability",
            expected="a number in [0, 1]",
            accept=lambda v: 0 <= v <= 1,
        )

    def mixed_styles(self, batch_size, *, training: bool = False):
        """Styles `(batch, num_styles, w_size)` of two fresh codings per image, mixed at random crossovers.

        In training mode w̄ follows the w₁ (the w of the unmixed images).
        """
        generator = self.generator
        w1 = generator.styles(self.sample_codings(batch_size), training=training)
        w2 = generator.styles(self.sample_codings(batch_size))
        crossovers = random_crossovers(
            batch_size, generator.num_styles, probability=self.style_mixing_probability, seed=self.seed_generator
        )
        return mix_styles(w1, w2, crossovers, generator.num_styles)

    def mixed_fakes(self, batch_size, *, training: bool):
        """Fakes made from `mixed_styles`."""
        return self.generator.synthesis(self.mixed_styles(batch_size, training=training), training=training)

    def discriminator_fakes(self, batch_size):
        # Inference mode: the generator has no batch statistics, and w̄ must only follow phase 2.
        return self.mixed_fakes(batch_size, training=False)

    def generator_fakes(self, batch_size):
        return self.mixed_fakes(batch_size, training=True)

    def generate(self, n: int, *, seed, batch_size: int = 1_000, truncation_psi: float = 1.0) -> np.ndarray:
        """`n` images in [0, 1], `(n, r, r, 1)`; codings and noise both drawn from `seed` (see `generate_images`)."""
        return generate_images(self.generator, n, seed=seed, batch_size=batch_size, truncation_psi=truncation_psi)

    def get_config(self):
        return {**super().get_config(), "style_mixing_probability": self.style_mixing_probability}


def generate_images(
    generator: StyleGenerator, n: int, *, seed, truncation_psi: float = 1.0, batch_size: int = 200
) -> np.ndarray:
    """`n` images of `generator` in [0, 1], `(n, r, r, 1)`, from codings and noise both drawn from `seed`.

    The styles are truncated by ψ = `truncation_psi`; the images are made
    `batch_size` at a time in inference mode, so that memory stays small.
    """
    if not isinstance(generator, StyleGenerator):
        raise TypeError(f"generator must be a StyleGenerator, got {type(generator).__name__}")
    n, batch_size = positive_int(n, "n"), positive_int(batch_size, "batch_size")
    codings = sample_codings(n, generator.codings_size, seed=seed)
    noise = generator.synthesis.make_noise(n, seed=seed)
    parts = [
        ops.convert_to_numpy(
            generator(
                codings[i : i + batch_size],
                truncation_psi=truncation_psi,
                training=False,
                noise=[part[i : i + batch_size] for part in noise],
            )
        )
        for i in range(0, n, batch_size)
    ]
    return output_to_unit(np.concatenate(parts))


def build_stylegan(
    codings_size: int = CODINGS_SIZE,
    w_size: int = W_SIZE,
    channels=CHANNELS,
    *,
    mapping_depth: int = MAPPING_DEPTH,
    loss: str = "logistic",
    group_size: int | None = None,
    style_mixing_probability: float = STYLE_MIXING_PROBABILITY,
    seed: int | None = None,
) -> StyleGAN:
    """A StyleGAN at the resolution of `channels` (32×32 for 4), against ProGAN's discriminator; not compiled."""
    generator = StyleGenerator(
        codings_size, w_size, channels, mapping_depth=mapping_depth, seed=seed, name="style_generator"
    )
    discriminator = ProgressiveDiscriminator(channels, group_size=group_size).model()
    return StyleGAN(
        generator,
        discriminator,
        loss=loss,
        seed=seed,
        style_mixing_probability=style_mixing_probability,
        name="stylegan",
    )
