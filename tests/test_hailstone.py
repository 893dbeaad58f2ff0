"""Tests of the hailstone sequences (autoaegan.data.hailstone) and their figures."""

import numpy as np
import pytest

from autoaegan.data.hailstone import (
    SLIDES_HAILSTONE_RUN,
    SLIDES_RANDOM_SEQUENCE,
    hailstone_run,
    hailstone_step,
    hailstone_until_one,
)
from autoaegan.experiments.representations import compare_representations
from autoaegan.figures.hailstone import hailstone_runs_figure, representation_bits_figure, run_lengths_figure


def test_the_slides_sequences_are_the_slides_numbers():
    assert SLIDES_RANDOM_SEQUENCE == (40, 27, 25, 36, 81, 57, 10, 73, 19, 68)
    assert len(SLIDES_HAILSTONE_RUN) == 18
    # The slides' rules, written out here independently of the package.
    for before, after in zip(SLIDES_HAILSTONE_RUN, SLIDES_HAILSTONE_RUN[1:]):
        assert after == (3 * before + 1 if before % 2 == 1 else before // 2)


def test_hailstone_run_reproduces_the_slides_run():
    run = hailstone_run(50, 18)
    assert run == list(SLIDES_HAILSTONE_RUN)
    assert all(type(number) is int for number in run)


def test_hailstone_step_follows_both_rules():
    assert hailstone_step(7) == 22
    assert hailstone_step(22) == 11
    assert hailstone_step(1) == 4


def test_hailstone_until_one_from_50_continues_the_slides_run_down_to_1():
    assert hailstone_until_one(50) == list(SLIDES_HAILSTONE_RUN) + [10, 5, 16, 8, 4, 2, 1]


def test_hailstone_until_one_from_27_is_the_famous_long_run():
    run = hailstone_until_one(27)
    assert len(run) - 1 == 111
    assert max(run) == 9232
    assert hailstone_until_one(1) == [1]


@pytest.mark.parametrize("start", [1, 2, 3, 7, 27, 50, 97, 871])
def test_hailstone_run_is_a_prefix_of_the_run_down_to_one(start):
    full = hailstone_until_one(start)
    for count in range(1, len(full) + 1):
        assert hailstone_run(start, count) == full[:count]
    # Past 1 the run cycles 4, 2, 1.
    assert hailstone_run(start, len(full) + 3) == full + [4, 2, 1]


def test_hailstone_run_accepts_numpy_integers_and_returns_python_ints():
    run = hailstone_run(np.int64(50), np.int32(3))
    assert run == [50, 25, 76]
    assert all(type(number) is int for number in run)


@pytest.mark.parametrize(
    ("start", "count", "error", "message"),
    [
        (True, 3, TypeError, "start must be a whole number.*bool"),
        (50.0, 3, TypeError, "start must be a whole number.*float"),
        ("50", 3, TypeError, "start must be a whole number.*str"),
        (50, 2.5, TypeError, "count must be a whole number.*float"),
        (50, False, TypeError, "count must be a whole number.*bool"),
        (0, 3, ValueError, "start must be at least 1, got 0"),
        (-4, 3, ValueError, "start must be at least 1, got -4"),
        (50, 0, ValueError, "count must be at least 1, got 0"),
        (50, -1, ValueError, "count must be at least 1, got -1"),
    ],
)
def test_hailstone_run_rejects_bad_arguments_clearly(start, count, error, message):
    with pytest.raises(error, match=message):
        hailstone_run(start, count)


@pytest.mark.parametrize("start", [0, -1, 1.5, None])
def test_hailstone_until_one_rejects_bad_starts(start):
    with pytest.raises((TypeError, ValueError), match="start"):
        hailstone_until_one(start)


def test_runs_figure_has_the_highlight_the_slides_numbers_and_one_trace_per_start():
    figure = hailstone_runs_figure(range(1, 11), selected=7)
    highlight, slides_markers, *runs = figure.data
    assert list(highlight.y) == hailstone_until_one(50)
    assert list(slides_markers.y) == list(SLIDES_HAILSTONE_RUN)
    assert [list(trace.y) for trace in runs] == [hailstone_until_one(start) for start in range(1, 11)]
    assert [trace.visible for trace in runs] == [start == 7 for start in range(1, 11)]
    assert "from 7: 16 steps" in figure.layout.title.text


def test_runs_figure_slider_shows_one_run_at_a_time_and_the_highlight_always():
    figure = hailstone_runs_figure(range(1, 11), selected=99)  # not among the starts: the first is shown
    (slider,) = figure.layout.sliders
    assert slider.active == 0
    assert [step.label for step in slider.steps] == [str(start) for start in range(1, 11)]
    for index, step in enumerate(slider.steps):
        visible = step.args[0]["visible"]
        assert visible[:2] == [True, True]
        assert visible[2:] == [other == index for other in range(10)]
        assert f"from {index + 1}:" in step.args[1]["title.text"]


def test_runs_figure_log_option_and_switch():
    assert hailstone_runs_figure(range(1, 5)).layout.yaxis.type == "linear"
    figure = hailstone_runs_figure(range(1, 5), log_y=True)
    assert figure.layout.yaxis.type == "log"
    buttons = figure.layout.updatemenus[0].buttons
    assert [button.args[0]["yaxis.type"] for button in buttons] == ["linear", "log"]


def test_runs_figure_rejects_bad_starts():
    with pytest.raises(ValueError, match="starts is empty"):
        hailstone_runs_figure([])
    with pytest.raises(ValueError, match="start must be at least 1"):
        hailstone_runs_figure([3, 0])


def test_run_lengths_figure_counts_steps_down_to_one():
    figure = run_lengths_figure(range(1, 31), highlight=27)
    starts, highlight = figure.data
    steps = dict(zip(starts.x, starts.y))
    assert steps[1] == 0 and steps[8] == 3 and steps[27] == 111
    assert (highlight.x[0], highlight.y[0]) == (27, 111)


def test_representation_bits_figure_compares_raw_and_rule_bits():
    rows = compare_representations({"random": SLIDES_RANDOM_SEQUENCE, "hailstone": SLIDES_HAILSTONE_RUN})
    raw, by_rule = representation_bits_figure(rows).data
    assert list(raw.y) == [row.raw_bits for row in rows]
    assert list(by_rule.y) == [None, rows[1].encoded_bits]
    annotations = representation_bits_figure(rows).layout.annotations
    assert [(note.x, note.text) for note in annotations] == [("random", "no known rule fits")]
