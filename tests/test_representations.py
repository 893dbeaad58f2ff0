"""Tests of rule-based representations and their bit counts (autoaegan.experiments.representations)."""

import subprocess
import sys

import numpy as np
import pytest

from autoaegan.data.hailstone import SLIDES_HAILSTONE_RUN, SLIDES_RANDOM_SEQUENCE, hailstone_until_one
from autoaegan.experiments.representations import (
    COUNTING,
    DOUBLING,
    HAILSTONE,
    REPEATING,
    RULES,
    bit_width,
    compare_representations,
    decode_hailstone_run,
    encode_hailstone_run,
    encode_run,
    encoded_bits,
    find_rule,
    raw_bits,
    representation_table,
    rule_id_bits,
)


def test_seed_run_encodes_to_its_first_number_and_count():
    assert encode_hailstone_run(SLIDES_HAILSTONE_RUN) == (50, 18)
    assert decode_hailstone_run(50, 18) == list(SLIDES_HAILSTONE_RUN)


def test_codec_round_trips_over_many_starts_and_counts():
    for first in range(1, 301):
        for count in (1, 2, 5, 17, 40):
            run = decode_hailstone_run(first, count)
            assert len(run) == count
            assert encode_hailstone_run(run) == (first, count)


def test_encode_accepts_numpy_arrays_and_returns_python_ints():
    code = encode_hailstone_run(np.array(hailstone_until_one(27)))
    assert code == (27, 112)
    assert all(type(value) is int for value in code)


def test_random_seed_sequence_breaks_the_rule_at_index_1():
    with pytest.raises(ValueError, match=r"at index 1: after 40 the rule gives 20, but the run has 27"):
        encode_hailstone_run(SLIDES_RANDOM_SEQUENCE)


@pytest.mark.parametrize("index", [1, 5, 17])
def test_encode_names_the_first_index_that_breaks_the_rule(index):
    run = list(SLIDES_HAILSTONE_RUN)
    run[index] += 1
    run[-1] += 1  # a second break, later: the message must name the first
    with pytest.raises(ValueError, match=rf"at index {index}:"):
        encode_hailstone_run(run)


@pytest.mark.parametrize(
    ("run", "error", "message"),
    [
        ([], ValueError, "run is empty"),
        ([50, 25.0, 76], ValueError, "index 1 is 25.0 of type float"),
        ([50, True], ValueError, "index 1 is True of type bool"),
        ([50, "25"], ValueError, "index 1 is '25' of type str"),
        ([0], ValueError, "at least 1, but index 0 is 0"),
        ([4, 2, 1, -2], ValueError, "at least 1, but index 3 is -2"),
        (50, TypeError, "run must be a sequence of whole numbers, got int"),
        ("50 25", TypeError, "got str"),
    ],
)
def test_encode_rejects_bad_runs_clearly(run, error, message):
    with pytest.raises(error, match=message):
        encode_hailstone_run(run)


@pytest.mark.parametrize(("first", "count"), [(0, 3), (50, 0), (50.0, 3), (True, 2)])
def test_decode_rejects_bad_arguments(first, count):
    with pytest.raises((TypeError, ValueError), match="first|start|count"):
        decode_hailstone_run(first, count)


def test_the_other_rules_generate_what_their_names_say():
    assert COUNTING.run(7, 4) == [7, 8, 9, 10]
    assert DOUBLING.run(3, 5) == [3, 6, 12, 24, 48]
    assert REPEATING.run(9, 3) == [9, 9, 9]
    assert HAILSTONE.run(50, 18) == list(SLIDES_HAILSTONE_RUN)
    assert encode_run([3, 6, 12, 24], DOUBLING) == (3, 4)
    with pytest.raises(ValueError, match="breaks the doubling rule .* at index 2: after 6 the rule gives 12"):
        encode_run([3, 6, 13], DOUBLING)


