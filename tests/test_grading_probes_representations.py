"""The probe of assignment 01-02's checks (autoaegan/grading/probes/representations.py): many calls in one request."""

from __future__ import annotations

import pytest

from autoaegan.experiments.representations import decode_hailstone_run, encode_hailstone_run
from autoaegan.grading.probes.representations import results_of_calls


def test_each_call_gives_its_own_result_in_order():
    runs = [[7], (1, 4, 2, 1), [50, 25, 76]]
    assert results_of_calls(encode_hailstone_run, [[run] for run in runs]) == [(7, 1), (1, 4), (50, 3)]
    assert results_of_calls(decode_hailstone_run, [(1, 3), [7, 1]]) == [[1, 4, 2], [7]]
    assert results_of_calls(encode_hailstone_run, []) == []


def test_the_arguments_arrive_as_they_were_sent():
    seen = []
    results_of_calls(lambda *arguments: seen.append(arguments), [[(1, 2)], [[3], 4]])
    assert seen == [((1, 2),), ([3], 4)]
    assert type(seen[0][0]) is tuple and type(seen[1][0]) is list


def test_the_first_error_stops_the_calls_and_reaches_the_caller():
    seen = []

    def encoder(run):
        seen.append(run)
        return encode_hailstone_run(run)

    with pytest.raises(ValueError):
        results_of_calls(encoder, [[[7]], [[50, 25, 75]], [[1]]])
    assert seen == [[7], [50, 25, 75]]


def test_calls_that_are_not_argument_lists_are_refused():
    with pytest.raises(TypeError, match="a list of argument lists"):
        results_of_calls(encode_hailstone_run, [[7], 8])
    with pytest.raises(TypeError, match="a list of argument lists"):
        results_of_calls(encode_hailstone_run, "runs")
