"""Run profiles: how much data, how many epochs and how large the batches are.

A notebook reads one `Profile` object for every size it uses, so switching from
the quick `test` profile to the `full` one never means editing code. The
profile comes from the `AUTOAEGAN_PROFILE` environment variable and defaults to
`classroom`, sized for a 2-CPU, 2 GiB JupyterHub.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TypeVar

PROFILE_VARIABLE = "AUTOAEGAN_PROFILE"
DEFAULT_PROFILE = "classroom"

T = TypeVar("T")


class UnknownProfileError(ValueError):
    """Raised for a profile name that is not one of `PROFILES`."""


@dataclass(frozen=True)
class Profile:
    """The sizes a chapter uses under one run profile.

    `train_size`, `valid_size` and `test_size` cap the Fashion-MNIST splits
    (None keeps a split whole); `epochs` and `batch_size` are the defaults of
    the training helper; `deterministic` turns on TensorFlow op determinism.
    """

    name: str
    description: str
    train_size: int | None
    valid_size: int | None
    test_size: int | None
    epochs: int
    batch_size: int
    deterministic: bool
    seed: int = 42

    def pick(self, *, test: T, classroom: T, full: T) -> T:
        """Return the value given for this profile, e.g. `profile.pick(test=1, classroom=5, full=20)`."""
        return {"test": test, "classroom": classroom, "full": full}[self.name]

    def subset(self, array, split: str = "train"):
        """Return the first rows of `array` allowed for `split` ("train", "valid" or "test")."""
        sizes = {"train": self.train_size, "valid": self.valid_size, "test": self.test_size}
        if split not in sizes:
            raise ValueError(f"split must be one of {sorted(sizes)}, got {split!r}")
        size = sizes[split]
        return array if size is None else array[:size]

    def __str__(self) -> str:
        def size(n):
            return "all" if n is None else f"{n:,}"

        return (
            f"profile '{self.name}': {self.description}\n"
            f"  images: train {size(self.train_size)}, valid {size(self.valid_size)}, "
            f"test {size(self.test_size)}; default epochs {self.epochs}, batch size {self.batch_size}; "
            f"seed {self.seed}{', deterministic ops' if self.deterministic else ''}"
        )


PROFILES: dict[str, Profile] = {
    "test": Profile(
        name="test",
        description="seconds per chapter, tiny subsets and a few steps (for CI)",
        train_size=2_000,
        valid_size=500,
        test_size=500,
        epochs=1,
        batch_size=64,
        deterministic=True,
    ),
    "classroom": Profile(
        name="classroom",
        description="each chapter within 5 minutes and 1.5 GiB on a 2-CPU hub (the default)",
        train_size=None,
        valid_size=None,
        test_size=None,
        epochs=5,
        batch_size=128,
        deterministic=False,
    ),
    "full": Profile(
        name="full",
        description="the full trainings whose results the README reports",
        train_size=None,
        valid_size=None,
        test_size=None,
        epochs=20,
        batch_size=32,
        deterministic=False,
    ),
}


def get_profile(name: str | None = None) -> Profile:
    """Return the named profile, or the one `AUTOAEGAN_PROFILE` selects (default `classroom`)."""
    if name is None:
        name = os.environ.get(PROFILE_VARIABLE, "").strip() or DEFAULT_PROFILE
    try:
        return PROFILES[name]
    except KeyError:
        raise UnknownProfileError(
            f"unknown run profile {name!r}: expected one of {', '.join(PROFILES)} "
            f"(set {PROFILE_VARIABLE} to one of them, or leave it unset for '{DEFAULT_PROFILE}')"
        ) from None
