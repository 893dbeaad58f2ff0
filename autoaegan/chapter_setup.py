"""The setup cell every chapter opens with."""

from __future__ import annotations

import autoaegan
from autoaegan.figures.theme import use_theme
from autoaegan.profiles import Profile, get_profile
from autoaegan.seeding import set_seed


def setup_chapter(*, tensorflow: bool = True) -> Profile:
    """Read the run profile, print it, seed every generator and apply the plotly theme.

    Returns the active `Profile`, which the chapter reads for its sizes. Chapters
    that train no network pass `tensorflow=False` and skip TensorFlow's import.
    """
    profile = get_profile()
    set_seed(profile=profile, tensorflow=tensorflow)
    use_theme()
    print(f"autoaegan {autoaegan.__version__} · {profile}")
    return profile
