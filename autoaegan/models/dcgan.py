"""Deep convolutional GANs, chapter 09 (Radford et al. 2016; Géron, 3rd edition).

Two DCGANs for 28×28 Fashion-MNIST, both generating images in [-1, 1] (tanh):

- **Géron's** (`build_geron_generator`, `build_geron_discriminator`): the generator
  projects 100 codings to 7×7×128 with a Dense layer, then two stride-2 transposed
  convolutions (5×5) grow them to 14×14×64 (relu) and 28×28×1 (tanh), with batch
  normalisation after the projection and after the first transposed convolution.
  The discriminator is two stride-2 convolutions (64 and 128 filters, LeakyReLU 0.2),
  each followed by Dropout(0.4), and a sigmoid Dense output. Géron notes that he
  put Dropout where the guidelines put batch normalisation in the discriminator,
  because training was unstable otherwise; and his projection has no relu. The
  guideline checker names both deviations.
- **The course's** (`build_dcgan_generator`, `build_dcgan_discriminator`): the same
  shapes and nearly the same cost, made to follow every guideline of the paper
  (`autoaegan.experiments.dcgan_guidelines`): batch normalisation and relu after the
  projection, batch normalisation before the discriminator's second LeakyReLU,
  no biases in front of a batch normalisation (its shift replaces them). It trains
  with the shared two-phase `GAN.train_step` under the paper's optimizer (Adam,
  β₁ = 0.5; see `COURSE_RECIPE`). Chapter 09 writes the same generator in its own
  code cells and loads the shipped weights into it; this builder is the
  definition that the long training uses.

`GeronReferenceTraining` reproduces Géron's training loop as the yardstick:
RMSprop for both networks, batches of 32, `train_on_batch` on the discriminator
and then on the stacked `Sequential([generator, discriminator])`, with the
discriminator's `trainable` flag toggled. Keras 3 reads the trainable weights when
it traces a training function, so the flag is set before each call rather than
once before compiling as in his (TF 2) notebook; the traced functions then keep
the weights they were traced with.

Long trainings save a checkpoint after every epoch (`autoaegan.training.checkpoints`):
both networks, both optimizers (with the generator's moving average) and the epoch's
losses and times, so that an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import keras
import numpy as np
import tensorflow as tf

from autoaegan.arguments import positive_int
from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.data.pipeline import make_dataset
from autoaegan.metrics.flops import training_flops_per_image
from autoaegan.models.gan import GAN
from autoaegan.pixels import SIGNED_RANGE, unit_to_signed
from autoaegan.plans import Recipe
from autoaegan.pretrained.catalog import CATALOG, TrainedModel
from autoaegan.profiles import Profile
from autoaegan.seeding import set_seed
from autoaegan.training.averaging import averaged_copy, recalibrate_batchnorm
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.gan_callbacks import EpochRecorder
from autoaegan.training.gan_recipe import compile_gan
from autoaegan.training.progress_log import log
from autoaegan.training.quality import quality_figures
from autoaegan.training.sampling import sample_images
from autoaegan.training.training_state import TrainingState
from autoaegan.training.work_dir import work_dir

CODINGS_SIZE = 100
IMAGE_SHAPE = (28, 28, 1)
KERNEL_SIZE = 5
LEAKY_SLOPE = 0.2
DROPOUT = 0.4
# The shared `GAN.train_step` trains the discriminator in training mode (batch statistics of the mixed batch of
# fakes and reals) and then judges the generator's fakes in inference mode (moving statistics), so that phase two
# changes nothing in it. The moving statistics must then follow the discriminator closely: with Keras' momentum of
# 0.99 they lag about a hundred steps behind, and early in training the discriminator that judges the generator
# was seen here calling real the fakes that it rejected in phase one. A momentum of 0.9 averages the last ten.
D_BATCHNORM_MOMENTUM = 0.9
# Generators end in tanh: images live in [-1, 1] (`autoaegan.pixels.output_to_unit` maps them for display and metrics).
VALUE_RANGE = SIGNED_RANGE

# The shipped DCGAN's plan (its catalogue entry): its recipe, its epochs per profile (the reference trains as long,
# so that the quality goal compares them at equal epochs) and the images of its quality figures.
PLAN = CATALOG["dcgan"].plan
# Géron's training: batch 32, RMSprop with Keras' defaults (learning rate 1e-3) for both networks.
REFERENCE_BATCH_SIZE = 32
REFERENCE_OPTIMIZER = {"class_name": "rmsprop", "config": {"learning_rate": 1e-3}}


# The course's recipe (its plan's): Adam with β₁ = 0.5 (the paper's), the generator learning twice as fast as the
# discriminator (4e-4 against 2e-4; chapter 07's shipped dense GAN gives its generator four times its discriminator's
# rate, `dense_gan.PRETRAINED_RECIPE`), one-sided label smoothing (real images labelled 0.9), batches of 32
# (as Géron's: twice the updates per epoch of 64, which the goal of equal epochs rewards), XLA with 16 steps per
# call, and the shipped generator is the moving average of the generator's weights (momentum 0.999 per step; Yazıcı
# et al. 2019 "The unusual effectiveness of averaging in GAN training", as ProGAN and StyleGAN do), whose batch-norm
# statistics are then measured afresh (`recalibrate_batchnorm`).
# XLA changes the speed, not the computation: the recorded throughput benchmark
# (`load_recording("dcgan_throughput")`) gives its rate with and without it. The shipped weights were trained
# without it (their manifest's recipe says so). After 400 steps of 32 images (one seed, N = 2,000), this recipe's
# generator had an FD of 163, the paper's Adam 174 and the reference 184: close so early, while the updates per epoch
# double.
COURSE_RECIPE = PLAN.recipe


# ---------------------------------------------------------------------------------------------------- builders
def build_geron_generator(codings_size: int = CODINGS_SIZE) -> keras.Sequential:
    """Géron's DCGAN generator: codings `(codings_size,)` → images `(28, 28, 1)` in [-1, 1]. Not compiled."""
    codings_size = positive_int(codings_size, "codings_size")
    return keras.Sequential(
        [
            keras.Input(shape=(codings_size,)),
            keras.layers.Dense(7 * 7 * 128),
            keras.layers.Reshape((7, 7, 128)),
            keras.layers.BatchNormalization(),
            keras.layers.Conv2DTranspose(64, KERNEL_SIZE, strides=2, padding="same", activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Conv2DTranspose(1, KERNEL_SIZE, strides=2, padding="same", activation="tanh"),
        ],
        name="geron_dcgan_generator",
    )


def build_geron_discriminator() -> keras.Sequential:
    """Géron's DCGAN discriminator: images `(28, 28, 1)` in [-1, 1] → probability of being real. Not compiled."""
    return keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Conv2D(
                64, KERNEL_SIZE, strides=2, padding="same", activation=keras.layers.LeakyReLU(LEAKY_SLOPE)
            ),
            keras.layers.Dropout(DROPOUT),
            keras.layers.Conv2D(
                128, KERNEL_SIZE, strides=2, padding="same", activation=keras.layers.LeakyReLU(LEAKY_SLOPE)
            ),
            keras.layers.Dropout(DROPOUT),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ],
        name="geron_dcgan_discriminator",
    )


