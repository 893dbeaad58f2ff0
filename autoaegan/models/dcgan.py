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

Long trainings save a checkpoint after every epoch (`Checkpoints`): the weights of
both networks, the optimizers' variables and the epoch's losses and times, so that
an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.profiles import Profile, get_profile

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
# Generators end in tanh: images live in [-1, 1] (rescale with (x + 1) / 2 for display and metrics).
VALUE_RANGE = (-1.0, 1.0)

# Epochs of the pretrained trainings: the course's DCGAN and the reference both train this long, so the quality
# goal compares them at equal epochs. Géron trains 50 epochs (about 3 CPU-hours for his loop here). The shipped
# weights had 5 epochs (about 35 min of the course's training on a shared 2-core machine); both trainings resume from
# their checkpoints when this grows. The test profile only checks that the path runs.
EPOCHS_BY_PROFILE = {"test": 1, "classroom": 1, "full": 5}
# Géron's training: batch 32, RMSprop with Keras' defaults (learning rate 1e-3) for both networks.
REFERENCE_BATCH_SIZE = 32
REFERENCE_OPTIMIZER = {"class_name": "rmsprop", "config": {"learning_rate": 1e-3}}


@dataclass(frozen=True)
class DCGANRecipe:
    """How the course trains its DCGAN: Adam with β₁ = 0.5, the batch size, XLA or not, steps per call, label smoothing."""

    batch_size: int = 128
    d_learning_rate: float = 2e-4
    g_learning_rate: float = 2e-4
    beta_1: float = 0.5
    jit_compile: bool = True
    steps_per_execution: int = 16
    # The target of real images in phase one (1: none; 0.9: one-sided label smoothing, Salimans et al. 2016).
    real_label: float = 1.0
    # An exponential moving average of the generator's weights, kept by its optimizer (None: no average).
    g_ema_momentum: float | None = 0.999

    def make_optimizers(self) -> tuple[keras.optimizers.Optimizer, keras.optimizers.Optimizer]:
        """Fresh `(d_optimizer, g_optimizer)`; the generator's keeps the average of its weights when asked."""
        ema = {} if self.g_ema_momentum is None else {"use_ema": True, "ema_momentum": self.g_ema_momentum}
        return (
            keras.optimizers.Adam(self.d_learning_rate, beta_1=self.beta_1),
            keras.optimizers.Adam(self.g_learning_rate, beta_1=self.beta_1, **ema),
        )


# The course's recipe: Adam with β₁ = 0.5 (the paper's), the generator learning twice as fast as the discriminator
# (4e-4 against 2e-4; chapter 07's shipped dense GAN gives its generator four times the discriminator's rate,
# `gan.PRETRAINED_RECIPE`), one-sided label smoothing (real images labelled 0.9), batches of 32 (as Géron's: twice
# the updates per epoch of 64, which the goal of equal epochs rewards), XLA with 16 steps per call, and the shipped
# generator is the moving average of the generator's weights (momentum 0.999 per step; Yazıcı et al. 2019 "The
# unusual effectiveness of averaging in GAN training", as ProGAN and StyleGAN do), whose batch-norm statistics are
# then measured afresh (`recalibrate_batchnorm`).
# XLA changes the speed, not the computation: the recorded throughput benchmark
# (`load_recording("dcgan_throughput")`) gives its rate with and without it. The shipped weights were trained
# without it (their manifest's recipe says so). After 400 steps of 32 images (one seed, N = 2,000), this recipe's
# generator had an FD of 163, the paper's Adam 174 and the reference 184: close so early, while the updates per epoch
# double.
COURSE_RECIPE = DCGANRecipe(batch_size=32, g_learning_rate=4e-4, real_label=0.9)


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
def to_tanh_range(images) -> np.ndarray:
    """uint8 images → float32 in [-1, 1] with a channel axis: `(n, 28, 28)` → `(n, 28, 28, 1)`."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim not in (3, 4):
        raise ValueError(
            f"images must be uint8 shaped (n, 28, 28) or (n, 28, 28, 1), got {images.dtype} of shape {images.shape}"
        )
    return (images.reshape(len(images), *IMAGE_SHAPE).astype(np.float32) / 127.5) - 1.0


def to_unit_range(images) -> np.ndarray:
    """Generated images in [-1, 1] → float32 in [0, 1] (clipped), shaped `(n, 28, 28)`: for display and metrics."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip((images.reshape(len(images), *IMAGE_SHAPE[:2]) + 1.0) / 2.0, 0.0, 1.0)


