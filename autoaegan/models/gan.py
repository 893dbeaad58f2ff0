"""The generative adversarial network of chapter 07 (Goodfellow et al. 2014; Géron, 3rd edition).

Two networks compete. The **generator** is shaped like an autoencoder's decoder: it
turns random codings into images. The **discriminator** is a binary classifier
with one sigmoid output: the probability that its input image is real. Each
training iteration has the slides' two phases:

1. train the discriminator for one step on a batch of real images labelled 1
   and as many fakes from the generator labelled 0;
2. train the generator for one step through the discriminator, on a new batch
   of fakes all labelled 1 ("real"): the generator learns to make images that the
   discriminator (wrongly) believes real. The discriminator stays unchanged.

Géron writes the second phase by chaining both networks in one Keras model and
toggling the discriminator's `trainable` attribute between compilations. Keras 3
lets a model write its own `train_step` instead (the keras-io GAN examples): `GAN`
takes each gradient only with respect to the network that the phase trains, with
its own optimizer, so no flag has to be flipped. Chapters 08 and 09 reuse this
model (the DCGAN trains with the same step).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from autoaegan.arguments import optional_seed, positive_int, positive_int_tuple
from autoaegan.latent import sample_codings
from autoaegan.layers.minibatch_discrimination import MinibatchDiscrimination
from autoaegan.pixels import SIGNED_RANGE, uint8_to_unit, unit_to_signed
from autoaegan.training.sampling import generate_from, value_range_of

IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
CODINGS_SIZE = 30
GENERATOR_UNITS = (100, 150)
DISCRIMINATOR_UNITS = (150, 100)


def build_dense_generator(codings_size: int = CODINGS_SIZE, *, units=GENERATOR_UNITS) -> keras.Model:
    """Codings `(codings_size,)` → images `(28, 28)` in [0, 1]: relu Dense layers of `units`, 784 sigmoid pixels.

    Géron's generator, shaped like the decoder of a stacked autoencoder (30 → 100 →
    150 → 784). The sigmoid keeps its pixels in [0, 1], the range of the real images.
    """
    codings_size = positive_int(codings_size, "codings_size")
    codings = keras.Input(shape=(codings_size,), name="codings")
    hidden = codings
    for size in positive_int_tuple(units, "units"):
        hidden = keras.layers.Dense(size, activation="relu")(hidden)
    pixels = keras.layers.Dense(N_PIXELS, activation="sigmoid")(hidden)
    images = keras.layers.Reshape(IMAGE_SHAPE, name="images")(pixels)
    return keras.Model(codings, images, name="dense_generator")


def build_dense_discriminator(
    *,
    units=DISCRIMINATOR_UNITS,
    spectral_norm: bool = False,
    minibatch_kernels: int | None = None,
    minibatch_kernel_dim: int = 5,
) -> keras.Model:
    """Images `(28, 28)` → the probability that each one is real, shape `(1,)`: a binary classifier.

    Géron's discriminator: Flatten, relu Dense layers of `units` (150 and 100), then a
    single sigmoid unit, trained with binary cross-entropy. Two stabilisers of chapter 08
    are options, both off by default:

    - `spectral_norm=True` wraps every Dense layer in `keras.layers.SpectralNormalization`
      (Miyato et al. 2018), which keeps each layer's largest singular value near 1;
    - `minibatch_kernels=B` puts a `MinibatchDiscrimination` layer (Salimans et al. 2016)
      with B kernels of `minibatch_kernel_dim` dimensions before the output unit, so that
      the verdict on each image can use how close it is to the other images of its batch.
    """
    if not isinstance(spectral_norm, bool):
        raise TypeError(f"spectral_norm must be True or False, got {spectral_norm!r}")

    def dense(size, *, name=None, **kwargs):
        if not spectral_norm:
            return keras.layers.Dense(size, name=name, **kwargs)
        # The model's layer is the wrapper, so it carries the name.
        return keras.layers.SpectralNormalization(keras.layers.Dense(size, **kwargs), name=name)

    images = keras.Input(shape=IMAGE_SHAPE, name="images")
    hidden = keras.layers.Flatten()(images)
    for size in positive_int_tuple(units, "units"):
        hidden = dense(size, activation="relu")(hidden)
    if minibatch_kernels is not None:
        hidden = MinibatchDiscrimination(minibatch_kernels, minibatch_kernel_dim, name="minibatch_features")(hidden)
    real = dense(1, activation="sigmoid", name="real_probability")(hidden)
    return keras.Model(images, real, name="dense_discriminator")


def _check_networks(generator, discriminator, codings_size) -> int:
    if not isinstance(generator, keras.Model) or not isinstance(discriminator, keras.Model):
        raise TypeError(
            "generator and discriminator must be keras.Model objects, "
            f"got {type(generator).__name__} and {type(discriminator).__name__}"
        )
    generator_inputs = tuple(generator.input_shape)
    if len(generator_inputs) != 2:
        raise ValueError(
            f"the generator must take flat codings (batch, codings_size), got input shape {generator_inputs}"
        )
    if codings_size is None:
        codings_size = generator_inputs[-1]
    codings_size = positive_int(codings_size, "codings_size")
    if generator_inputs[-1] != codings_size:
        raise ValueError(
            f"the generator takes codings of size {generator_inputs[-1]}, but codings_size is {codings_size}"
        )
    made, judged = tuple(generator.output_shape)[1:], tuple(discriminator.input_shape)[1:]
    if made != judged:
        raise ValueError(f"the generator makes images of shape {made}, but the discriminator reads images of {judged}")
    verdict = tuple(discriminator.output_shape)[1:]
    if verdict != (1,):
        raise ValueError(
            f"the discriminator must output one probability per image, shape (batch, 1), got (batch, *{verdict})"
        )
    return codings_size


@keras.saving.register_keras_serializable(package="autoaegan")
class GAN(keras.Model):
    """A generator and a discriminator trained against each other by the slides' two-phase `train_step`.

    `generator`: codings `(codings_size,)` → images; `discriminator`: images → `(1,)`
    sigmoid probability of "real". `codings_size` defaults to the generator's input
    size. `value_range` is the range of the generator's images, `(0, 1)` or `(-1, 1)`;
    by default it is read from the generator's output activation (sigmoid or tanh).
    Real images arrive as uint8, or floats in [0, 1] (what `autoaegan.data.pipeline`
    yields), and are scaled to `value_range` inside the step. `seed` seeds the
    `keras.random.SeedGenerator` that draws the codings during training.

    Compile with `compile(d_optimizer, g_optimizer, loss_fn=BinaryCrossentropy())`
    (plus `compile`'s usual `jit_compile`, `steps_per_execution`), then `fit` a
    dataset of real images, or call `autoaegan.training.fitting.fit(gan, images)`. Each step
    reports `d_loss`, `g_loss`, `d_real_accuracy` and `d_fake_accuracy` (the share of
    real images the discriminator calls real, and of fakes it calls fake). Calling
    the model on codings returns generated images.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        *,
        codings_size: int | None = None,
        seed: int | None = None,
        value_range=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.codings_size = _check_networks(generator, discriminator, codings_size)
        # The generator's output activation decides the range of its images; real images are scaled to the same.
        self.value_range = value_range_of(generator, value_range)
        self.seed = optional_seed(seed)
        self.generator = generator
        self.discriminator = discriminator
        self.seed_generator = keras.random.SeedGenerator(self.seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_accuracy = keras.metrics.BinaryAccuracy(name="d_real_accuracy")
        self.d_fake_accuracy = keras.metrics.BinaryAccuracy(name="d_fake_accuracy")
        self.d_optimizer = self.g_optimizer = self.loss_fn = None
        # Both networks are built functional models: so is this one, and its weights load directly.
        self.built = True

    @property
    def metrics(self):
        # Listed here so that Keras resets them at the start of each epoch.
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_accuracy, self.d_fake_accuracy]

    def compile(self, d_optimizer, g_optimizer, loss_fn=None, *, real_label: float = 1.0, **kwargs):
        """Give each network its optimizer; `loss_fn(y_true, y_pred)` defaults to binary cross-entropy.

        `real_label` is the target of real images in phase 1: 1 as in the slides, or
        e.g. 0.9 for one-sided label smoothing (Salimans et al. 2016), which keeps
        the discriminator from becoming over-confident. Fakes are always labelled 0
        in phase 1, and every fake 1 in phase 2. Other keyword arguments
        (`jit_compile`, `steps_per_execution`) go to `keras.Model.compile`.
        """
        for name, optimizer in (("d_optimizer", d_optimizer), ("g_optimizer", g_optimizer)):
            if not isinstance(optimizer, keras.optimizers.Optimizer):
                raise TypeError(f"{name} must be a keras optimizer, got {type(optimizer).__name__}")
        if d_optimizer is g_optimizer:
            raise ValueError("give each network its own optimizer: one optimizer cannot hold both networks' state")
        if not 0.5 < float(real_label) <= 1.0:
            raise ValueError(f"real_label must be in (0.5, 1], got {real_label!r}")
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.loss_fn = keras.losses.BinaryCrossentropy() if loss_fn is None else loss_fn
        self.real_label = float(real_label)
        # Built here, outside any traced function, so that XLA-compiled steps find their variables ready.
        for optimizer, network in ((d_optimizer, self.discriminator), (g_optimizer, self.generator)):
            if not optimizer.built:
                optimizer.build(network.trainable_variables)

    def call(self, codings, training=None):
        return self.generator(codings, training=training)

    # --- the two phases --------------------------------------------------------------------------------------

    def real_images(self, images):
        """Real images, uint8 or floats in [0, 1], as floats in the generator's `value_range`."""
        made = tuple(self.generator.output_shape)[1:]
        got = tuple(images.shape)[1:]
        if len(got) != len(made) or any(g is not None and g != m for g, m in zip(got, made)):
            raise ValueError(
                f"real images must be shaped (batch, *{made}) like the generator's, got {tuple(images.shape)}"
            )
        dtype = keras.backend.standardize_dtype(images.dtype)
        if dtype == "uint8":
            images = uint8_to_unit(images)
        elif "float" not in dtype:
            raise TypeError(f"real images must be uint8 or floats in [0, 1], got dtype {dtype}")
        images = ops.cast(images, "float32")
        return unit_to_signed(images) if self.value_range == SIGNED_RANGE else images

    def sample_codings(self, batch_size):
        """`batch_size` codings from N(0, I), drawn from the model's seeded generator (each call advances it)."""
        return keras.random.normal((batch_size, self.codings_size), seed=self.seed_generator)

    def _generate_without_state_change(self, codings):
        # The fakes of phase 1 come from the generator in training mode, as in phase 2, so that the discriminator
        # learns to reject what the generator really produces during training (with BatchNorm, batch statistics
        # rather than moving averages). A plain call in training mode would also update the generator's BatchNorm
        # moving statistics, a change outside this phase's network; `stateless_call` returns those updates
        # separately, and they are dropped.
        trainable = [v.value for v in self.generator.trainable_variables]
        non_trainable = [v.value for v in self.generator.non_trainable_variables]
        fakes, _ = self.generator.stateless_call(trainable, non_trainable, codings, training=True)
        return fakes

    def discriminator_fakes(self, batch_size):
        """The `batch_size` fakes that phase 1 shows the discriminator: fresh ones from the current generator.

        Subclasses change what the discriminator sees here, e.g. `autoaegan.models.replay.ReplayGAN`
        mixes in fakes of earlier generators (experience replay).
        """
        return self._generate_without_state_change(self.sample_codings(batch_size))

    def discriminator_step(self, real_images):
        """Phase 1: one step of the discriminator on real images (label `real_label`, 1) and as many fakes (0).

        Changes the discriminator's weights only. Returns `(loss, real predictions, fake predictions)`.
        """
        real_images = self.real_images(real_images)
        batch_size = ops.shape(real_images)[0]
        fakes = ops.stop_gradient(self.discriminator_fakes(batch_size))
        # The slides' batch: fakes and real images concatenated, labelled 0 and 1, in one step.
        images = ops.concatenate([fakes, ops.cast(real_images, fakes.dtype)], axis=0)
        labels = ops.concatenate([ops.zeros((batch_size, 1)), ops.full((batch_size, 1), self.real_label)], axis=0)
        weights = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            predictions = self.discriminator(images, training=True)
            loss = self.loss_fn(labels, predictions)
        self.d_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return loss, predictions[batch_size:], predictions[:batch_size]

    def generator_step(self, batch_size):
        """Phase 2: one step of the generator through the discriminator, every fake labelled 1 ("real").

        Changes the generator's weights only. Returns `(loss, predictions on the fakes)`.
        """
        codings = self.sample_codings(batch_size)
        labels = ops.ones((batch_size, 1))
        weights = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fakes = self.generator(codings, training=True)
            # training=False: the discriminator is only a judge in this phase, and it must not change at all.
            # Gradients reach no discriminator weight (they are taken with respect to the generator's only), but a
            # call in training mode would still move its BatchNorm moving mean and variance, and turn on its
            # Dropout. In inference mode BatchNorm normalises with those moving statistics, averaged over the
            # mixed real-and-fake batches of phase 1, which is close to how the discriminator was just trained.
            predictions = self.discriminator(fakes, training=False)
            loss = self.loss_fn(labels, predictions)
        self.g_optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return loss, predictions

    def train_step(self, data):
        if self.d_optimizer is None:
            raise RuntimeError("compile the GAN with compile(d_optimizer, g_optimizer) before training it")
        real_images, _, _ = keras.utils.unpack_x_y_sample_weight(data)  # (x, x) pairs from training.fit, or x
        d_loss, real_predictions, fake_predictions = self.discriminator_step(real_images)
        g_loss, _ = self.generator_step(ops.shape(real_predictions)[0])
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_accuracy.update_state(ops.ones_like(real_predictions), real_predictions)
        self.d_fake_accuracy.update_state(ops.zeros_like(fake_predictions), fake_predictions)
        return {metric.name: metric.result() for metric in self.metrics}

    # --- sampling ----------------------------------------------------------------------------------------------

    def generate(self, n: int, *, seed, batch_size: int = 1_000) -> np.ndarray:
        """`n` generated images as float32 NumPy arrays in [0, 1], whatever `value_range` is.

        The codings come from `autoaegan.latent.sample_codings(n, codings_size, seed=seed)`,
        so a given seed gives the same images; the generator runs in inference mode,
        `batch_size` codings at a time.
        """
        codings = sample_codings(positive_int(n, "n"), self.codings_size, seed=seed)
        return generate_from(self.generator, codings, value_range=self.value_range, batch_size=batch_size)

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "codings_size": self.codings_size,
            "seed": self.seed,
            "value_range": list(self.value_range),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        discriminator = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        return cls(generator, discriminator, **config)


def build_dense_gan(
    codings_size: int = CODINGS_SIZE,
    *,
    generator_units=GENERATOR_UNITS,
    discriminator_units=DISCRIMINATOR_UNITS,
    seed: int | None = None,
) -> GAN:
    """Géron's dense GAN, not compiled: `build_dense_generator` against `build_dense_discriminator`."""
    generator = build_dense_generator(codings_size, units=generator_units)
    discriminator = build_dense_discriminator(units=discriminator_units)
    return GAN(generator, discriminator, codings_size=codings_size, seed=seed, name="dense_gan")
