"""Hailstone sequences (the 3N+1 or Collatz problem) and the slides' two number sequences.

From any positive whole number N, the next number is 3N+1 if N is odd and N/2 if
N is even. The numbers rise and fall like a hailstone in a cloud; every start
tried so far (all below 2**68) ends at 1, then cycles 4, 2, 1.
"""

from __future__ import annotations

from autoaegan.arguments import is_whole_number

# The slides' question: which of these two sequences is easier to memorise?
SLIDES_RANDOM_SEQUENCE: tuple[int, ...] = (40, 27, 25, 36, 81, 57, 10, 73, 19, 68)
SLIDES_HAILSTONE_RUN: tuple[int, ...] = (50, 25, 76, 38, 19, 58, 29, 88, 44, 22, 11, 34, 17, 52, 26, 13, 40, 20)


def require_positive_int(value, name: str) -> int:
    """Return `value` as a Python int, or raise TypeError (not a whole number) or ValueError (below 1)."""
    # bool is an Integral too, but True as a start number is almost surely a mistake.
    if not is_whole_number(value):
        raise TypeError(f"{name} must be a whole number (int), got {value!r} of type {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


def hailstone_step(number: int) -> int:
    """Return the number after `number` in a hailstone sequence: 3N+1 if odd, N/2 if even."""
    return 3 * number + 1 if number % 2 else number // 2


def hailstone_run(start: int, count: int) -> list[int]:
    """Return the first `count` numbers of the hailstone sequence from `start` (both at least 1).

    >>> hailstone_run(6, 5)
    [6, 3, 10, 5, 16]
    """
    number = require_positive_int(start, "start")
    count = require_positive_int(count, "count")
    run = [number]
    for _ in range(count - 1):
        number = hailstone_step(number)
        run.append(number)
    return run


def hailstone_until_one(start: int) -> list[int]:
    """Return the hailstone sequence from `start` down to its first 1, both included.

    >>> hailstone_until_one(6)
    [6, 3, 10, 5, 16, 8, 4, 2, 1]
    """
    number = require_positive_int(start, "start")
    run = [number]
    while number != 1:
        number = hailstone_step(number)
        run.append(number)
    return run
