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

import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import keras
import numpy as np
from keras import ops

from autoaegan.arguments import positive_int, positive_int_tuple
from autoaegan.profiles import Profile, get_profile

IMAGE_SHAPE = (28, 28)
N_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
CODINGS_SIZE = 30
GENERATOR_UNITS = (100, 150)
DISCRIMINATOR_UNITS = (150, 100)
# The generator's output activation decides the range of its images; real images are scaled to the same range.
VALUE_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


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
        from autoaegan.layers.minibatch_discrimination import MinibatchDiscrimination

        hidden = MinibatchDiscrimination(minibatch_kernels, minibatch_kernel_dim, name="minibatch_features")(hidden)
    real = dense(1, activation="sigmoid", name="real_probability")(hidden)
    return keras.Model(images, real, name="dense_discriminator")


def _output_activation(model: keras.Model) -> str | None:
    """The name of the last activation on the way to `model`'s output (Reshape and the like have none)."""
    for layer in reversed(model.layers):
        activation = getattr(layer, "activation", None)
        if activation is not None:
            return getattr(activation, "__name__", None)
        if isinstance(layer, keras.layers.Activation):
            return getattr(layer.activation, "__name__", None)
    return None


def _value_range(value_range, generator: keras.Model) -> tuple[float, float]:
    allowed = sorted(set(VALUE_RANGES.values()))
    if value_range is None:
        activation = _output_activation(generator)
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
        self.value_range = _value_range(value_range, generator)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise TypeError(f"seed must be an integer or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)
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
            images = ops.cast(images, "float32") / 255.0
        elif "float" not in dtype:
            raise TypeError(f"real images must be uint8 or floats in [0, 1], got dtype {dtype}")
        low, high = self.value_range
        return ops.cast(images, "float32") * (high - low) + low

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
        import tensorflow as tf  # this step is TensorFlow's; the networks themselves use keras.ops only

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
        import tensorflow as tf

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
        from autoaegan.latent import sample_codings

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


def generate_from(generator: keras.Model, codings, *, value_range=(0.0, 1.0), batch_size: int = 1_000) -> np.ndarray:
    """The images `generator` makes from `codings`, in inference mode, as float32 in [0, 1].

    Images in `value_range` (-1, 1), a tanh generator's, are mapped to [0, 1] with
    (x + 1) / 2, the range the figures and `evaluate_generated` read.
    """
    low, high = _value_range(value_range, generator)
    codings = np.asarray(codings, dtype=np.float32)
    batch_size = positive_int(batch_size, "batch_size")
    parts = [
        keras.ops.convert_to_numpy(generator(codings[i : i + batch_size], training=False))
        for i in range(0, len(codings), batch_size)
    ]
    images = np.concatenate(parts) if parts else np.zeros((0, *generator.output_shape[1:]), np.float32)
    return np.clip((images - low) / (high - low), 0.0, 1.0).astype(np.float32)


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


# --- the pretrained dense GAN ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GANRecipe:
    """How to train a GAN: one optimizer per network, batch size, the real images' label, and the speed settings.

    `optimizer` is "adam" (with `beta_1`) or "rmsprop"; `d_learning_rate` and
    `g_learning_rate` may differ (the two time-scale update rule of Heusel et al.
    2017 gives the discriminator the larger one; `PRETRAINED_RECIPE` does the
    reverse, which is what worked here); `schedule` is "constant" or "cosine"
    (both rates decay to 0 over the training's steps); `real_label` below 1 is one-sided label smoothing (see
    `GAN.compile`).
    """

    optimizer: str = "adam"
    d_learning_rate: float = 2e-4
    g_learning_rate: float = 2e-4
    beta_1: float = 0.5
    batch_size: int = 64
    schedule: str = "constant"
    real_label: float = 1.0
    jit_compile: bool = True
    steps_per_execution: int = 32

    def with_changes(self, **changes) -> GANRecipe:
        """A copy of this recipe with some fields changed."""
        return replace(self, **changes)

    def learning_rates(self, total_steps: int | None = None):
        """`(discriminator's, generator's)` learning rates: floats, or Keras schedules over `total_steps` steps."""
        if self.schedule == "constant":
            return self.d_learning_rate, self.g_learning_rate
        if self.schedule != "cosine":
            raise ValueError(f"schedule must be 'constant' or 'cosine', got {self.schedule!r}")
        if total_steps is None:
            raise ValueError("a cosine schedule needs the training's total_steps")
        total_steps = positive_int(total_steps, "total_steps")
        return tuple(
            keras.optimizers.schedules.CosineDecay(peak, total_steps, alpha=0.0)
            for peak in (self.d_learning_rate, self.g_learning_rate)
        )

    def make_optimizers(
        self, total_steps: int | None = None
    ) -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
        """Fresh `(d_optimizer, g_optimizer)` for a training of `total_steps` steps (needed by a cosine schedule)."""
        d_rate, g_rate = self.learning_rates(total_steps)
        if self.optimizer == "adam":
            return keras.optimizers.Adam(d_rate, beta_1=self.beta_1), keras.optimizers.Adam(g_rate, beta_1=self.beta_1)
        if self.optimizer == "rmsprop":
            return keras.optimizers.RMSprop(d_rate), keras.optimizers.RMSprop(g_rate)
        raise ValueError(f"optimizer must be 'adam' or 'rmsprop', got {self.optimizer!r}")

    def compile(self, gan: GAN, *, total_steps: int | None = None, profile: Profile | None = None) -> GAN:
        """Compile `gan` with this recipe (no XLA under a deterministic profile, where TensorFlow forbids it)."""
        profile = profile or get_profile()
        gan.compile(
            *self.make_optimizers(total_steps),
            real_label=self.real_label,
            jit_compile=self.jit_compile and not profile.deterministic,
            steps_per_execution=self.steps_per_execution,
        )
        return gan


# Géron's training of this GAN (3rd edition): RMSprop at Keras' default rate for both networks, batches of 32.
# Trained here it had collapsed by epoch 5, every sample one striped pattern.
GERON_RECIPE = GANRecipe(optimizer="rmsprop", d_learning_rate=1e-3, g_learning_rate=1e-3, beta_1=0.0, batch_size=32)
# The shipped dense GAN's recipe. Measured here (seed 42, Fashion-MNIST's 55,000 training images, evaluate_generated
# on 5,000 samples; the floor's FD at that N is 0.48, the shipped VAE's 94):
# - Géron's (GERON_RECIPE): the discriminator wins (accuracy 0.99 on both kinds, g_loss 13) and by epoch 6 every
#   sample is one pattern: 1 class of 10, FD 460;
# - Adam 2e-4, β1 0.5 for both (Radford et al.), batch 32 or 64, with or without label smoothing: the discriminator
#   still dominates (0.94-0.99 of fakes caught); FD 240-300 and 5-7 classes after 12 epochs, recall 0;
# - the same with a faster discriminator (4e-4 against 1e-4), the direction of the two time-scale update rule of
#   Heusel et al. 2017, which gives the discriminator the larger rate: worse here, FD 277 and 5 classes at 12 epochs;
# - the other way round, the discriminator four times slower than the generator (1e-4 against 4e-4): the reverse of
#   that rule, and what worked for these small dense networks, whose discriminator otherwise wins too easily. The
#   game reaches its equilibrium (d_loss 0.69) by epoch 10; 10 classes by epoch 25
#   and FD 119 at 30, 88 at 80, still falling slowly. One-sided label smoothing (real images labelled 0.9,
#   Salimans et al. 2016) helps a little: without it FD 123, 8 classes at epoch 30 (class entropy 0.83 against 0.89).
# - 100 epochs at those constant rates (N = 10,000): FD 93.2, 9 classes (pullovers 0.5%), precision 0.80, recall 0.004;
#   the same rates decayed to 0 along a cosine: FD 78.3, 10 classes (pullovers 1.0%), precision 0.76, recall 0.003.
PRETRAINED_RECIPE = GANRecipe(
    d_learning_rate=1e-4, g_learning_rate=4e-4, beta_1=0.5, batch_size=64, schedule="cosine", real_label=0.9
)
# Epochs of the shipped training; the test profile only checks that the path runs.
EPOCHS_BY_PROFILE = {"test": 1, "classroom": 100, "full": 100}
# What the metrics at export measure: N generated images drawn with this seed (evaluate_generated's defaults).
EVALUATION_N_BY_PROFILE = {"test": 500, "classroom": 10_000, "full": 10_000}
SAMPLE_SEED = 0


def default_work_dir() -> Path:
    """Where the dense GAN's long training keeps its checkpoints: `$AUTOAEGAN_WORK/dense_gan` or
    `benchmarks/work/dense_gan` (git-ignored)."""
    base = os.environ.get("AUTOAEGAN_WORK")
    return (Path(base) if base else Path(__file__).resolve().parents[2] / "benchmarks" / "work") / "dense_gan"


class _EpochCheckpoints(keras.callbacks.Callback):
    """After each epoch: record its mean losses and time, and (with a `directory`) save a checkpoint there.

    A checkpoint is `gan.weights.h5` (both networks and the codings' random state),
    `optimizers.npz` and `state.json`; `state.json` is written last, so that a run
    killed while saving resumes from the epoch before.
    """

    def __init__(self, directory: Path | None, state: dict):
        super().__init__()
        self.directory, self.state = directory, state
        self._started = self._cpu_started = None

    def on_epoch_begin(self, epoch, logs=None):
        self._started, self._cpu_started = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        state = self.state
        state["seconds_by_epoch"].append(round(time.perf_counter() - self._started, 2))
        state["cpu_seconds_by_epoch"].append(round(time.process_time() - self._cpu_started, 2))
        for name, value in (logs or {}).items():
            state["history"].setdefault(name, []).append(round(float(value), 5))
        state["epochs_done"] = epoch + 1
        if self.directory is not None:
            save_checkpoint(self.directory, self.model, state)


def save_checkpoint(directory: Path, gan: GAN, state: dict) -> None:
    """Write `gan`'s weights, its optimizers' variables and `state` (a JSON-able dict) into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    gan.save_weights(directory / "gan.weights.h5")
    np.savez(
        directory / "optimizers.npz",
        **{f"d_{i}": np.asarray(v) for i, v in enumerate(gan.d_optimizer.variables)},
        **{f"g_{i}": np.asarray(v) for i, v in enumerate(gan.g_optimizer.variables)},
    )
    temporary = directory / "state.json.tmp"
    temporary.write_text(json.dumps(state, indent=1) + "\n")
    temporary.replace(directory / "state.json")


def load_checkpoint(directory: Path, gan: GAN, settings: dict) -> dict | None:
    """Restore the checkpoint in `directory` into a compiled `gan`; return its state, or None when there is none.

    Refuses a checkpoint made with other `settings` (recipe, architecture, seed), which would mix two trainings.
    """
    path = Path(directory) / "state.json"
    if not path.is_file():
        return None
    state = json.loads(path.read_text())
    if state.get("settings") != settings:
        raise ValueError(
            f"the checkpoint in {directory} was made with other settings ({state.get('settings')}); "
            f"expected {settings}. Delete that folder to start afresh."
        )
    gan.load_weights(Path(directory) / "gan.weights.h5")
    with np.load(Path(directory) / "optimizers.npz") as saved:
        for prefix, optimizer in (("d", gan.d_optimizer), ("g", gan.g_optimizer)):
            for i, variable in enumerate(optimizer.variables):
                variable.assign(saved[f"{prefix}_{i}"])
    return state


def training_images(images, batch_size: int) -> np.ndarray:
    """`images` as a uint8 array `(n, 28, 28)` holding at least one batch of `batch_size`; a clear error otherwise."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"images must be uint8 shaped (n, 28, 28), got {images.dtype} of shape {images.shape}")
    if len(images) < batch_size:
        raise ValueError(f"need at least one batch of {batch_size} images, got {len(images)}")
    return images


def train_dense_gan(
    images,
    *,
    epochs: int,
    recipe: GANRecipe = PRETRAINED_RECIPE,
    codings_size: int = CODINGS_SIZE,
    seed: int = 42,
    profile: Profile | None = None,
    checkpoint_dir=None,
    callbacks=(),
    verbose="auto",
) -> tuple[GAN, dict]:
    """Train a fresh dense GAN on uint8 `images` `(n, 28, 28)` for `epochs` epochs; return `(gan, state)`.

    `state` holds `epochs_done`, `history` (each logged figure per epoch),
    `seconds_by_epoch`, `cpu_seconds_by_epoch` and the `settings`. With a
    `checkpoint_dir`, a checkpoint is saved after each epoch and a later call with
    the same settings resumes after the last one. Training stops with a
    `TrainingDivergedError` naming the epoch and step if a loss becomes NaN.
    """
    from autoaegan.data.pipeline import make_dataset
    from autoaegan.seeding import set_seed
    from autoaegan.training.fitting import NaNGuard

    epochs = positive_int(epochs, "epochs")
    images = training_images(images, recipe.batch_size)
    profile = profile or get_profile()
    set_seed(seed, profile=profile)
    total_steps = epochs * (len(images) // recipe.batch_size)
    gan = recipe.compile(build_dense_gan(codings_size, seed=seed), total_steps=total_steps, profile=profile)
    settings = {
        "architecture": "dense GAN (autoaegan.models.gan.build_dense_gan)",
        "codings_size": codings_size,
        "generator_units": list(GENERATOR_UNITS),
        "discriminator_units": list(DISCRIMINATOR_UNITS),
        "recipe": asdict(recipe),
        "seed": seed,
        "images": int(len(images)),
    }
    state = None if checkpoint_dir is None else load_checkpoint(Path(checkpoint_dir), gan, settings)
    state = state or {
        "epochs_done": 0,
        "history": {},
        "seconds_by_epoch": [],
        "cpu_seconds_by_epoch": [],
        "settings": settings,
    }
    if state["epochs_done"] < epochs:
        # Whole batches only: every step has the same shape, so XLA compiles the step once.
        dataset = make_dataset(
            images, batch_size=recipe.batch_size, shuffle=True, seed=seed + state["epochs_done"], drop_remainder=True
        )
        gan.fit(
            dataset,
            epochs=epochs,
            initial_epoch=state["epochs_done"],
            shuffle=False,
            verbose=verbose,
            callbacks=[NaNGuard(), _EpochCheckpoints(checkpoint_dir and Path(checkpoint_dir), state), *callbacks],
        )
    return gan, state


def build_pretrained_dense_gan() -> GAN:
    """The dense GAN (generator and discriminator) whose weights `autoaegan.pretrained` ships as `dense_gan`."""
    return build_dense_gan()


def train_pretrained_dense_gan(profile: Profile):
    """Train the shipped dense GAN on Fashion-MNIST under `profile`, resuming from checkpoints; a `TrainedModel`.

    The metrics at export are `evaluate_generated` on N = 10,000 samples (codings
    drawn with seed 0) against the test set, beside the real-vs-real floor.
    """
    from autoaegan.data.fashion_mnist import load_fashion_mnist
    from autoaegan.metrics.evaluation import evaluate_generated
    from autoaegan.pretrained.catalog import TrainedModel

    data = load_fashion_mnist()
    x_train = profile.subset(data.train_images, "train")
    epochs = profile.pick(**EPOCHS_BY_PROFILE)
    # Checkpoints only for the long trainings; the test profile's run is seconds long.
    checkpoint_dir = None if profile.name == "test" else default_work_dir() / f"checkpoints_{profile.name}"
    gan, state = train_dense_gan(
        x_train, epochs=epochs, seed=profile.seed, profile=profile, checkpoint_dir=checkpoint_dir, verbose=2
    )
    n = profile.pick(**EVALUATION_N_BY_PROFILE)
    report = evaluate_generated(gan.generate(n, seed=SAMPLE_SEED), name="dense GAN", n=n)
    print(report, flush=True)
    seconds, cpu = state["seconds_by_epoch"], state["cpu_seconds_by_epoch"]
    settings = {
        **state["settings"],
        "epochs": epochs,
        "data": f"Fashion-MNIST: {len(x_train):,} training images, scaled to [0, 1] in the step",
        "generator_output": "sigmoid",
        "value_range": list(gan.value_range),
        "training": "GAN.train_step: phase 1 trains the discriminator on real (label real_label) and fake "
        "(0) images, phase 2 the generator through the frozen discriminator (labels 1)",
    }
    metrics = {
        "generated": report.as_dict(),
        "report": str(report),
        "sample_seed": SAMPLE_SEED,
        "history": state["history"],
        "train_seconds_total": round(float(sum(seconds)), 1),
        "train_cpu_seconds_total": round(float(sum(cpu)), 1),
        "seconds_per_epoch": round(float(np.median(seconds)), 2),
        "parameters": {
            "generator": int(gan.generator.count_params()),
            "discriminator": int(gan.discriminator.count_params()),
        },
    }
    shipped = build_pretrained_dense_gan()  # a fresh, uncompiled copy: no optimizer state in the file
    shipped.set_weights(gan.get_weights())
    return TrainedModel(model=shipped, settings=settings, metrics=metrics)
