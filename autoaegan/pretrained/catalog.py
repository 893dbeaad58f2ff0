"""The catalogue of pretrained models: how to build each one, how to retrain it, and its training plan.

Each entry's `plan` (`autoaegan.plans.Plan`) holds the model's recipe and its epochs and other counts per run
profile: the one place where a shipped model's training sizes are written.

Builders and trainers are named as "module:function" strings and imported only when used. This package sits
below the models in the layers (`autoaegan.models` imports it), so it must not import them: the strings are how
this low layer names the higher-layer code that builds and trains each model, and reading the catalogue imports
no model code.
"""

from __future__ import annotations

import importlib
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import h5py

from autoaegan.plans import PerProfile, Plan, Recipe
from autoaegan.pretrained.store import Manifest, save_pretrained, verified_weights_path
from autoaegan.profiles import Profile


@dataclass(frozen=True)
class PretrainedModel:
    """A catalogue entry: `build()` makes the untrained architecture, `train(profile)` a `TrainedModel`, and
    `plan` says how it trains: its recipe, and its epochs and counts per run profile."""

    name: str
    description: str
    build: str
    train: str
    plan: Plan | None = None


@dataclass
class TrainedModel:
    """What a trainer returns: the trained model, the settings it used and the figures it reached."""

    model: object
    settings: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)


# The course's default for Fashion-MNIST autoencoders, tuned for time to quality on 2 CPUs: a peak rate five times
# Géron's (Nadam 1e-3, batch 32, constant), on batches four times larger, decayed to zero over the training.
# Measured on the stacked relu/MSE autoencoder (20 epochs): it reaches the reference's final validation MSE by
# epoch 11 and ends near 0.0125 (reference 0.0132). The chapters' trainings use it too (`training.fitting.train`).
FAST_RECIPE = Recipe(
    optimizer="nadam",
    learning_rate=5e-3,
    batch_size=128,
    schedule="cosine",
    warmup_fraction=0.02,
    final_fraction=0.0,
    jit_compile=True,
    steps_per_execution=32,
)
# Géron's batch size with twice his rate, decayed to zero. Models whose references were reached with many small
# steps (the convolutional, recurrent and KL-sparse autoencoders) need it to beat them within the same epochs:
# at batch 64-128 they stop short (the convolutional at 0.0132, the recurrent at 0.0116, with batches of 64).
SMALL_BATCH_RECIPE = Recipe(
    optimizer="nadam",
    learning_rate=2e-3,
    batch_size=32,
    schedule="cosine",
    warmup_fraction=0.02,
    final_fraction=0.0,
    jit_compile=True,
    steps_per_execution=32,
)

# The shipped dense GAN's recipe (chapter 07): Adam with β₁ = 0.5, the discriminator four times slower than the
# generator (the reverse of the two time-scale update rule, which is what worked for these small dense networks),
# both rates decayed to 0 along a cosine, one-sided label smoothing (real images labelled 0.9), batches of 64. The
# measurements behind it are in `autoaegan.models.dense_gan` beside `PRETRAINED_RECIPE`.
DENSE_GAN_RECIPE = Recipe(
    optimizer="adam",
    d_learning_rate=1e-4,
    g_learning_rate=4e-4,
    beta_1=0.5,
    batch_size=64,
    schedule="cosine",
    real_label=0.9,
    jit_compile=True,
    steps_per_execution=32,
)
# The course's DCGAN (chapter 09): Adam with β₁ = 0.5 (the paper's), the generator twice as fast as the
# discriminator, one-sided label smoothing, batches of 32, XLA with 16 steps per call, and the moving average of
# the generator's weights (momentum 0.999 per step). The reasons are in `autoaegan.models.dcgan` (`COURSE_RECIPE`).
DCGAN_RECIPE = Recipe(
    optimizer="adam",
    d_learning_rate=2e-4,
    g_learning_rate=4e-4,
    beta_1=0.5,
    batch_size=32,
    real_label=0.9,
    jit_compile=True,
    steps_per_execution=16,
    g_ema_momentum=0.999,
)
# Chapters 10 and 11's long trainings: the papers' Adam (1e-3, β₁ = 0, β₂ = 0.99) and averaged generator, batches
# of 32, XLA with 8 steps per call, chunks of 400 steps. Widths (64, 64, 32, 16) train at about 175 images/s
# (StyleGAN) on 2 cores with XLA, against 61 for (128, 128, 64, 32): the narrow networks make a full training a
# CPU-hour.
PROGRESSIVE_RECIPE = Recipe(
    optimizer="adam",
    learning_rate=1e-3,
    batch_size=32,
    beta_1=0.0,
    beta_2=0.99,
    g_ema_momentum=0.999,
    jit_compile=True,
    steps_per_execution=8,
    channels=(64, 64, 32, 16),
)
# Images measured per sample seed by the GANs' quality figures at export (smaller in the test profile).
GAN_METRIC_N = PerProfile(test=500, classroom=10_000, full=10_000)
# Steps per chunk of the progressive trainings (a checkpoint after each): 400 in the full profile.
PROGRESSIVE_CHUNK_STEPS = PerProfile(test=8, classroom=40, full=400)