def generate(generator: keras.Model, n: int, *, seed: int, batch_size: int = 1_000) -> np.ndarray:
    """`n` images in [0, 1] from `generator` (inference mode) for codings drawn with `seed`: `(n, 28, 28)`."""
    from autoaegan.latent import sample_codings

    n = positive_int(n, "n")
    codings = sample_codings(n, int(generator.input_shape[-1]), seed=seed)
    batches = [
        np.asarray(generator(codings[i : i + batch_size], training=False))
        for i in range(0, n, positive_int(batch_size, "batch_size"))
    ]
    return to_unit_range(np.concatenate(batches))


def tanh_dataset(images, *, batch_size: int, seed: int | None, drop_remainder: bool = True):
    """A shuffled `tf.data` pipeline of uint8 `images` as float32 batches `(batch, 28, 28, 1)` in [-1, 1]."""
    import tensorflow as tf

    from autoaegan.data.pipeline import make_dataset

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
    return dataset.map(lambda batch: tf.reshape(batch * 2.0 - 1.0, (-1, *IMAGE_SHAPE)))


# ---------------------------------------------------------------------------------------------------- checkpoints
def default_work_dir() -> Path:
    """Where long trainings keep their checkpoints: `$AUTOAEGAN_WORK` or `benchmarks/work/dcgan` (git-ignored)."""
    base = os.environ.get("AUTOAEGAN_WORK")
    if base:
        return Path(base) / "dcgan"
    return Path(__file__).resolve().parents[2] / "benchmarks" / "work" / "dcgan"


@dataclass
class TrainingState:
    """What a checkpoint records besides weights: epochs done, losses and times per epoch, settings."""

    epochs_done: int = 0
    history: dict = field(default_factory=dict)  # name -> list of per-epoch means
    seconds_by_epoch: list = field(default_factory=list)  # wall-clock seconds of each epoch's training steps
    cpu_seconds_by_epoch: list = field(default_factory=list)  # process CPU seconds of each epoch
    settings: dict = field(default_factory=dict)

    @property
    def train_seconds(self) -> float:
        """Wall-clock seconds of training so far, over every session."""
        return float(sum(self.seconds_by_epoch))


def _optimizer_arrays(optimizer) -> list[np.ndarray]:
    return [np.asarray(variable) for variable in optimizer.variables]


def _restore_optimizer(optimizer, arrays, trainable_variables) -> None:
    if not optimizer.built:
        optimizer.build(trainable_variables)
    if len(optimizer.variables) != len(arrays):
        raise ValueError(
            f"the checkpoint holds {len(arrays)} optimizer variables, the optimizer has "
            f"{len(optimizer.variables)}: it was saved by another architecture or optimizer"
        )
    for variable, value in zip(optimizer.variables, arrays):
        variable.assign(value)