def build_dcgan_generator(codings_size: int = CODINGS_SIZE) -> keras.Sequential:
    """The course's DCGAN generator: codings → images `(28, 28, 1)` in [-1, 1], following every guideline.

    Projection (Dense, no bias) → 7×7×128 → BN → relu → 5×5 transposed convolution
    stride 2 to 14×14×64 (no bias) → BN → relu → 5×5 transposed convolution stride 2
    to 28×28×1, tanh. Not compiled.
    """
    codings_size = positive_int(codings_size, "codings_size")
    return keras.Sequential(
        [
            keras.Input(shape=(codings_size,)),
            keras.layers.Dense(7 * 7 * 128, use_bias=False, name="projection"),
            keras.layers.Reshape((7, 7, 128)),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.Conv2DTranspose(64, KERNEL_SIZE, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
            keras.layers.Conv2DTranspose(1, KERNEL_SIZE, strides=2, padding="same", activation="tanh", name="images"),
        ],
        name="dcgan_generator",
    )


def build_dcgan_discriminator() -> keras.Sequential:
    """The course's DCGAN discriminator: images `(28, 28, 1)` in [-1, 1] → probability of being real.

    5×5 convolution stride 2 to 14×14×64 → LeakyReLU(0.2) (no batch norm on the input
    layer) → 5×5 convolution stride 2 to 7×7×128 (no bias) → BN (momentum 0.9, see
    `D_BATCHNORM_MOMENTUM`) → LeakyReLU(0.2) →
    Flatten → Dense(1, sigmoid). Not compiled.
    """
    return keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            keras.layers.Conv2D(64, KERNEL_SIZE, strides=2, padding="same"),
            keras.layers.LeakyReLU(LEAKY_SLOPE),
            keras.layers.Conv2D(128, KERNEL_SIZE, strides=2, padding="same", use_bias=False),
            keras.layers.BatchNormalization(momentum=D_BATCHNORM_MOMENTUM),
            keras.layers.LeakyReLU(LEAKY_SLOPE),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid", name="probability"),
        ],
        name="dcgan_discriminator",
    )


