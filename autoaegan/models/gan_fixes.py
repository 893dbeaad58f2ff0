"""Chapter 08's dense GANs: the baseline that collapses, and the same GAN with one stabiliser each.

All of them are Géron's dense GAN (`autoaegan.models.gan`): 30 codings, a generator
of 100 and 150 relu units, a discriminator of 150 and 100. Only the fix differs:

- `"baseline"`: nothing changed;
- `"experience replay"` (the slides): a `ReplayGAN`, whose discriminator also trains on
  fakes of earlier generators drawn from a replay buffer;
- `"minibatch discrimination"` (the slides; Salimans et al. 2016): a
  `MinibatchDiscrimination` layer before the discriminator's output, so that it sees
  how alike the images of a batch are;
- `"spectral normalization"` (beyond the slides; Miyato et al. 2018): every Dense layer
  of the discriminator wrapped in `keras.layers.SpectralNormalization`;
- `"all three"`: the three together.

`train_gan` trains any of them with a `Recipe` on uint8 images, the same way for
each, so that their figures compare.
"""

from __future__ import annotations

from autoaegan.arguments import positive_int
from autoaegan.data.pipeline import make_dataset
from autoaegan.models.dense_gan import GERON_RECIPE, training_images
from autoaegan.models.gan import CODINGS_SIZE, GAN, build_dense_discriminator, build_dense_generator
from autoaegan.models.replay import DEFAULT_CAPACITY, DEFAULT_FRACTION, ReplayGAN
from autoaegan.plans import Recipe
from autoaegan.profiles import Profile
from autoaegan.training.fitting import NaNGuard
from autoaegan.training.gan_recipe import compile_gan

FIXES = ("baseline", "experience replay", "minibatch discrimination", "spectral normalization", "all three")
MINIBATCH_KERNELS = 50
MINIBATCH_KERNEL_DIM = 5


def build_gan_with_fix(
    fix: str,
    *,
    codings_size: int = CODINGS_SIZE,
    seed: int | None = None,
    replay_capacity: int = DEFAULT_CAPACITY,
    replay_fraction: float = DEFAULT_FRACTION,
    minibatch_kernels: int = MINIBATCH_KERNELS,
) -> GAN:
    """Géron's dense GAN with `fix` (one of `FIXES`), not compiled."""
    if fix not in FIXES:
        raise ValueError(f"fix must be one of {', '.join(repr(f) for f in FIXES)}; got {fix!r}")
    every = fix == "all three"
    discriminator = build_dense_discriminator(
        spectral_norm=every or fix == "spectral normalization",
        minibatch_kernels=minibatch_kernels if every or fix == "minibatch discrimination" else None,
        minibatch_kernel_dim=MINIBATCH_KERNEL_DIM,
    )
    generator = build_dense_generator(codings_size)
    name = fix.replace(" ", "_") + "_gan"
    if every or fix == "experience replay":
        return ReplayGAN(
            generator,
            discriminator,
            codings_size=codings_size,
            seed=seed,
            replay_capacity=replay_capacity,
            replay_fraction=replay_fraction,
            name=name,
        )
    return GAN(generator, discriminator, codings_size=codings_size, seed=seed, name=name)


def train_gan(
    gan: GAN,
    images,
    *,
    epochs: int,
    profile: Profile,
    recipe: Recipe = GERON_RECIPE,
    seed: int = 42,
    callbacks=(),
    verbose="auto",
) -> dict:
    """Compile `gan` with `recipe` and train it on uint8 `images` `(n, 28, 28)` for `epochs`; return the history.

    Batches are shuffled with `seed` and whole (so an XLA-compiled step is compiled
    once). Training stops with a `TrainingDivergedError` if a loss becomes NaN.
    """
    epochs = positive_int(epochs, "epochs")
    images = training_images(images, recipe.batch_size)
    total_steps = epochs * (len(images) // recipe.batch_size)
    compile_gan(gan, recipe, profile=profile, total_steps=total_steps)
    dataset = make_dataset(images, batch_size=recipe.batch_size, shuffle=True, seed=seed, drop_remainder=True)
    history = gan.fit(dataset, epochs=epochs, shuffle=False, verbose=verbose, callbacks=[NaNGuard(), *callbacks])
    return {name: [float(v) for v in values] for name, values in history.history.items()}
