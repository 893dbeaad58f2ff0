"""Efficient representations of number sequences: a known rule, the first number and the count.

A run that a rule generates can be stored as `(rule, first, count)` instead of
its numbers. The rules themselves are shared knowledge, kept once in a small
catalogue (`RULES`), like the weights of a trained decoder: storing a run only
costs the rule's identifier in that catalogue plus two numbers. Bits are
counted with a fixed width per number, the width of the largest one, on both sides.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from autoaegan.arguments import is_whole_number
from autoaegan.data.hailstone import hailstone_run, hailstone_step, require_positive_int


@dataclass(frozen=True)
class Rule:
    """A rule that makes each number of a sequence from the one before it."""

    name: str
    description: str
    step: Callable[[int], int] = field(repr=False)

    def run(self, first: int, count: int) -> list[int]:
        """Return the `count` numbers that the rule generates from `first`."""
        number = require_positive_int(first, "first")
        count = require_positive_int(count, "count")
        run = [number]
        for _ in range(count - 1):
            number = self.step(number)
            run.append(number)
        return run

    def __str__(self) -> str:
        return f"{self.name} ({self.description})"


def _add_one(number: int) -> int:
    return number + 1


def _double(number: int) -> int:
    return 2 * number


def _same(number: int) -> int:
    return number


HAILSTONE = Rule("hailstone", "odd → 3N+1, even → N/2", hailstone_step)
COUNTING = Rule("counting", "N → N+1", _add_one)
DOUBLING = Rule("doubling", "N → 2N", _double)
REPEATING = Rule("repeating", "N → N", _same)

# The catalogue of known rules. Four rules: naming one of them takes 2 bits.
RULES: tuple[Rule, ...] = (HAILSTONE, COUNTING, DOUBLING, REPEATING)


def as_positive_ints(run: Iterable, name: str = "run") -> list[int]:
    """Return `run` as a list of Python ints, or raise: TypeError if it is no sequence, ValueError if it is
    empty or holds anything but whole numbers of at least 1 (the message names the index)."""
    if isinstance(run, (str, bytes, Mapping)) or not isinstance(run, Iterable):
        raise TypeError(f"{name} must be a sequence of whole numbers, got {type(run).__name__}")
    values = list(run)
    if not values:
        raise ValueError(f"{name} is empty: expected at least one whole number")
    for index, value in enumerate(values):
        if not is_whole_number(value):
            raise ValueError(
                f"{name} must hold whole numbers (int), but index {index} is {value!r} of type {type(value).__name__}"
            )
        if value < 1:
            raise ValueError(f"{name} must hold numbers of at least 1, but index {index} is {value}")
    return [int(value) for value in values]


def rule_prefix_length(rule: Rule, run: list[int], start: int = 0) -> int:
    """Return how many numbers of `run`, from index `start` on, the rule generates (at least 1)."""
    end = start + 1
    while end < len(run) and run[end] == rule.step(run[end - 1]):
        end += 1
    return end - start


def find_rule(run: Iterable[int], rules: tuple[Rule, ...] = RULES) -> Rule | None:
    """Return the first rule of `rules` that generates the whole run, or None if none does."""
    values = as_positive_ints(run)
    for rule in rules:
        if rule_prefix_length(rule, values) == len(values):
            return rule
    return None


def encode_run(run: Iterable[int], rule: Rule) -> tuple[int, int]:
    """Return `(first, count)` for a run that `rule` generates; raise ValueError naming where the run breaks it."""
    values = as_positive_ints(run)
    length = rule_prefix_length(rule, values)
    if length < len(values):
        previous, found = values[length - 1], values[length]
        raise ValueError(
            f"the run breaks the {rule.name} rule ({rule.description}) at index {length}: "
            f"after {previous} the rule gives {rule.step(previous)}, but the run has {found}"
        )
    return values[0], len(values)


def encode_hailstone_run(run: Iterable[int]) -> tuple[int, int]:
    """Return `(first, count)` for a hailstone run; raise ValueError naming the first index that breaks the rule.

    >>> encode_hailstone_run([6, 3, 10, 5, 16])
    (6, 5)
    """
    return encode_run(run, HAILSTONE)


def decode_hailstone_run(first: int, count: int) -> list[int]:
    """Return the hailstone run that `(first, count)` stands for: the inverse of `encode_hailstone_run`."""
    return hailstone_run(first, count)


def bit_width(number: int) -> int:
    """Return how many bits write the whole number `number` (at least 1)."""
    return max(1, int(number).bit_length())


def raw_bits(numbers: Iterable[int]) -> int:
    """Return the bits to store the numbers one by one, each with the width of the largest.

    >>> raw_bits([3, 8, 5])  # 8 needs 4 bits: 3 numbers x 4 bits
    12
    """
    values = as_positive_ints(numbers, "numbers")
    return len(values) * bit_width(max(values))


def rule_id_bits(rules: tuple[Rule, ...] = RULES) -> int:
    """Return the bits that name one rule of the catalogue: ceil(log2(number of rules)), 2 for four rules."""
    if not rules:
        raise ValueError("the rule catalogue is empty: expected at least one rule")
    return math.ceil(math.log2(len(rules)))


def encoded_bits(run: Iterable[int], rules: tuple[Rule, ...] = RULES) -> int:
    """Return the bits to store a run as (rule, first, count): a rule identifier, then `raw_bits([first, count])`.

    Raises ValueError if no rule of the catalogue generates the run: it can only be stored raw.
    """
    values = as_positive_ints(run)
    rule = find_rule(values, rules)
    if rule is None:
        names = ", ".join(known.name for known in rules)
        raise ValueError(f"no rule of the catalogue ({names}) generates this run: it can only be stored raw")
    first, count = encode_run(values, rule)
    return rule_id_bits(rules) + raw_bits([first, count])


@dataclass(frozen=True)
class RepresentationCost:
    """What one sequence costs stored raw and, if a known rule generates it, stored by its rule."""

    name: str
    length: int
    width: int
    raw_bits: int
    rule: str | None
    code: tuple[int, int] | None
    encoded_bits: int | None


def compare_representations(
    sequences: Mapping[str, Iterable[int]], rules: tuple[Rule, ...] = RULES
) -> list[RepresentationCost]:
    """Return the raw and rule-based storage cost of each named sequence (rule fields None where no rule fits)."""
    rows = []
    for name, sequence in sequences.items():
        values = as_positive_ints(sequence, name)
        rule = find_rule(values, rules)
        rows.append(
            RepresentationCost(
                name=name,
                length=len(values),
                width=bit_width(max(values)),
                raw_bits=raw_bits(values),
                rule=None if rule is None else rule.name,
                code=None if rule is None else encode_run(values, rule),
                encoded_bits=None if rule is None else encoded_bits(values, rules),
            )
        )
    return rows


def representation_table(rows: Iterable[RepresentationCost]) -> str:
    """Return the rows of `compare_representations` as a Markdown table."""
    lines = [
        "| sequence | numbers | bits per number | stored raw | rule | (first, count) | stored by rule | ratio |",
        "|---|---:|---:|---:|---|---|---:|---:|",
    ]
    for row in rows:
        if row.rule is None:
            by_rule = ["no known rule fits", "—", "—", "—"]
        else:
            by_rule = [
                row.rule,
                f"{row.code}",
                f"{row.encoded_bits} bits",
                f"{row.raw_bits / row.encoded_bits:.1f}× fewer bits",
            ]
        lines.append(
            "| " + " | ".join([row.name, str(row.length), str(row.width), f"{row.raw_bits} bits", *by_rule]) + " |"
        )
    return "\n".join(lines)