ARCHITECTURES = {
    "course": (build_dcgan_generator, build_dcgan_discriminator),
    "reference": (build_geron_generator, build_geron_discriminator),
}


def _architecture(kind: str):
    if kind not in ARCHITECTURES:
        raise ValueError(f"kind must be one of {sorted(ARCHITECTURES)}, got {kind!r}")
    return ARCHITECTURES[kind]


def build_pretrained_dcgan() -> keras.Sequential:
    """The course's DCGAN generator whose weights `autoaegan.pretrained` ships as `dcgan` (untrained)."""
    return build_dcgan_generator()


# ---------------------------------------------------------------------------------------------------- data
def generate(generator: keras.Model, n: int, *, seed: int, batch_size: int = 1_000) -> np.ndarray:
    """`n` images in [0, 1] from `generator` (inference mode) for codings drawn with `seed`: `(n, 28, 28)`."""
    images = sample_images(generator, n, seed=seed, value_range=VALUE_RANGE, batch_size=batch_size)
    return images.reshape(len(images), *IMAGE_SHAPE[:2])


def tanh_dataset(images, *, batch_size: int, seed: int | None, drop_remainder: bool = True):
    """A shuffled `tf.data` pipeline of uint8 `images` as float32 batches `(batch, 28, 28, 1)` in [-1, 1]."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images must be uint8 shaped (n, 28, 28), got {images.dtype} of shape {images.shape}")
    dataset = make_dataset(
        images,
        batch_size=positive_int(batch_size, "batch_size"),
        shuffle=True,
        seed=seed,
        drop_remainder=drop_remainder,
    )
    return dataset.map(lambda batch: tf.reshape(unit_to_signed(batch), (-1, *IMAGE_SHAPE)))


# ---------------------------------------------------------------------------------------------------- Géron's loop
class GeronReferenceTraining:
    """Géron's DCGAN training loop, as in his notebook, on Keras 3.

    Phase one: the generator (called as he does, `generator(noise)`, so its batch
    normalisation runs in inference mode) makes a batch of fakes; the
    discriminator is trained with `train_on_batch` on fakes labelled 0 and reals
    labelled 1. Phase two: the stacked `gan = Sequential([generator, discriminator])`
    is trained with `train_on_batch` on fresh codings labelled 1 while the
    discriminator's `trainable` flag is off. Both networks use RMSprop (1e-3) and the
    binary cross-entropy. `train_batch(real)` takes real images in [-1, 1], shaped
    `(batch, 28, 28, 1)`, and returns `(d_loss, g_loss)`.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, *, seed: int | None = None):
        self.generator, self.discriminator = generator, discriminator
        self.codings_size = int(generator.input_shape[-1])
        self.gan = keras.Sequential([generator, discriminator], name="geron_gan")
        discriminator.trainable = True
        discriminator.compile(loss="binary_crossentropy", optimizer=keras.optimizers.get(REFERENCE_OPTIMIZER))
        discriminator.trainable = False
        self.gan.compile(loss="binary_crossentropy", optimizer=keras.optimizers.get(REFERENCE_OPTIMIZER))
        self.rng = np.random.default_rng(seed)

    @property
    def d_optimizer(self):
        """The discriminator's optimizer (phase one)."""
        return self.discriminator.optimizer

    @property
    def g_optimizer(self):
        """The stacked model's optimizer, which updates the generator (phase two)."""
        return self.gan.optimizer

    def build_optimizers(self) -> None:
        """Create the optimizers' variables (for restoring a checkpoint before the first step)."""
        if not self.d_optimizer.built:
            self.d_optimizer.build(
                self.discriminator.trainable_variables if self.discriminator.trainable else self.discriminator.weights
            )
        if not self.g_optimizer.built:
            self.g_optimizer.build(self.generator.trainable_variables)

    def _noise(self, batch_size: int) -> np.ndarray:
        return self.rng.standard_normal((batch_size, self.codings_size), dtype=np.float32)

    def discriminator_phase(self, real) -> float:
        """Phase one: fakes (label 0) and the real images (label 1) in one `train_on_batch`; returns the loss."""
        batch_size = int(real.shape[0])
        generated = self.generator(self._noise(batch_size))
        fake_and_real = keras.ops.concatenate([generated, keras.ops.convert_to_tensor(real)], axis=0)
        labels = np.concatenate([np.zeros((batch_size, 1), np.float32), np.ones((batch_size, 1), np.float32)])
        self.discriminator.trainable = True
        return float(self.discriminator.train_on_batch(fake_and_real, labels))

    def generator_phase(self, batch_size: int) -> float:
        """Phase two: fresh codings through the stacked model, every label 1, the discriminator frozen."""
        self.discriminator.trainable = False
        return float(self.gan.train_on_batch(self._noise(batch_size), np.ones((batch_size, 1), np.float32)))

    def train_batch(self, real) -> tuple[float, float]:
        """One iteration of Géron's loop on a batch of real images; returns (discriminator loss, generator loss)."""
        return self.discriminator_phase(real), self.generator_phase(int(real.shape[0]))