class Checkpoints:
    """Per-epoch checkpoints of a GAN training in `directory`: `epoch_NNN/` folders and a `latest` pointer.

    Each folder holds `generator.weights.h5`, `discriminator.weights.h5`,
    `optimizers.npz` (the variables of the discriminator's and generator's
    optimizers) and `state.json` (a `TrainingState`). A folder is complete once
    `latest` names it: the pointer is written last, so a run killed mid-save resumes
    from the epoch before.
    """

    def __init__(self, directory):
        self.directory = Path(directory)

    def latest(self) -> Path | None:
        """The folder of the last complete checkpoint, or None."""
        pointer = self.directory / "latest"
        if not pointer.is_file():
            return None
        folder = self.directory / pointer.read_text().strip()
        return folder if (folder / "state.json").is_file() else None

    def state(self) -> TrainingState:
        """The state of the last complete checkpoint (a fresh one when there is none)."""
        folder = self.latest()
        if folder is None:
            return TrainingState()
        return TrainingState(**json.loads((folder / "state.json").read_text()))

    def save(
        self, state: TrainingState, generator, discriminator, d_optimizer, g_optimizer, *, averaged_generator=None
    ) -> Path:
        """Write the checkpoint of epoch `state.epochs_done` (and `averaged_generator`'s weights); return its folder."""
        folder = self.directory / f"epoch_{state.epochs_done:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        generator.save_weights(folder / "generator.weights.h5")
        if averaged_generator is not None:
            averaged_generator.save_weights(folder / "generator_ema.weights.h5")
        discriminator.save_weights(folder / "discriminator.weights.h5")
        d_arrays, g_arrays = _optimizer_arrays(d_optimizer), _optimizer_arrays(g_optimizer)
        np.savez(
            folder / "optimizers.npz",
            **{f"d_{i}": a for i, a in enumerate(d_arrays)},
            **{f"g_{i}": a for i, a in enumerate(g_arrays)},
        )
        (folder / "state.json").write_text(json.dumps(asdict(state), indent=1) + "\n")
        temporary = self.directory / "latest.tmp"
        temporary.write_text(folder.name + "\n")
        temporary.replace(self.directory / "latest")
        return folder

    def restore(self, generator, discriminator, d_optimizer=None, g_optimizer=None) -> TrainingState:
        """Load the last checkpoint into the networks (and optimizers, when given); return its state."""
        folder = self.latest()
        if folder is None:
            return TrainingState()
        generator.load_weights(folder / "generator.weights.h5")
        discriminator.load_weights(folder / "discriminator.weights.h5")
        with np.load(folder / "optimizers.npz") as saved:
            for prefix, optimizer, network in (("d", d_optimizer, discriminator), ("g", g_optimizer, generator)):
                if optimizer is not None:
                    count = sum(1 for key in saved.files if key.startswith(prefix + "_"))
                    _restore_optimizer(
                        optimizer, [saved[f"{prefix}_{i}"] for i in range(count)], network.trainable_variables
                    )
        return self.state()

    def generator_weights(self, epoch: int | None = None, *, averaged: bool = False) -> Path:
        """The generator weights of `epoch` (default: the last complete one); `averaged`: its moving average."""
        folder = self.latest() if epoch is None else self.directory / f"epoch_{epoch:03d}"
        name = "generator_ema.weights.h5" if averaged else "generator.weights.h5"
        if folder is None or not (folder / name).is_file():
            raise FileNotFoundError(
                f"no {name} checkpoint{'' if epoch is None else f' for epoch {epoch}'} in {self.directory}"
            )
        return folder / name


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
def _log(message: str) -> None:
    print(time.strftime("%H:%M:%S"), message, flush=True)


def train_reference(images, *, epochs: int, directory=None, seed: int = 42, log_every: int = 200) -> TrainingState:
    """Train (or resume) the reference: Géron's architecture and loop, `epochs` epochs on uint8 `images`.

    Saves a checkpoint in `directory` (default `default_work_dir() / "reference"`) after
    each epoch and resumes from the last one; returns the final `TrainingState`.
    """
    from autoaegan.seeding import set_seed

    epochs = positive_int(epochs, "epochs")
    checkpoints = Checkpoints(directory or default_work_dir() / "reference")
    set_seed(seed)
    generator, discriminator = build_geron_generator(), build_geron_discriminator()
    loop = GeronReferenceTraining(generator, discriminator, seed=seed)
    loop.build_optimizers()
    state = checkpoints.restore(generator, discriminator, loop.d_optimizer, loop.g_optimizer)
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
        _log(f"reference: resuming after epoch {state.epochs_done} ({state.train_seconds:.0f} s so far)")
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
                _log(
                    f"reference epoch {epoch + 1} step {step + 1}: d_loss {np.mean(d_losses[-log_every:]):.4f} "
                    f"g_loss {np.mean(g_losses[-log_every:]):.4f} "
                    f"({(step + 1) * REFERENCE_BATCH_SIZE / (time.perf_counter() - started):.0f} img/s)"
                )
        if not (math.isfinite(np.mean(d_losses)) and math.isfinite(np.mean(g_losses))):
            raise RuntimeError(f"reference training diverged in epoch {epoch + 1}")
        state.seconds_by_epoch.append(round(time.perf_counter() - started, 1))
        state.cpu_seconds_by_epoch.append(round(time.process_time() - cpu_started, 1))
        state.history.setdefault("d_loss", []).append(round(float(np.mean(d_losses)), 5))
        state.history.setdefault("g_loss", []).append(round(float(np.mean(g_losses)), 5))
        state.epochs_done = epoch + 1
        checkpoints.save(state, generator, discriminator, loop.d_optimizer, loop.g_optimizer)
        _log(
            f"reference epoch {epoch + 1}/{epochs} done in {state.seconds_by_epoch[-1]:.0f} s: "
            f"d_loss {state.history['d_loss'][-1]} g_loss {state.history['g_loss'][-1]}"
        )
    return state


