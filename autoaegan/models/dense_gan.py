"""The dense GAN that chapter 07 ships (`dense_gan` in `autoaegan.pretrained`): its recipes, its resumable training
and its export with the quality figures.

Géron's dense GAN (`autoaegan.models.gan.build_dense_gan`) trained by the shared two-phase `GAN.train_step`. Géron's
own recipe (`GERON_RECIPE`) collapses here; the shipped one (`PRETRAINED_RECIPE`, the catalogue entry's plan) gives
the generator four times the discriminator's rate, and the comment beside it says what was measured on the way.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.data.fashion_mnist import load_fashion_mnist
from autoaegan.data.pipeline import make_dataset
from autoaegan.metrics.evaluation import evaluate_generated
from autoaegan.models.gan import CODINGS_SIZE, DISCRIMINATOR_UNITS, GAN, GENERATOR_UNITS, IMAGE_SHAPE, build_dense_gan
from autoaegan.plans import Recipe
from autoaegan.pretrained.catalog import CATALOG, TrainedModel
from autoaegan.profiles import Profile
from autoaegan.seeding import set_seed
from autoaegan.training.checkpoints import Checkpoints
from autoaegan.training.fitting import NaNGuard
from autoaegan.training.gan_callbacks import EpochRecorder
from autoaegan.training.gan_recipe import compile_gan
from autoaegan.training.training_state import TrainingState
from autoaegan.training.work_dir import work_dir

# Géron's training of this GAN (3rd edition): RMSprop at Keras' default rate for both networks, batches of 32.
# Trained here it had collapsed by epoch 5, every sample one striped pattern.
GERON_RECIPE = Recipe(
    optimizer="rmsprop",
    d_learning_rate=1e-3,
    g_learning_rate=1e-3,
    batch_size=32,
    jit_compile=True,
    steps_per_execution=32,
)
# The shipped dense GAN's recipe, in its catalogue entry's plan. Measured here (seed 42, Fashion-MNIST's 55,000
# training images, evaluate_generated on 5,000 samples; the floor's FD at that N is 0.48, the shipped VAE's 94):
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
PLAN = CATALOG["dense_gan"].plan
PRETRAINED_RECIPE = PLAN.recipe
# The random seed of the codings that the metrics at export measure.
SAMPLE_SEED = 0


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
    profile: Profile,
    recipe: Recipe = PRETRAINED_RECIPE,
    codings_size: int = CODINGS_SIZE,
    seed: int = 42,
    checkpoint_dir=None,
    callbacks=(),
    verbose="auto",
) -> tuple[GAN, TrainingState]:
    """Train a fresh dense GAN on uint8 `images` `(n, 28, 28)` for `epochs` epochs; return `(gan, state)`.

    `state` (a `TrainingState`) holds `epochs_done`, `history` (each logged figure per
    epoch), `seconds_by_epoch`, `cpu_seconds_by_epoch` and the `settings`. With a
    `checkpoint_dir`, a checkpoint is saved after each epoch and a later call with
    the same settings resumes after the last one. Training stops with a
    `TrainingDivergedError` naming the epoch and step if a loss becomes NaN.
    """
    epochs = positive_int(epochs, "epochs")
    images = training_images(images, recipe.batch_size)
    set_seed(seed, profile=profile)
    total_steps = epochs * (len(images) // recipe.batch_size)
    gan = compile_gan(build_dense_gan(codings_size, seed=seed), recipe, profile=profile, total_steps=total_steps)
    settings = {
        "architecture": "dense GAN (autoaegan.models.gan.build_dense_gan)",
        "codings_size": codings_size,
        "generator_units": list(GENERATOR_UNITS),
        "discriminator_units": list(DISCRIMINATOR_UNITS),
        "recipe": asdict(recipe),
        "seed": seed,
        "images": int(len(images)),
    }
    # The whole GAN is saved: both networks and the random state that draws its codings.
    objects = {"gan": gan, "d_optimizer": gan.d_optimizer, "g_optimizer": gan.g_optimizer}
    checkpoints = None if checkpoint_dir is None else Checkpoints(checkpoint_dir)
    state = TrainingState()
    if checkpoints is not None:
        checkpoints.check_settings(settings)
        state = checkpoints.restore(**objects)
    state.settings = settings
    save = None if checkpoints is None else (lambda state: checkpoints.save(state, **objects))
    if state.epochs_done < epochs:
        # Whole batches only: every step has the same shape, so XLA compiles the step once.
        dataset = make_dataset(
            images, batch_size=recipe.batch_size, shuffle=True, seed=seed + state.epochs_done, drop_remainder=True
        )
        gan.fit(
            dataset,
            epochs=epochs,
            initial_epoch=state.epochs_done,
            shuffle=False,
            verbose=verbose,
            callbacks=[NaNGuard(), EpochRecorder(state, save=save), *callbacks],
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
    data = load_fashion_mnist()
    x_train = profile.subset(data.train_images, "train")
    epochs = PLAN.epochs_for(profile)
    # Checkpoints only for the long trainings; the test profile's run is seconds long.
    long_run = work_dir("dense_gan", f"checkpoints_{profile.name}")
    checkpoint_dir = profile.pick(test=None, classroom=long_run, full=long_run)
    gan, state = train_dense_gan(
        x_train, epochs=epochs, seed=profile.seed, profile=profile, checkpoint_dir=checkpoint_dir, verbose=2
    )
    n = PLAN.count("evaluation_n", profile)
    report = evaluate_generated(gan.generate(n, seed=SAMPLE_SEED), name="dense GAN", n=n)
    print(report, flush=True)
    seconds, cpu = state.seconds_by_epoch, state.cpu_seconds_by_epoch
    settings = {
        **state.settings,
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
        "history": state.history,
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
