"""Tests of the short-term memory experiment (autoaegan.experiments.chunk_memory) and its figures."""

import numpy as np
import pytest

from autoaegan.data.hailstone import SLIDES_HAILSTONE_RUN, SLIDES_RANDOM_SEQUENCE
from autoaegan.experiments.chunk_memory import (
    MEMORY_SLOTS,
    Chunk,
    ChunkMemory,
    expert_memory,
    measure_recall,
    novice_memory,
    random_sequence,
    structured_sequence,
)
from autoaegan.experiments.representations import COUNTING, DOUBLING, HAILSTONE, REPEATING, find_rule
from autoaegan.figures.memory import memory_contents_figure, recall_curves_figure

LENGTHS = range(1, 61)


@pytest.fixture(scope="module")
def curves():
    return measure_recall(LENGTHS, trials=30, seed=1)


def test_memory_has_seven_slots_by_default():
    assert MEMORY_SLOTS == 7
    assert expert_memory().slots == novice_memory().slots == 7


def test_expert_keeps_the_seed_run_in_one_slot():
    (chunk,) = expert_memory().encode(SLIDES_HAILSTONE_RUN)
    assert (chunk.rule, chunk.first, chunk.count) == (HAILSTONE, 50, 18)
    assert str(chunk) == "hailstone from 50, 18 numbers"
    assert expert_memory().recall(SLIDES_HAILSTONE_RUN) == 1.0


def test_novice_and_random_numbers_fill_one_slot_each():
    assert novice_memory().recall(SLIDES_HAILSTONE_RUN) == 7 / 18
    assert expert_memory().recall(SLIDES_RANDOM_SEQUENCE) == 7 / 10
    chunks = expert_memory().encode(SLIDES_RANDOM_SEQUENCE)
    assert [chunk.first for chunk in chunks] == list(SLIDES_RANDOM_SEQUENCE[:7])
    assert all(chunk.rule is None and chunk.count == 1 for chunk in chunks)
    assert str(chunks[0]) == "raw 40"


def test_expert_cuts_a_sequence_into_rule_chunks():
    sequence = [1, 2, 3, 4, 10, 20, 40, 7, 7, 7, 99, 50, 25, 76]
    chunks = expert_memory().encode(sequence)
    assert chunks == [
        Chunk(COUNTING, 1, 4),
        Chunk(DOUBLING, 10, 3),
        Chunk(REPEATING, 7, 3),
        Chunk(None, 99, 1),
        Chunk(HAILSTONE, 50, 3),
    ]
    assert expert_memory().decode(chunks) == sequence


def test_a_pair_that_fits_a_rule_is_no_chunk():
    chunks = expert_memory().encode([3, 4, 80, 40, 9])
    assert all(chunk.rule is None for chunk in chunks)
    assert len(chunks) == 5
    assert len(ChunkMemory(min_chunk_length=2).encode([3, 4, 80, 40, 9])) == 3


def test_memory_forgets_what_does_not_fit_its_slots():
    sequence = [11, 2, 13, 4, 15, 6, 17, 8, 19, 10]
    memory = ChunkMemory(slots=4)
    assert memory.decode(memory.encode(sequence)) == sequence[:4]
    assert memory.recall(sequence) == 0.4


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"slots": 0}, ValueError, "slots must be at least 1, got 0"),
        ({"slots": 2.0}, TypeError, "slots must be a whole number"),
        ({"min_chunk_length": 1}, ValueError, "min_chunk_length must be at least 2"),
    ],
)
def test_memory_rejects_bad_settings(arguments, error, message):
    with pytest.raises(error, match=message):
        ChunkMemory(**arguments)


def test_memory_rejects_bad_sequences():
    with pytest.raises(ValueError, match="sequence is empty"):
        expert_memory().recall([])
    with pytest.raises(ValueError, match="index 2 is 1.5"):
        expert_memory().encode([1, 2, 1.5])


def test_generated_sequences_have_the_asked_length_and_range():
    rng = np.random.default_rng(0)
    for length in (1, 7, 50):
        numbers = random_sequence(length, rng)
        assert len(numbers) == length
        assert all(type(n) is int and 1 <= n <= 99 for n in numbers)
        assert len(structured_sequence(length, rng)) == length
    with pytest.raises(ValueError, match="length must be at least 1"):
        random_sequence(0, rng)
    with pytest.raises(TypeError, match="length must be a whole number"):
        structured_sequence(7.0, rng)