def recalibrate_batchnorm(generator: keras.Model, *, n: int = 4_096, seed: int = 0) -> keras.Model:
    """Set the moving statistics of `generator`'s batch normalisations to those of `n` random codings.

    Each BatchNormalization layer's momentum is set to 0 for one forward pass in
    training mode on `n` codings from N(0, I), so that its moving mean and variance
    become exactly that batch's; then the momenta are restored. Weights averaged
    over training (`averaged_generator`) need this: the moving statistics tracked
    during training belong to the live weights, not to their average.
    """
    from autoaegan.latent import sample_codings

    layers = [layer for layer in generator._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in layers]
    try:
        for layer in layers:
            layer.momentum = 0.0
        generator(sample_codings(positive_int(n, "n"), int(generator.input_shape[-1]), seed=seed), training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return generator


def averaged_generator(gan, *, recalibrate: bool = True) -> keras.Model:
    """A copy of `gan.generator` holding the moving average of its weights that `gan.g_optimizer` keeps.

    The optimizer must have been made with `use_ema=True` (see `DCGANRecipe`). The
    batch-norm statistics are recalibrated for the averaged weights unless
    `recalibrate=False`. The live generator is left unchanged.
    """
    optimizer = gan.g_optimizer
    if optimizer is None or not optimizer.use_ema:
        raise ValueError("the generator's optimizer keeps no moving average: make it with use_ema=True")
    copy = keras.models.clone_model(gan.generator)
    copy.set_weights(gan.generator.get_weights())
    for variable, average in zip(copy.trainable_variables, optimizer._model_variables_moving_average):
        variable.assign(average)
    return recalibrate_batchnorm(copy) if recalibrate else copy


class _CheckpointEachEpoch(keras.callbacks.Callback):
    """Time each epoch, record its mean losses, and save a checkpoint at its end."""

    def __init__(self, checkpoints: Checkpoints, state: TrainingState, gan):
        super().__init__()
        self.checkpoints, self.state, self.gan = checkpoints, state, gan
        self._started = self._cpu_started = None

    def on_epoch_begin(self, epoch, logs=None):
        self._started, self._cpu_started = time.perf_counter(), time.process_time()

    def on_epoch_end(self, epoch, logs=None):
        state = self.state
        state.seconds_by_epoch.append(round(time.perf_counter() - self._started, 1))
        state.cpu_seconds_by_epoch.append(round(time.process_time() - self._cpu_started, 1))
        for name, value in (logs or {}).items():
            value = float(value)
            if not math.isfinite(value):
                self.model.stop_training = True
                raise RuntimeError(
                    f"the DCGAN's {name} became {value} in epoch {epoch + 1}: training stopped, "
                    f"the last checkpoint (epoch {state.epochs_done}) is kept"
                )
            state.history.setdefault(name, []).append(round(value, 5))
        state.epochs_done = epoch + 1
        averaged = averaged_generator(self.gan) if self.gan.g_optimizer.use_ema else None
        self.checkpoints.save(
            state,
            self.gan.generator,
            self.gan.discriminator,
            self.gan.d_optimizer,
            self.gan.g_optimizer,
            averaged_generator=averaged,
        )
        _log(
            f"course epoch {epoch + 1} done in {state.seconds_by_epoch[-1]:.0f} s: "
            + ", ".join(f"{k} {v[-1]}" for k, v in state.history.items())
        )


def build_dcgan(kind: str = "course", *, seed: int | None = None):
    """A `GAN` (the shared two-phase model of `autoaegan.models.gan`) of the course's or Géron's DCGAN, not compiled."""
    from autoaegan.models.gan import GAN

    build_generator, build_discriminator = _architecture(kind)
    return GAN(
        build_generator(),
        build_discriminator(),
        codings_size=CODINGS_SIZE,
        seed=seed,
        value_range=VALUE_RANGE,
        name=f"{kind}_dcgan",
    )


def compile_dcgan(gan, recipe: DCGANRecipe = COURSE_RECIPE, *, profile: Profile | None = None):
    """Compile `gan` with `recipe`'s optimizers and speed settings (no XLA under the deterministic test profile)."""
    profile = profile or get_profile()
    d_optimizer, g_optimizer = recipe.make_optimizers()
    gan.compile(
        d_optimizer,
        g_optimizer,
        jit_compile=recipe.jit_compile and not profile.deterministic,
        steps_per_execution=recipe.steps_per_execution,
        real_label=recipe.real_label,
    )
    return gan


def real_dataset(images, *, batch_size: int, seed: int | None):
    """Shuffled batches of uint8 `images` `(n, 28, 28)` as floats in [0, 1] shaped `(batch, 28, 28, 1)`.

    The `GAN` scales them to [-1, 1] itself. Incomplete last batches are dropped, so
    that every step has the same shape (one XLA compilation).
    """
    from autoaegan.data.pipeline import make_dataset

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
    directory=None,
    recipe: DCGANRecipe = COURSE_RECIPE,
    seed: int = 42,
    profile: Profile | None = None,
    verbose=2,
):
    """Train (or resume) the course's DCGAN on uint8 `images` for `epochs` epochs; checkpoint every epoch.

    Returns `(gan, history, state)`. Checkpoints go to `directory` (default
    `default_work_dir() / "course"`); a second call resumes after the last complete
    epoch. `directory=False` trains without checkpoints (the classroom demo).
    """
    from autoaegan.seeding import set_seed

    epochs = positive_int(epochs, "epochs")
    profile = profile or get_profile()
    set_seed(seed, profile=profile)
    gan = compile_dcgan(build_dcgan("course", seed=seed), recipe, profile=profile)
    callbacks = []
    state = TrainingState()
    if directory is not False:
        checkpoints = Checkpoints(directory or default_work_dir() / "course")
        state = checkpoints.restore(gan.generator, gan.discriminator, gan.d_optimizer, gan.g_optimizer)
        callbacks.append(_CheckpointEachEpoch(checkpoints, state, gan))
        if state.epochs_done:
            _log(f"course: resuming after epoch {state.epochs_done} ({state.train_seconds:.0f} s so far)")
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