# ---------------------------------------------------------------------------------------------------- trainings
def train_reference(images, *, epochs: int, directory=None, seed: int = 42, log_every: int = 200) -> TrainingState:
    """Train (or resume) the reference: Géron's architecture and loop, `epochs` epochs on uint8 `images`.

    Saves a checkpoint in `directory` (default `work_dir("dcgan", "reference")`) after
    each epoch and resumes from the last one; returns the final `TrainingState`.
    """
    epochs = positive_int(epochs, "epochs")
    checkpoints = Checkpoints(directory or work_dir("dcgan", "reference"))
    set_seed(seed)
    generator, discriminator = build_geron_generator(), build_geron_discriminator()
    loop = GeronReferenceTraining(generator, discriminator, seed=seed)
    loop.build_optimizers()
    objects = {
        "generator": generator,
        "discriminator": discriminator,
        "d_optimizer": loop.d_optimizer,
        "g_optimizer": loop.g_optimizer,
    }
    state = checkpoints.restore(**objects)
    state.settings = {
        "architecture": "Géron's DCGAN (3rd edition, chapter 17)",
        "training": "Géron's loop: train_on_batch on D, then on Sequential([G, D]) with D.trainable toggled",
        "optimizer": REFERENCE_OPTIMIZER,
        "batch_size": REFERENCE_BATCH_SIZE,
        "codings_size": CODINGS_SIZE,
        "epochs": epochs,
        "seed": seed,
        "images": int(len(images)),
    }
    if state.epochs_done:
        log(f"reference: resuming after epoch {state.epochs_done} ({state.train_seconds:.0f} s so far)")
    for epoch in range(state.epochs_done, epochs):
        # A seed per epoch: a resumed run sees the same order of batches as an uninterrupted one would.
        dataset = tanh_dataset(images, batch_size=REFERENCE_BATCH_SIZE, seed=seed + epoch)
        loop.rng = np.random.default_rng([seed, epoch])
        started, cpu_started = time.perf_counter(), time.process_time()
        d_losses, g_losses = [], []
        for step, real in enumerate(dataset):
            d_loss, g_loss = loop.train_batch(real)
            d_losses.append(d_loss)
            g_losses.append(g_loss)
            if log_every and (step + 1) % log_every == 0:
                log(
                    f"reference epoch {epoch + 1} step {step + 1}: d_loss {np.mean(d_losses[-log_every:]):.4f} "
                    f"g_loss {np.mean(g_losses[-log_every:]):.4f} "
                    f"({(step + 1) * REFERENCE_BATCH_SIZE / (time.perf_counter() - started):.0f} img/s)"
                )
        losses = {"d_loss": float(np.mean(d_losses)), "g_loss": float(np.mean(g_losses))}
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        state.record(epoch + 1, losses, seconds=seconds, cpu_seconds=cpu_seconds)
        checkpoints.save(state, **objects)
        log(
            f"reference epoch {epoch + 1}/{epochs} done in {state.seconds_by_epoch[-1]:.0f} s: "
            f"d_loss {state.history['d_loss'][-1]} g_loss {state.history['g_loss'][-1]}"
        )
    return state