def test_find_rule_names_the_generating_rule_or_none():
    assert find_rule(SLIDES_HAILSTONE_RUN) is HAILSTONE
    assert find_rule([7, 8, 9]) is COUNTING
    assert find_rule([5, 10, 20]) is DOUBLING
    assert find_rule([4, 4, 4]) is REPEATING
    assert find_rule(SLIDES_RANDOM_SEQUENCE) is None
    assert find_rule([7, 8, 9], rules=(HAILSTONE,)) is None


def test_bit_width_of_small_numbers():
    assert [bit_width(n) for n in (0, 1, 2, 3, 4, 7, 8, 88, 127, 128)] == [1, 1, 2, 2, 3, 3, 4, 7, 7, 8]


def test_raw_bits_of_the_seed_sequences_counted_by_hand():
    # Random: largest 81 = 0b1010001, 7 bits; 10 numbers -> 70 bits.
    assert raw_bits(SLIDES_RANDOM_SEQUENCE) == 10 * 7
    # Hailstone: largest 88 = 0b1011000, 7 bits; 18 numbers -> 126 bits.
    assert raw_bits(SLIDES_HAILSTONE_RUN) == 18 * 7


def test_encoded_bits_of_the_seed_run_counted_by_hand():
    # 4 rules -> 2 bits of rule identifier; (50, 18): 50 = 0b110010 needs 6 bits, so 2 x 6 bits.
    assert rule_id_bits() == 2
    assert encoded_bits(SLIDES_HAILSTONE_RUN) == 2 + 2 * 6


def test_encoded_bits_of_a_small_run_counted_by_hand():
    run = [5, 16, 8, 4, 2, 1]
    assert raw_bits(run) == 6 * 5  # 16 = 0b10000
    assert encoded_bits(run) == 2 + 2 * 3  # (5, 6): 6 = 0b110
    assert encoded_bits(run, rules=(HAILSTONE,)) == 0 + 2 * 3  # a one-rule catalogue needs no identifier


def test_rule_id_bits_grow_with_the_catalogue():
    assert [rule_id_bits(RULES[:n]) for n in (1, 2, 3, 4)] == [0, 1, 2, 2]
    assert rule_id_bits(RULES + (HAILSTONE,)) == 3
    with pytest.raises(ValueError, match="catalogue is empty"):
        rule_id_bits(())


def test_encoded_bits_refuses_a_run_no_rule_generates():
    with pytest.raises(ValueError, match=r"no rule of the catalogue \(hailstone, counting, doubling, repeating\)"):
        encoded_bits(SLIDES_RANDOM_SEQUENCE)


def test_comparison_of_the_seed_sequences():
    random_row, hailstone_row = compare_representations(
        {"random": SLIDES_RANDOM_SEQUENCE, "hailstone": SLIDES_HAILSTONE_RUN}
    )
    assert (random_row.length, random_row.width, random_row.raw_bits) == (10, 7, 70)
    assert (random_row.rule, random_row.code, random_row.encoded_bits) == (None, None, None)
    assert (hailstone_row.length, hailstone_row.width, hailstone_row.raw_bits) == (18, 7, 126)
    assert (hailstone_row.rule, hailstone_row.code, hailstone_row.encoded_bits) == ("hailstone", (50, 18), 14)


def test_representation_table_shows_both_rows():
    rows = compare_representations({"random": SLIDES_RANDOM_SEQUENCE, "hailstone": SLIDES_HAILSTONE_RUN})
    lines = representation_table(rows).splitlines()
    assert len(lines) == 4
    assert lines[2].startswith("| random | 10 | 7 | 70 bits | no known rule fits |")
    assert lines[3] == "| hailstone | 18 | 7 | 126 bits | hailstone | (50, 18) | 14 bits | 9.0× fewer bits |"


def test_the_chapter_modules_do_not_import_tensorflow():
    # Chapter 01 trains no network: its imports and setup must stay light.
    script = (
        "import sys\n"
        "from autoaegan.course.chapter_setup import setup_chapter\n"
        "import autoaegan.experiments.chunk_memory, autoaegan.figures.hailstone, autoaegan.figures.memory\n"
        "setup_chapter(tensorflow=False)\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow was imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=60)
