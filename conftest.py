"""Root pytest setup, shared by the package tests and by nbval's notebook kernels.

nbval starts each notebook's kernel from this process, so the environment set
here is what the notebooks see: the quick `test` profile and no downloads. No
TensorFlow logging variable is set: the chapters must keep TensorFlow's log lines
out of their outputs themselves, and every chapter cell's output is checked for them.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("AUTOAEGAN_PROFILE", "test")
os.environ["AUTOAEGAN_NO_DOWNLOAD"] = "1"

COURSE = Path(__file__).resolve().parent / "course"
# Notebooks that tests read as data (an earlier assignment's solution, for the reuse detector's tests): never run.
collect_ignore_glob = ["tests/fixtures/*"]


def _start_kernels_as_a_learner_would():
    """Start nbval's kernels without pytest's PYTEST_CURRENT_TEST variable.

    ipykernel does not capture the process's file descriptors 1 and 2 when that variable is set, so
    under nbval TensorFlow's C++ lines would vanish instead of reaching the outputs, as they do in
    JupyterLab. Without it, the kernel behaves as a learner's does, and the check below can see them.
    """
    import nbval.kernel

    start_new_kernel = nbval.kernel.start_new_kernel

    def start(*args, **kwargs):
        kwargs.setdefault("env", {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"})
        return start_new_kernel(*args, **kwargs)

    nbval.kernel.start_new_kernel = start


_start_kernels_as_a_learner_would()


def tensorflow_noise_in(outputs) -> list[str]:
    """The lines of TensorFlow log noise in a cell's stderr outputs."""
    from autoaegan.tensorflow_logs import is_tensorflow_noise

    return [
        line
        for output in outputs or ()
        if output.get("output_type") == "stream" and output.get("name") == "stderr"
        for line in output.get("text", "").splitlines()
        if is_tensorflow_noise(line)
    ]


def pytest_runtest_teardown(item, nextitem):
    """With $AUTOAEGAN_EXECUTED_DIR set, keep each chapter nbval ran, with its outputs, for the course website.

    nbval collects every cell's outputs to compare them; here they go back into the notebook, which is
    written to the folder (as course/NAME.ipynb) after its last cell, so `make site-from-executed` builds
    the website without running the chapters again.
    """
    folder = os.environ.get("AUTOAEGAN_EXECUTED_DIR")
    cell = getattr(item, "cell", None)
    path = Path(str(item.fspath)).resolve()
    if not folder or cell is None or COURSE not in path.parents:
        return
    import nbformat

    cell.outputs = [nbformat.from_dict(output) for output in getattr(item, "test_outputs", None) or []]
    if nextitem is None or nextitem.parent is not item.parent:
        target = Path(folder) / path.relative_to(COURSE.parent)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(item.parent.nb, str(target))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a chapter's nbval cell whose output shows a learner TensorFlow's log lines."""
    result = yield
    if COURSE in Path(str(item.fspath)).resolve().parents:
        noise = tensorflow_noise_in(getattr(item, "test_outputs", None))
        if noise:
            pytest.fail(
                f"the cell showed {len(noise)} TensorFlow log line(s) to the learner, e.g. {noise[0]!r}", pytrace=False
            )
    return result
