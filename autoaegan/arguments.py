"""Checks of the arguments that the package's functions and layers take: one rule each, one message form
("NAME must be EXPECTED, got VALUE"). Every layer of the package may import this module; it imports nothing
of the package."""

from __future__ import annotations

import math
import numbers

import numpy as np


def positive_int(value, name: str) -> int:
    """Return `value` as an int, or raise ValueError naming `name` unless it is a whole number ≥ 1 (not a bool)."""
    return whole_number(value, name, at_least=1, expected="a positive integer")


def positive_int_tuple(values, name: str) -> tuple[int, ...]:
    """Return `values` as a tuple of ints ≥ 1; TypeError if it is not a sequence, ValueError for a bad item."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of positive integers, got {values!r}")
    return tuple(positive_int(value, f"each of {name}") for value in values)


def is_whole_number(value) -> bool:
    """True for an int or a NumPy integer, False for a bool (which Python counts as an int) and anything else."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real_number(value) -> bool:
    """True for an int, a float or a NumPy number, False for a bool and anything else."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def whole_number(value, name: str, *, at_least: int | None = None, expected: str | None = None) -> int:
    """Return `value` as an int, or raise ValueError naming `name` unless it is a whole number ≥ `at_least`
    (not a bool). `expected` replaces the message's description, e.g. "an integer ≥ 2"."""
    if not is_whole_number(value) or (at_least is not None and value < at_least):
        description = expected or ("an integer" if at_least is None else f"an integer ≥ {at_least}")
        raise ValueError(f"{name} must be {description}, got {value!r}")
    return int(value)


def real_number(value, name: str, *, expected: str = "a number", accept=None, error: type = ValueError) -> float:
    """Return `value` as a float, or raise `error` naming `name` unless it is a finite real number (not a bool)
    for which `accept(value)` holds, e.g. `accept=lambda v: 0 <= v <= 1, expected="a number in [0, 1]"`."""
    if not is_real_number(value) or not math.isfinite(value) or (accept is not None and not accept(value)):
        raise error(f"{name} must be {expected}, got {value!r}")
    return float(value)


def optional_seed(seed, name: str = "seed") -> int | None:
    """Return `seed` as an int, or None; TypeError naming `name` for anything else (a bool included)."""
    if seed is None:
        return None
    if not is_whole_number(seed):
        raise TypeError(f"{name} must be an integer or None, got {seed!r}")
    return int(seed)


def non_negative_int(value, name: str) -> int:
    """Return `value` as an int, or raise ValueError naming `name` unless it is a whole number ≥ 0 (not a bool),
    e.g. a seed."""
    return whole_number(value, name, at_least=0, expected="a non-negative integer")