def averaged_generator(gan, *, recalibrate: bool = True) -> keras.Model:
    """A copy of `gan.generator` holding the moving average of its weights that `gan.g_optimizer` keeps.

    The optimizer must have been made with `use_ema=True` (see `COURSE_RECIPE`). The
    batch-norm statistics are recalibrated for the averaged weights unless
    `recalibrate=False`. The live generator is left unchanged.
    """
    copy = averaged_copy(gan.generator, gan.g_optimizer)
    return recalibrate_batchnorm(copy) if recalibrate else copy


def build_dcgan(kind: str = "course", *, seed: int | None = None) -> GAN:
    """A `GAN` (the shared two-phase model of `autoaegan.models.gan`) of the course's or Géron's DCGAN, not compiled."""
    build_generator, build_discriminator = _architecture(kind)
    return GAN(
        build_generator(),
        build_discriminator(),
        codings_size=CODINGS_SIZE,
        seed=seed,
        value_range=VALUE_RANGE,
        name=f"{kind}_dcgan",
    )


def real_dataset(images, *, batch_size: int, seed: int | None):
    """Shuffled batches of uint8 `images` `(n, 28, 28)` as floats in [0, 1] shaped `(batch, 28, 28, 1)`.

    The `GAN` scales them to [-1, 1] itself. Incomplete last batches are dropped, so
    that every step has the same shape (one XLA compilation).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise ValueError(f"images must be uint8 shaped (n, 28, 28), got {images.dtype} of shape {images.shape}")
    batch_size = positive_int(batch_size, "batch_size")
    if len(images) < batch_size:
        raise ValueError(f"need at least one batch of {batch_size} images, got {len(images)}")
    return make_dataset(
        images.reshape(-1, *IMAGE_SHAPE), batch_size=batch_size, shuffle=True, seed=seed, drop_remainder=True
    )


def train_course(
    images,
    *,
    epochs: int,
    profile: Profile,
    directory=None,
    recipe: Recipe = COURSE_RECIPE,
    seed: int = 42,
    verbose=2,
):
    """Train (or resume) the course's DCGAN on uint8 `images` for `epochs` epochs; checkpoint every epoch.

    Returns `(gan, history, state)`. Checkpoints go to `directory` (default
    `work_dir("dcgan", "course")`); a second call resumes after the last complete
    epoch. `directory=False` trains without checkpoints (the classroom demo).
    """
    epochs = positive_int(epochs, "epochs")
    set_seed(seed, profile=profile)
    gan = compile_gan(build_dcgan("course", seed=seed), recipe, profile=profile)
    callbacks = []
    state = TrainingState()
    if directory is not False:
        checkpoints = Checkpoints(directory or work_dir("dcgan", "course"))
        objects = {
            "generator": gan.generator,
            "discriminator": gan.discriminator,
            "d_optimizer": gan.d_optimizer,
            "g_optimizer": gan.g_optimizer,
        }
        state = checkpoints.restore(**objects)

        def save(state):
            # The averaged generator, batch norm recalibrated, is saved beside the live networks: what ships.
            averaged = {"averaged_generator": averaged_generator(gan)} if gan.g_optimizer.use_ema else {}
            checkpoints.save(state, **objects, **averaged)

        callbacks.append(EpochRecorder(state, save=save, label="course"))
        if state.epochs_done:
            log(f"course: resuming after epoch {state.epochs_done} ({state.train_seconds:.0f} s so far)")
    state.settings = {
        "architecture": "the course's DCGAN (every Radford et al. guideline; autoaegan.models.dcgan)",
        "training": "the shared two-phase GAN.train_step (autoaegan.models.gan)",
        "recipe": asdict(recipe),
        "codings_size": CODINGS_SIZE,
        "epochs": epochs,
        "seed": seed,
        "images": int(len(images)),
    }
    history = None
    if state.epochs_done < epochs:
        dataset = real_dataset(images, batch_size=recipe.batch_size, seed=seed + state.epochs_done)
        history = gan.fit(
            dataset, epochs=epochs, initial_epoch=state.epochs_done, verbose=verbose, shuffle=False, callbacks=callbacks
        )
    return gan, history, state


# ---------------------------------------------------------------------------------------------------- shipped weights
def train_pretrained_dcgan(profile: Profile):
    """Train (or finish, from its checkpoints) the course's DCGAN under `profile`; return a `TrainedModel`.

    Under the full profile it resumes the checkpointed run in
    `work_dir("dcgan", "course")` (the one `benchmarks.dcgan_train course` starts),
    so exporting after a background training costs only the metrics. Other profiles
    train from scratch without checkpoints. The shipped model is the generator with
    the averaged weights (`averaged_generator`); the manifest's metrics are the
    quality figures over the sample seeds, and the training time summed over every
    session that trained it.
    """
    images = profile.subset(load_fashion_mnist().train_images, "train")
    directory = profile.pick(test=False, classroom=False, full=work_dir("dcgan", "course"))
    gan, _, state = train_course(
        images, epochs=PLAN.epochs_for(profile), directory=directory, profile=profile, seed=profile.seed
    )
    trained = averaged_generator(gan) if gan.g_optimizer.use_ema else gan.generator
    shipped = build_pretrained_dcgan()  # a fresh copy: the weights file holds no optimizer state
    shipped.set_weights(trained.get_weights())
    settings = {
        **state.settings,
        "data": f"Fashion-MNIST: {len(images):,} training images, scaled to [-1, 1]",
        "shipped_weights": (
            "the moving average of the generator's weights, batch norm recalibrated"
            if gan.g_optimizer.use_ema
            else "the generator's weights"
        ),
        "train_seconds_total": round(state.train_seconds, 1) if directory else None,
        "cpu_seconds_total": round(sum(state.cpu_seconds_by_epoch), 1) if directory else None,
        "seconds_by_epoch": state.seconds_by_epoch,
        "note": "training ran at nice 19 on a shared 2-core machine: wall-clock times are upper bounds",
    }
    metrics = {
        "quality": quality_figures(shipped, n=PLAN.count("metric_n", profile), value_range=VALUE_RANGE),
        "history": state.history,
        "parameters": int(shipped.count_params()),
        "training_flops_per_image": training_flops_per_image(gan.generator, gan.discriminator),
    }
    return TrainedModel(model=shipped, settings=settings, metrics=metrics)
