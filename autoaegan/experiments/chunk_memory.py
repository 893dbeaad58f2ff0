"""A short-term memory of a few slots: why experts remember patterns and not noise.

Chase & Simon (1973) showed chess masters a board for 5 seconds. They put back
far more pieces than beginners when the position came from a real game, and no
more when the pieces stood at random. Their memory was no larger: they stored
familiar patterns as single chunks. Miller (1956) put short-term memory at
about 7 ± 2 chunks.

Here a memory reads a sequence of numbers from left to right and keeps at most
`slots` chunks. An expert memory knows a few rules (`autoaegan.experiments.representations.RULES`):
a stretch of at least `min_chunk_length` numbers that a rule generates takes
one slot as (rule, first, count); any other number takes a slot of its own.
What does not fit is forgotten. A novice memory knows no rules.
In autoencoder terms, `encode` is the encoder, the chunks are the codings, the
slots are the bottleneck, and `decode` is the decoder that makes the reconstruction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from autoaegan.data.hailstone import require_positive_int
from autoaegan.experiments.representations import RULES, Rule, as_positive_ints, rule_prefix_length

MEMORY_SLOTS = 7  # Miller's magical number
MIN_CHUNK_LENGTH = 3  # a pair that happens to fit a rule is too weak a pattern to be worth a rule


@dataclass(frozen=True)
class Chunk:
    """One slot of memory: a rule-generated run (rule, first, count), or one raw number (rule None, count 1)."""

    rule: Rule | None
    first: int
    count: int

    def numbers(self) -> list[int]:
        """Return the numbers this chunk stands for."""
        return [self.first] if self.rule is None else self.rule.run(self.first, self.count)

    def __str__(self) -> str:
        if self.rule is None:
            return f"raw {self.first}"
        return f"{self.rule.name} from {self.first}, {self.count} numbers"


@dataclass(frozen=True)
class ChunkMemory:
    """A memory of `slots` chunks that knows the rules in `rules` (none for a novice)."""

    slots: int = MEMORY_SLOTS
    rules: tuple[Rule, ...] = RULES
    min_chunk_length: int = MIN_CHUNK_LENGTH

    def __post_init__(self):
        require_positive_int(self.slots, "slots")
        if require_positive_int(self.min_chunk_length, "min_chunk_length") < 2:
            raise ValueError(
                f"min_chunk_length must be at least 2 (one number is no chunk), got {self.min_chunk_length}"
            )

    def encode(self, sequence: Iterable[int]) -> list[Chunk]:
        """Return the chunks kept from `sequence`: at most `slots`, taking the longest rule run at each point."""
        values = as_positive_ints(sequence, "sequence")
        chunks: list[Chunk] = []
        position = 0
        while position < len(values) and len(chunks) < self.slots:
            best_rule, best_length = None, 1
            for rule in self.rules:
                length = rule_prefix_length(rule, values, position)
                if length > best_length:
                    best_rule, best_length = rule, length
            if best_length < self.min_chunk_length:
                best_rule, best_length = None, 1
            chunks.append(Chunk(best_rule, values[position], best_length))
            position += best_length
        return chunks

    def decode(self, chunks: Iterable[Chunk]) -> list[int]:
        """Return the numbers the chunks stand for, in order: the recalled start of the sequence."""
        return [number for chunk in chunks for number in chunk.numbers()]

    def recall(self, sequence: Iterable[int]) -> float:
        """Return the share of positions of `sequence` recalled correctly after encoding and decoding it."""
        values = as_positive_ints(sequence, "sequence")
        recalled = self.decode(self.encode(values))
        return sum(a == b for a, b in zip(values, recalled)) / len(values)


def expert_memory(slots: int = MEMORY_SLOTS) -> ChunkMemory:
    """Return a memory of `slots` chunks that knows every rule of the catalogue."""
    return ChunkMemory(slots=slots, rules=RULES)


def novice_memory(slots: int = MEMORY_SLOTS) -> ChunkMemory:
    """Return a memory of `slots` chunks that knows no rule: one number per slot."""
    return ChunkMemory(slots=slots, rules=())


def random_sequence(length: int, rng: np.random.Generator, *, low: int = 1, high: int = 99) -> list[int]:
    """Return `length` numbers drawn uniformly from `low` to `high` (both included)."""
    length = require_positive_int(length, "length")
    return [int(number) for number in rng.integers(low, high, size=length, endpoint=True)]


def structured_sequence(
    length: int,
    rng: np.random.Generator,
    *,
    rules: tuple[Rule, ...] = RULES,
    chunk_lengths: tuple[int, int] = (3, 8),
    low: int = 1,
    high: int = 99,
) -> list[int]:
    """Return `length` numbers made of rule runs, like positions from real games.

    Each run uses a rule drawn from `rules`, a first number from `low` to `high`
    and a length from `chunk_lengths` (both included); the last run is cut to fit.
    """
    length = require_positive_int(length, "length")
    numbers: list[int] = []
    while len(numbers) < length:
        rule = rules[rng.integers(len(rules))]
        first = int(rng.integers(low, high, endpoint=True))
        count = int(rng.integers(chunk_lengths[0], chunk_lengths[1], endpoint=True))
        numbers.extend(rule.run(first, count))
    return numbers[:length]


SEQUENCE_KINDS = ("structured", "random")
MEMORY_KINDS = ("expert", "novice")


@dataclass(frozen=True)
class RecallCurves:
    """Mean recall per sequence length, keyed by (memory kind, sequence kind): `recall["expert", "random"]`."""

    lengths: np.ndarray
    recall: dict[tuple[str, str], np.ndarray]
    slots: int
    trials: int


def measure_recall(
    lengths: Iterable[int], *, trials: int, slots: int = MEMORY_SLOTS, seed: int | np.random.Generator = 0
) -> RecallCurves:
    """Measure the mean recall of an expert and a novice memory on structured and random sequences.

    For each length, `trials` structured and `trials` random sequences are drawn
    from a NumPy Generator seeded with `seed`, so the same seed gives the same curves.
    """
    lengths = np.array([require_positive_int(length, "length") for length in lengths])
    trials = require_positive_int(trials, "trials")
    rng = np.random.default_rng(seed)
    memories = {"expert": expert_memory(slots), "novice": novice_memory(slots)}
    makers = {"structured": structured_sequence, "random": random_sequence}
    keys = [(memory, kind) for memory in MEMORY_KINDS for kind in SEQUENCE_KINDS]
    scores = {key: np.zeros((len(lengths), trials)) for key in keys}
    for index, length in enumerate(lengths):
        for trial in range(trials):
            for kind in SEQUENCE_KINDS:
                sequence = makers[kind](length, rng)
                for name, memory in memories.items():
                    scores[name, kind][index, trial] = memory.recall(sequence)
    recall = {key: score.mean(axis=1) for key, score in scores.items()}
    return RecallCurves(lengths=lengths, recall=recall, slots=slots, trials=trials)