def test_structured_sequences_are_made_of_rule_runs():
    rng = np.random.default_rng(3)
    sequence = structured_sequence(200, rng, chunk_lengths=(4, 6))
    # With room for everything, the expert recalls it all, in chunks of at least 4 numbers.
    memory = ChunkMemory(slots=200)
    chunks = memory.encode(sequence)
    assert memory.recall(sequence) == 1.0
    assert all(chunk.count >= 4 for chunk in chunks[:-1])
    assert len(chunks) <= 200 / 4 + 1
    only_counting = structured_sequence(30, rng, rules=(COUNTING,), chunk_lengths=(10, 10))
    assert [find_rule(only_counting[i : i + 10]) for i in (0, 10, 20)] == [COUNTING] * 3


def test_generated_sequences_repeat_with_the_same_seed():
    first = [structured_sequence(20, np.random.default_rng(5)), random_sequence(20, np.random.default_rng(5))]
    again = [structured_sequence(20, np.random.default_rng(5)), random_sequence(20, np.random.default_rng(5))]
    assert first == again


def test_recall_is_perfect_up_to_the_memory_size(curves):
    short = curves.lengths <= MEMORY_SLOTS
    for recall in curves.recall.values():
        np.testing.assert_array_equal(recall[short], 1.0)


def test_expert_recalls_structured_sequences_far_better_beyond_the_memory_size(curves):
    long = curves.lengths >= 20
    gap = curves.recall["expert", "structured"][long] - curves.recall["expert", "random"][long]
    assert gap.min() > 0.3
    assert curves.recall["expert", "structured"][curves.lengths == 20][0] > 0.95


def test_novice_recalls_slots_over_length_whatever_the_sequence(curves):
    expected = np.minimum(1.0, MEMORY_SLOTS / curves.lengths)
    np.testing.assert_allclose(curves.recall["novice", "structured"], expected)
    np.testing.assert_allclose(curves.recall["novice", "random"], expected)
    # Random numbers rarely form a chunk: the expert is hardly better than the novice on them.
    np.testing.assert_allclose(curves.recall["expert", "random"], expected, atol=0.03)


def test_recall_curves_repeat_with_the_same_seed():
    first = measure_recall(range(5, 40, 5), trials=5, seed=7)
    again = measure_recall(range(5, 40, 5), trials=5, seed=7)
    other = measure_recall(range(5, 40, 5), trials=5, seed=8)
    for key in first.recall:
        np.testing.assert_array_equal(first.recall[key], again.recall[key])
    assert not np.array_equal(first.recall["expert", "structured"], other.recall["expert", "structured"])


def test_measure_recall_rejects_bad_arguments():
    with pytest.raises(ValueError, match="trials must be at least 1"):
        measure_recall([5], trials=0)
    with pytest.raises(ValueError, match="length must be at least 1, got 0"):
        measure_recall([5, 0], trials=2)


def test_recall_curves_figure_draws_the_four_curves_and_the_memory_size(curves):
    figure = recall_curves_figure(curves)
    assert [trace.name for trace in figure.data] == [
        "expert, structured sequences",
        "expert, random sequences",
        "novice, structured sequences",
        "novice, random sequences",
    ]
    np.testing.assert_array_equal(figure.data[0].y, curves.recall["expert", "structured"])
    np.testing.assert_array_equal(figure.data[0].x, curves.lengths)
    assert [shape.x0 for shape in figure.layout.shapes] == [MEMORY_SLOTS]


def test_memory_contents_figure_puts_every_position_in_one_trace():
    sequence = [1, 2, 3, 4, 10, 20, 40, 7, 7, 7, 99, 5, 6, 8, 33, 34, 35, 12, 13]
    figure = memory_contents_figure(expert_memory(), sequence)
    by_name = {trace.name: [x for x in trace.x if x is not None] for trace in figure.data}
    assert list(by_name) == ["counting", "doubling", "repeating", "raw number", "forgotten"]
    assert by_name["counting"] == [0, 1, 2, 3]
    assert by_name["raw number"] == [10, 11, 12, 13]
    assert by_name["forgotten"] == [14, 15, 16, 17, 18]
    assert figure.layout.title.text == "7 of 7 slots used: 14 of 19 numbers kept"


def test_memory_contents_figure_of_a_novice_has_raw_numbers_only():
    figure = memory_contents_figure(novice_memory(), SLIDES_HAILSTONE_RUN)
    raw, forgotten = figure.data
    assert [y for y in raw.y if y is not None] == list(SLIDES_HAILSTONE_RUN[:7])
    assert list(forgotten.y) == list(SLIDES_HAILSTONE_RUN[7:])
