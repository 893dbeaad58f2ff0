"""Training plans: the one `Recipe` type (how a model trains) and `Plan` (a recipe with its sizes per run profile).

A pretrained model's plan sits in its catalogue entry (`autoaegan.pretrained.catalog`); other trainings of the
library keep a module-level `Plan`. Chapters write their own demo's optimizer, rate and batch size literally.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from autoaegan.arguments import positive_int
from autoaegan.profiles import Profile

T = TypeVar("T")
SCHEDULES = ("constant", "cosine")


@dataclass(frozen=True)
class Recipe:
    """How to train: optimizer, learning rates, schedule, batch size, the speed settings, and for a GAN its two
    networks' rates, label smoothing and the generator's weight average.

    `schedule` is "constant" or "cosine" (a linear warm-up over `warmup_fraction` of the steps, then a cosine
    decay to `final_fraction` of the peak). `jit_compile` turns XLA on; `steps_per_execution` runs that many
    steps per call into TensorFlow. A GAN's `d_learning_rate` and `g_learning_rate` default to `learning_rate`;
    `beta_1`/`beta_2` left at None keep the optimizer's defaults; `real_label` below 1 is one-sided label
    smoothing; `g_ema_momentum` keeps an exponential moving average of the generator's weights in its optimizer.
    `channels` sizes the progressive GANs' networks (chapters 10 and 11).
    """

    optimizer: str = "nadam"
    learning_rate: float = 1e-3
    batch_size: int = 32
    schedule: str = "constant"
    warmup_fraction: float = 0.0
    final_fraction: float = 0.0
    jit_compile: bool = False
    steps_per_execution: int = 1
    d_learning_rate: float | None = None
    g_learning_rate: float | None = None
    beta_1: float | None = None
    beta_2: float | None = None
    real_label: float = 1.0
    g_ema_momentum: float | None = None
    channels: tuple[int, ...] | None = None

    def with_changes(self, **changes) -> Recipe:
        """A copy of this recipe with some fields changed."""
        return replace(self, **changes)

    def _schedule(self, peak: float, total_steps: int | None):
        # Keras is imported when an optimizer is made, not with the plans: the grading checker and
        # `python -m autoaegan.pretrained list` read the catalogue without TensorFlow.
        import keras

        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be 'constant' or 'cosine', got {self.schedule!r}")
        if self.schedule == "constant":
            return peak
        if total_steps is None:
            raise ValueError("a cosine schedule needs the training's total_steps")
        total_steps = positive_int(total_steps, "total_steps")
        warmup = int(total_steps * self.warmup_fraction)
        return keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=peak * (1e-2 if warmup else 1.0),
            decay_steps=max(1, total_steps - warmup),
            alpha=self.final_fraction,
            warmup_target=peak if warmup else None,
            warmup_steps=warmup,
        )

    def learning_rate_schedule(self, total_steps: int | None = None):
        """The learning rate (a float or a Keras schedule) for a training of `total_steps` steps."""
        return self._schedule(self.learning_rate, total_steps)

    def learning_rates(self, total_steps: int | None = None) -> tuple:
        """A GAN's `(discriminator's, generator's)` learning rates: floats, or schedules over `total_steps`."""
        return (
            self._schedule(self.learning_rate if self.d_learning_rate is None else self.d_learning_rate, total_steps),
            self._schedule(self.learning_rate if self.g_learning_rate is None else self.g_learning_rate, total_steps),
        )

    def _optimizer(self, learning_rate, *, averaged: bool):
        import keras  # see _schedule

        config = {"learning_rate": learning_rate}
        if self.beta_1 is not None:
            config["beta_1"] = self.beta_1
        if self.beta_2 is not None:
            config["beta_2"] = self.beta_2
        if averaged and self.g_ema_momentum is not None:
            config.update(use_ema=True, ema_momentum=self.g_ema_momentum)
        try:
            return keras.optimizers.get({"class_name": self.optimizer, "config": config})
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"optimizer must name a Keras optimizer that takes {sorted(config)}, got {self.optimizer!r}: {error}"
            ) from None

    def make_optimizer(self, total_steps: int | None = None):
        """A fresh optimizer following this recipe for `total_steps` steps (needed by a cosine schedule)."""
        return self._optimizer(self.learning_rate_schedule(total_steps), averaged=False)

    def make_optimizers(self, total_steps: int | None = None) -> tuple:
        """A GAN's fresh `(d_optimizer, g_optimizer)`; the generator's keeps the average of its weights when the
        recipe asks (`g_ema_momentum`)."""
        d_rate, g_rate = self.learning_rates(total_steps)
        return self._optimizer(d_rate, averaged=False), self._optimizer(g_rate, averaged=True)


@dataclass(frozen=True)
class PerProfile(Generic[T]):
    """One size for each run profile: `test` (seconds, for CI), `classroom` (the default) and `full`."""

    test: T
    classroom: T
    full: T

    def __call__(self, profile: Profile) -> T:
        """The size for `profile`."""
        return profile.pick(test=self.test, classroom=self.classroom, full=self.full)


@dataclass(frozen=True)
class Plan:
    """A training's plan: its recipe, its epochs per profile, and any other counts per profile by name
    (training steps, images measured, chunks, ...)."""

    recipe: Recipe = field(default_factory=Recipe)
    epochs: PerProfile[int] | None = None
    counts: dict[str, PerProfile] = field(default_factory=dict)

    def epochs_for(self, profile: Profile) -> int:
        """The epochs this plan trains for under `profile`."""
        if self.epochs is None:
            raise ValueError("this plan counts no epochs; its sizes are in plan.counts")
        return self.epochs(profile)

    def count(self, name: str, profile: Profile):
        """The count `name` under `profile`; a KeyError lists the plan's counts."""
        if name not in self.counts:
            raise KeyError(f"this plan has no count {name!r}; it has {sorted(self.counts)}")
        return self.counts[name](profile)