CATALOG: dict[str, PretrainedModel] = {
    entry.name: entry
    for entry in (
        PretrainedModel(
            name="pca_linear_autoencoder",
            description="chapter 02: the linear 3→2→3 autoencoder trained on the seeded 3-D dataset",
            build="autoaegan.models.linear_autoencoder:build_pretrained_architecture",
            train="autoaegan.models.linear_autoencoder:train_pretrained",
            # SGD with momentum 0.9 (`linear_autoencoder.MOMENTUM`: a Recipe holds no momentum) on the whole data
            # set at once (60 points, one step per epoch). `test` runs in about a second and stops short of PCA's
            # plane; `classroom` reaches it (angle < 1°) in a few seconds; `full` leaves a wide margin.
            plan=Plan(
                recipe=Recipe(optimizer="sgd", learning_rate=0.3, batch_size=60),
                epochs=PerProfile(test=50, classroom=300, full=1000),
            ),
        ),
        PretrainedModel(
            name="convolutional_autoencoder",
            description="chapter 04: Géron's convolutional autoencoder (30-D code) trained on Fashion-MNIST",
            build="autoaegan.models.convolutional:build_pretrained_convolutional",
            train="autoaegan.models.convolutional:train_pretrained_convolutional",
            # Géron's 10 epochs (the test profile only checks that the path runs), on batches of 32.
            plan=Plan(recipe=SMALL_BATCH_RECIPE, epochs=PerProfile(test=1, classroom=10, full=10)),
        ),
        PretrainedModel(
            name="recurrent_autoencoder",
            description="chapter 04: Géron's recurrent (LSTM) autoencoder (30-D code) trained on Fashion-MNIST rows",
            build="autoaegan.models.recurrent:build_pretrained_recurrent",
            train="autoaegan.models.recurrent:train_pretrained_recurrent",
            # Géron's 10 epochs (the test profile only checks that the path runs), on batches of 32.
            plan=Plan(recipe=SMALL_BATCH_RECIPE, epochs=PerProfile(test=1, classroom=10, full=10)),
        ),
        PretrainedModel(
            name="variational_autoencoder",
            description="chapter 06: Géron's variational autoencoder (150-100 relu, latent 10) "
            "trained on Fashion-MNIST",
            build="autoaegan.models.variational:build_pretrained_vae",
            train="autoaegan.models.variational:train_pretrained_vae",
            # Géron's 25 epochs at his batch of 128, with a higher, decaying rate. Measured (latent 10, 25 epochs,
            # seed 42, validation loss): Géron's own setting (Nadam 1e-3, constant) with this sigmoid decoder 0.0306;
            # FAST_RECIPE 0.0299 in 90 s; its peak at 3e-3 or 1e-2, batches of 64 at 3e-3 or of 32 at 2e-3:
            # 0.0297-0.0299, no better beyond the noise between seeds, and the batches of 32 take 1.6× longer.
            plan=Plan(recipe=FAST_RECIPE, epochs=PerProfile(test=1, classroom=25, full=25)),
        ),
        PretrainedModel(
            name="variational_autoencoder_2d",
            description="chapter 06: the same variational autoencoder with a 2-D latent space, "
            "for the latent-plane figures",
            build="autoaegan.models.variational:build_pretrained_vae_2d",
            train="autoaegan.models.variational:train_pretrained_vae_2d",
            plan=Plan(recipe=FAST_RECIPE, epochs=PerProfile(test=1, classroom=25, full=25)),
        ),
        PretrainedModel(
            name="dense_gan",
            description="chapter 07: Géron's dense GAN (codings 30, generator 100-150, discriminator 150-100) "
            "trained on Fashion-MNIST",
            build="autoaegan.models.dense_gan:build_pretrained_dense_gan",
            train="autoaegan.models.dense_gan:train_pretrained_dense_gan",
            # 100 epochs; the test profile only checks that the path runs. `evaluation_n`: the samples that the
            # metrics at export measure.
            plan=Plan(
                recipe=DENSE_GAN_RECIPE,
                epochs=PerProfile(test=1, classroom=100, full=100),
                counts={"evaluation_n": GAN_METRIC_N},
            ),
        ),
        PretrainedModel(
            name="fashion_classifier",
            description="chapters 07-09: the Fashion-MNIST CNN whose 128-D 'features' layer the generative metrics use",
            build="autoaegan.models.classifier:build_fashion_classifier",
            train="autoaegan.models.classifier:train_fashion_classifier",
            # Enough epochs for the test accuracy to settle above 92% under the cosine decay (the shipped weights:
            # 92.9% test, 93.7% validation after 12); the test profile only checks that the path runs. Batches of
            # 128 keep a 2-core epoch short; batch normalisation lets the peak rate be high.
            plan=Plan(
                recipe=Recipe(
                    optimizer="nadam",
                    learning_rate=2e-3,
                    batch_size=128,
                    schedule="cosine",
                    warmup_fraction=0.02,
                    final_fraction=0.0,
                    jit_compile=True,
                    steps_per_execution=32,
                ),
                epochs=PerProfile(test=1, classroom=8, full=12),
            ),
        ),
        PretrainedModel(
            name="dcgan",
            description="chapter 09: the course's DCGAN generator (every DCGAN guideline; averaged weights), "
            "codings 100 → 28×28 images in [-1, 1]",
            build="autoaegan.models.dcgan:build_pretrained_dcgan",
            train="autoaegan.models.dcgan:train_pretrained_dcgan",
            # Géron trains 50 epochs (about 3 CPU-hours for his loop here); the shipped weights had 5 (about 35 min
            # of the course's training on a shared 2-core machine), and the full profile resumes its checkpoints when
            # this grows. The test profile only checks that the path runs. `metric_n`: images per sample seed of the
            # quality figures.
            plan=Plan(
                recipe=DCGAN_RECIPE,
                epochs=PerProfile(test=1, classroom=1, full=5),
                counts={"metric_n": GAN_METRIC_N},
            ),
        ),
        PretrainedModel(
            name="progan",
            description="chapter 10: the progressive GAN's generator grown 4×4 → 32×32 (equalized learning rate, "
            "pixel norm; averaged weights), codings 128 → 32×32 images in [-1, 1]",
            build="autoaegan.models.progressive_training:build_pretrained_progan",
            train="autoaegan.models.progressive_training:train_pretrained_progan",
            # Chunks per growth phase and of the last stable phase. Full: 3 chunks = 38,400 images per phase, 358,400
            # images in all.
            plan=Plan(
                recipe=PROGRESSIVE_RECIPE,
                counts={
                    "chunks_per_phase": PerProfile(test=1, classroom=1, full=3),
                    "final_chunks": PerProfile(test=1, classroom=1, full=10),
                    "chunk_steps": PROGRESSIVE_CHUNK_STEPS,
                    "metric_n": GAN_METRIC_N,
                },
            ),
        ),
        PretrainedModel(
            name="stylegan",
            description="chapter 11: the StyleGAN generator (mapping network, AdaIN, noise, mixing "
            "regularization; averaged weights), codings 128 → 32×32 images in [-1, 1]",
            build="autoaegan.models.progressive_training:build_pretrained_stylegan",
            train="autoaegan.models.progressive_training:train_pretrained_stylegan",
            # Full: 24 chunks, 307,200 images (5.6 epochs; the DCGAN trains 5).
            plan=Plan(
                recipe=PROGRESSIVE_RECIPE,
                counts={
                    "chunks": PerProfile(test=1, classroom=2, full=24),
                    "chunk_steps": PROGRESSIVE_CHUNK_STEPS,
                    "metric_n": GAN_METRIC_N,
                },
            ),
        ),
        PretrainedModel(
            name="diffusion",
            description="chapter 12: the DDPM denoiser (a small U-Net predicting the noise ε; cosine schedule, "
            "T = 1,000; averaged weights), sampled with 50 DDIM steps into 28×28 images",
            build="autoaegan.models.diffusion_training:build_pretrained_diffusion",
            train="autoaegan.models.diffusion_training:train_pretrained_diffusion",
            # Adam at a constant 1e-3 (a small U-Net with group normalisation takes it; constant, so that the full
            # profile's epochs can grow and its checkpoints resume) with the moving average of the weights (momentum
            # 0.999 per step, DDPM's practice), batches of 128. No XLA: Keras's `fit` ran this step 6× slower with it
            # (72 against 425 images per 2 CPU-seconds, measured on 2 shared cores). `channels`: the U-Net's widths at
            # 28, 14 and 7 pixels (34.6 M multiply-accumulates per image; (24, 48, 96) costs 2.2× as much). Counts:
            # the FD curve's period in epochs (`fd_every`) and samples (`fd_n`), the DDIM steps of every sampling
            # (`sampling_steps`), and the images per sample seed of the quality figures at export (`metric_n`: 2,000,
            # not the GANs' 10,000: the README's table scores 10,000 per seed with `benchmarks.generative_quality`,
            # and each 10,000 costs a 2-core machine about 7 minutes of DDIM).
            plan=Plan(
                recipe=Recipe(
                    optimizer="adam",
                    learning_rate=1e-3,
                    batch_size=128,
                    jit_compile=False,
                    steps_per_execution=8,
                    g_ema_momentum=0.999,
                    channels=(16, 32, 64),
                ),
                # 35 epochs: the FD curve (recorded in the manifest) fell below the StyleGAN's at epoch 30.
                epochs=PerProfile(test=1, classroom=2, full=35),
                counts={
                    "fd_every": PerProfile(test=1, classroom=1, full=5),
                    "fd_n": PerProfile(test=200, classroom=2_000, full=2_000),
                    "sampling_steps": PerProfile(test=5, classroom=50, full=50),
                    "metric_n": PerProfile(test=200, classroom=2_000, full=2_000),
                },
            ),
        ),
    )
}


