"""Probes for the tests of assignment 01-02, run in the student's kernel: many calls of the hailstone codec at once.

The checks run in the checker and call the student's functions by handle, one request
per call. The hidden tests call the codec thousands of times; a request costs a few
milliseconds, so those calls go in one request here. The probe only calls: the checks
compare what it returns with their own answers. Part 2's checks (principal angles,
PCA's axes from a decoder) make one request per case and need no probe; Part 3, the
training part, is scored by `autoaegan.grading.training` with the shared probes of
`autoaegan.grading.probes.training`.
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