# ---------------------------------------------------------------------------------------------------- cost
def forward_macs(model: keras.Model) -> list[tuple[str, int]]:
    """Multiply-accumulates per example of each Dense layer and (transposed) convolution of `model`, in order.

    From the layers' shapes: a Dense layer costs inputs × units; a convolution
    output height × width × kernel area × input channels × filters; a transposed
    convolution input height × width × kernel area × input channels × filters (each
    input pixel is spread over a kernel-sized patch). Batch normalisation,
    activations and the like cost a few operations per value, a small share that
    is left out. Nested models are walked inside.
    """
    costs = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            costs += forward_macs(layer)
            continue
        inner = layer.layer if isinstance(layer, keras.layers.Wrapper) else layer
        if isinstance(inner, keras.layers.Dense):
            costs.append((layer.name, int(inner.kernel.shape[0]) * int(inner.kernel.shape[1])))
        elif isinstance(
            inner, (keras.layers.Conv1DTranspose, keras.layers.Conv2DTranspose, keras.layers.Conv3DTranspose)
        ):
            spatial = math.prod(int(d) for d in tuple(layer.input.shape)[1:-1])
            costs.append((layer.name, spatial * math.prod(int(d) for d in inner.kernel.shape)))
        elif isinstance(inner, (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)):
            spatial = math.prod(int(d) for d in tuple(layer.output.shape)[1:-1])
            costs.append((layer.name, spatial * math.prod(int(d) for d in inner.kernel.shape)))
    return costs


# Forward passes' worth of work per real image in one `GAN.train_step` for each network's layers, and how many of
# them its first layer skips: the input gradients nobody needs (see `training_flops_per_image`).
TRAINING_PASSES = {"generator": (4, 1), "discriminator": (8, 2)}


def layer_passes(network: str, layer_count: int) -> list[int]:
    """Forward passes' worth of work per real image that one train step gives each of `network`'s costed layers."""
    if network not in TRAINING_PASSES:
        raise ValueError(f"network must be one of {sorted(TRAINING_PASSES)}, got {network!r}")
    passes, first_layer_skips = TRAINING_PASSES[network]
    return [passes - first_layer_skips] + [passes] * (positive_int(layer_count, "layer_count") - 1)


