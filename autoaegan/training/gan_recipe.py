"""A two-network GAN compiled from a `Recipe` (`autoaegan.plans`): one optimizer per network, label smoothing, and
the speed settings, with XLA left out where the run profile asks for deterministic ops (TensorFlow forbids both)."""

from __future__ import annotations

from autoaegan.plans import Recipe
from autoaegan.profiles import Profile


def compile_gan(gan, recipe: Recipe, *, profile: Profile, total_steps: int | None = None):
    """Compile `gan` (whose `compile` takes `d_optimizer, g_optimizer`) with `recipe`; return it.

    `total_steps` is the training's length, which a cosine schedule needs. The real images' label is passed only
    when the recipe smooths it (`real_label` < 1): the ProGAN's logistic loss takes no labels.
    """
    d_optimizer, g_optimizer = recipe.make_optimizers(total_steps)
    labels = {} if recipe.real_label == 1.0 else {"real_label": recipe.real_label}
    gan.compile(
        d_optimizer,
        g_optimizer,
        jit_compile=recipe.jit_compile and not profile.deterministic,
        steps_per_execution=recipe.steps_per_execution,
        **labels,
    )
    return gan