def _resolve(reference: str):
    module_name, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def catalog_entry(name: str, catalog: dict[str, PretrainedModel] | None = None) -> PretrainedModel:
    """The catalogue entry for `name`, or a clear error listing the known names."""
    catalog = CATALOG if catalog is None else catalog
    try:
        return catalog[name]
    except KeyError:
        raise KeyError(
            f"no pretrained model named {name!r}; known models: {', '.join(sorted(catalog)) or 'none'}"
        ) from None


def load_pretrained(name: str, *, directory: Path | None = None, catalog: dict | None = None):
    """Build the model `name` and load its shipped weights, after checking their SHA-256. Works offline."""
    entry = catalog_entry(name, catalog)
    model = _resolve(entry.build)()
    _load_checked(model, name, directory, f"the architecture that {entry.build} builds")
    return model


def load_shipped_weights(model, name: str, *, directory: Path | None = None, catalog: dict | None = None):
    """Load the shipped weights of `name` into `model`, a model a chapter defined itself.

    The model must have exactly the shipped model's weights: the same layers, in the same order,
    with the same shapes. Anything else raises a ValueError that lists the differences, rather
    than Keras's warning about weights it skipped. Returns `model`.
    """
    catalog_entry(name, catalog)
    _load_checked(model, name, directory, "this model")
    return model


