"""Probes for the tests of assignment 01-02 (the hailstone codec, principal angles), run in the student's kernel.

The checks run in the checker and call the student's functions by handle, one request
per call. The hidden tests call the codec thousands of times; a request costs a few
milliseconds, so those calls go in one request here. The probe only calls: the checks
compare what it returns with their own answers.
"""

from __future__ import annotations


def results_of_calls(function, calls: list) -> list:
    """Return `[function(*arguments) for arguments in calls]`, each result as `function` returned it.

    `calls` is a list of argument lists (or tuples). The first exception `function`
    raises stops the calls and reaches the check, as a single call's would.
    """
    if not isinstance(calls, (list, tuple)) or not all(isinstance(arguments, (list, tuple)) for arguments in calls):
        raise TypeError(f"calls should be a list of argument lists, got {type(calls).__name__}")
    return [function(*arguments) for arguments in calls]
