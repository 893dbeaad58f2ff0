"""Checks of the size arguments that the model builders take."""

from __future__ import annotations

import numpy as np


def positive_int(value, name: str) -> int:
    """Return `value` as an int, or raise ValueError naming `name` unless it is a whole number ≥ 1 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def positive_int_tuple(values, name: str) -> tuple[int, ...]:
    """Return `values` as a tuple of ints ≥ 1; TypeError if it is not a sequence, ValueError for a bad item."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of positive integers, got {values!r}")
    return tuple(positive_int(value, f"each of {name}") for value in values)