def _stored_shapes(path: Path) -> list[tuple[str, tuple[int, ...]]]:
    """The (path, shape) of every array in a `.weights.h5` file, in file order."""
    shapes: list[tuple[str, tuple[int, ...]]] = []
    with h5py.File(path, "r") as file:
        file.visititems(
            lambda key, item: shapes.append((key, tuple(item.shape))) if isinstance(item, h5py.Dataset) else None
        )
    return shapes


def _load_checked(model, name: str, directory: Path | None, what: str) -> None:
    path = verified_weights_path(name, directory)
    retrain = f"Retrain them with `python -m autoaegan.pretrained train {name}`, or fix the model's definition."
    model_shapes = sorted(tuple(weight.shape) for weight in model.weights)
    # A model saved after compiling also stores its optimizer's state, which is not the model's to match.
    stored_shapes = sorted(shape for key, shape in _stored_shapes(path) if "optimizer" not in key.split("/"))
    if model_shapes != stored_shapes:
        raise ValueError(
            f"the shipped weights of '{name}' ({path.name}) do not fit {what}: the file holds {len(stored_shapes)} "
            f"arrays, the model {len(model_shapes)}; shapes only in the file: "
            f"{_difference(stored_shapes, model_shapes)}, "
            f"only in the model: {_difference(model_shapes, stored_shapes)}. "
            f"{retrain}"
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(path)
        except (ValueError, KeyError) as error:
            raise ValueError(
                f"the shipped weights of '{name}' ({path.name}) do not fit {what} ({error}). {retrain}"
            ) from None
    # Keras skips weights it cannot match with a warning; a shipped model must load whole.
    # A compiled model's optimizer has no state yet, and Keras says it skipped it: that is not a missing weight.
    skipped = [
        str(warning.message)
        for warning in caught
        if "load" in str(warning.message).lower() and "optimizer" not in str(warning.message).lower()
    ]
    if skipped:
        raise ValueError(
            f"the shipped weights of '{name}' ({path.name}) did not all load into {what}: "
            f"{skipped[0].splitlines()[0]} {retrain}"
        )


def _difference(shapes: list, others: list) -> list:
    """The first five of `shapes` that `others` lacks, counting repeats (a multiset difference)."""
    return list((Counter(shapes) - Counter(others)).elements())[:5]


def retrain(name: str, *, profile: Profile, directory: Path | None = None, catalog: dict | None = None) -> Manifest:
    """Retrain `name` with its trainer under `profile` (the command's choice) and rewrite its manifest."""
    entry = catalog_entry(name, catalog)
    started = time.perf_counter()
    trained = _resolve(entry.train)(profile)
    seconds = time.perf_counter() - started
    return save_pretrained(
        name,
        trained.model,
        profile=profile.name,
        settings=trained.settings,
        metrics=trained.metrics,
        train_seconds=seconds,
        directory=directory,
    )