def training_flops_per_image(generator: keras.Model, discriminator: keras.Model) -> int:
    """Floating-point operations (2 per multiply-accumulate) of one `GAN.train_step`, per real image in the batch.

    Per real image the step runs: phase one, the generator forward on one coding,
    the discriminator forward on two images (a fake and the real one) and backward
    for both its weight gradients and its input gradients (all layers but the
    first); phase two, the generator forward, the discriminator forward and
    backward for input gradients only (down to the image), and the generator
    backward for weight gradients and input gradients (all layers but the first).
    A backward pass costs its forward again for each kind of gradient, so the total
    is 4·G + 8·D − 2·D₁ − G₁ in multiply-accumulates, where G and D are the
    networks' forward costs and G₁, D₁ their first layers'. Géron's loop does the
    same work per image.
    """
    macs = 0
    for network, model in (("generator", generator), ("discriminator", discriminator)):
        layers = forward_macs(model)
        if not layers:
            raise ValueError("both networks need at least one Dense layer or convolution to count")
        macs += sum(cost * passes for (_, cost), passes in zip(layers, layer_passes(network, len(layers))))
    return 2 * macs


# ---------------------------------------------------------------------------------------------------- shipped weights
# The sample seeds of the quality figures (the metric's own draw stays at its default seed).
SAMPLE_SEEDS = (1, 2, 3)
# Images per sample seed for the figures at export: the metrics' N, smaller in the test profile.
METRIC_N_BY_PROFILE = {"test": 500, "classroom": 10_000, "full": 10_000}


def quality_figures(generator: keras.Model, *, n: int = 10_000, seeds=SAMPLE_SEEDS, value_range=VALUE_RANGE) -> dict:
    """FD, KID, precision, recall and classes covered for `n` samples per seed, and their means over the seeds.

    Measured by `autoaegan.metrics.evaluation.evaluate_generated` against the test
    set (the real-vs-real floor beside them).
    """
    from autoaegan.latent import sample_codings
    from autoaegan.metrics.evaluation import evaluate_generated
    from autoaegan.models.gan import generate_from

    runs, floor = [], None
    for seed in seeds:
        codings = sample_codings(n, int(generator.input_shape[-1]), seed=seed)
        report = evaluate_generated(generate_from(generator, codings, value_range=value_range), n=n)
        s = report.scores
        runs.append(
            {
                "sample_seed": seed,
                "fd": s.fd,
                "kid": s.kid,
                "precision": s.precision,
                "recall": s.recall,
                "covered": s.coverage.covered,
                "entropy": s.coverage.normalised_entropy,
            }
        )
        floor = report.floor
    means = {key: float(np.mean([run[key] for run in runs])) for key in runs[0] if key != "sample_seed"}
    return {
        "n": n,
        "sample_seeds": list(seeds),
        "mean": means,
        "runs": runs,
        "floor": {
            "fd": floor.fd,
            "kid": floor.kid,
            "precision": floor.precision,
            "recall": floor.recall,
            "covered": floor.coverage.covered,
        },
    }


def train_pretrained_dcgan(profile: Profile):
    """Train (or finish, from its checkpoints) the course's DCGAN under `profile`; return a `TrainedModel`.

    Under the full profile it resumes the checkpointed run in
    `default_work_dir() / "course"` (the one `benchmarks.dcgan_train course` starts),
    so exporting after a background training costs only the metrics. Other profiles
    train from scratch without checkpoints. The shipped model is the generator with
    the averaged weights (`averaged_generator`); the manifest's metrics are the
    quality figures over the sample seeds, and the training time summed over every
    session that trained it.
    """
    from autoaegan.data.fashion_mnist import load_fashion_mnist
    from autoaegan.pretrained.catalog import TrainedModel

    images = profile.subset(load_fashion_mnist().train_images, "train")
    epochs = profile.pick(**EPOCHS_BY_PROFILE)
    directory = default_work_dir() / "course" if profile.name == "full" else False
    gan, _, state = train_course(images, epochs=epochs, directory=directory, profile=profile, seed=profile.seed)
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
        "quality": quality_figures(shipped, n=profile.pick(**METRIC_N_BY_PROFILE)),
        "history": state.history,
        "parameters": int(shipped.count_params()),
        "training_flops_per_image": training_flops_per_image(gan.generator, gan.discriminator),
    }
    return TrainedModel(model=shipped, settings=settings, metrics=metrics)
