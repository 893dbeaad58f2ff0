"""Each shipped generative model with its default sampler, as one kind of callable: `make_images(seed, n)`.

`make_images(seed, n)` returns `n` images in [0, 1] shaped `(n, 28, 28)` (32×32 for the progressive GANs, which the
metrics centre-crop), the same ones for the same seed. For a GAN or a VAE's decoder the seed draws the codings from
N(0, I); for the diffusion model it draws the starting noise x_T of 50 DDIM steps (η = 0). The README's quality table
(`benchmarks.generative_quality`) and chapter 12's comparison (`autoaegan.experiments.diffusion_sampling`) score and
time the models through this one table, `SHIPPED_GENERATORS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from autoaegan.arguments import positive_int
from autoaegan.latent import sample_codings
from autoaegan.models.dcgan import VALUE_RANGE
from autoaegan.models.diffusion import DDIM_STEPS, noise_predictor, sample, variance_schedule
from autoaegan.models.diffusion_training import SCHEDULE
from autoaegan.pretrained import load_pretrained
from autoaegan.training.sampling import generate_from

MakeImages = Callable[[int, int], np.ndarray]


def generator_images(generator: keras.Model, *, value_range=(-1.0, 1.0)) -> MakeImages:
    """`make_images(seed, n)` for a generator of codings drawn from N(0, I) with `seed`."""

    def make_images(seed, n):
        codings = sample_codings(n, int(generator.input_shape[-1]), seed=seed)
        return generate_from(generator, codings, value_range=value_range)

    return make_images


class DiffusionImages:
    """`make_images(seed, n)` for a denoiser `[x_t, t] → ε̂`: `sampler` ("ddim" with `steps` steps and η = `eta`,
    or "ddpm" with all T) from noise x_T drawn with `seed` (`autoaegan.models.diffusion.sample`).

    The network is compiled once per instance (XLA unless `jit_compile=False`), at its first batch of each size:
    `warm_up(n)` pays that for the batches of `n` images with a single step, so that a timing after it is warm.
    """

    def __init__(
        self, denoiser: keras.Model, *, sampler="ddim", steps=DDIM_STEPS, eta=0.0, schedule=None, jit_compile=True
    ):
        self.schedule = variance_schedule(SCHEDULE) if schedule is None else schedule
        self.sampler, self.steps, self.eta = sampler, steps, eta
        self.predict = noise_predictor(denoiser, jit_compile=jit_compile)

    def __call__(self, seed: int, n: int) -> np.ndarray:
        return sample(self.predict, self.schedule, n, sampler=self.sampler, steps=self.steps, eta=self.eta, seed=seed)

    def warm_up(self, n: int) -> None:
        """Compile the network for the batches that `n` images are cut into (one DDIM step of `n` images)."""
        sample(self.predict, self.schedule, positive_int(n, "n"), sampler="ddim", steps=1)


@dataclass(frozen=True)
class ShippedGenerator:
    """A shipped model (its `pretrained` name), its table label and chapter, and `load()` → `make_images`."""

    pretrained: str
    label: str
    chapter: str
    load: Callable[[], MakeImages]


def _dense_gan() -> MakeImages:
    gan = load_pretrained("dense_gan")
    return generator_images(gan.generator, value_range=gan.value_range)


# In the course's order. The progressive GANs make 32×32 images in [-1, 1]; the metrics centre-crop them to 28×28.
SHIPPED_GENERATORS = {
    generator.pretrained: generator
    for generator in (
        ShippedGenerator(
            "variational_autoencoder",
            "VAE (latent 10)",
            "06",
            lambda: generator_images(load_pretrained("variational_autoencoder").decoder, value_range=(0.0, 1.0)),
        ),
        ShippedGenerator("dense_gan", "GAN (dense)", "07", _dense_gan),
        ShippedGenerator(
            "dcgan", "DCGAN", "09", lambda: generator_images(load_pretrained("dcgan"), value_range=VALUE_RANGE)
        ),
        ShippedGenerator("progan", "ProGAN (32×32)", "10", lambda: generator_images(load_pretrained("progan"))),
        ShippedGenerator("stylegan", "StyleGAN (32×32)", "11", lambda: generator_images(load_pretrained("stylegan"))),
        ShippedGenerator(
            "diffusion",
            f"Diffusion (DDIM {DDIM_STEPS} steps)",
            "12",
            lambda: DiffusionImages(load_pretrained("diffusion")),
        ),
    )
}


def shipped_generator(name: str) -> ShippedGenerator:
    """The entry of the shipped generative model `name`, with a clear error naming the known ones."""
    if name not in SHIPPED_GENERATORS:
        raise ValueError(f"no shipped generative model {name!r}; the models: {', '.join(SHIPPED_GENERATORS)}")
    return SHIPPED_GENERATORS[name]
