"""Execute one notebook with nbclient and write how long it took: the child process of the benchmark.

Run as `python notebook_runner.py NOTEBOOK EXECUTED_COPY RESULT_JSON CELL_TIMEOUT`.
It imports only nbclient and nbformat, so that it runs as a plain script and the
memory of the benchmark itself stays out of the kernel's. The kernel starts in
the notebook's own folder, as in Jupyter; the executed copy goes where the
caller says (never next to the notebook).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def _first_line(text: str, limit: int = 300) -> str:
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return (lines[0] if lines else "")[:limit]


def execute_notebook(source: Path, executed: Path, *, cell_timeout: int) -> dict:
    """Execute `source`, save the executed copy to `executed`, and return `{"seconds", "error"}`.

    `seconds` runs from the kernel's start to the last cell's end; `error` is None,
    or a one-line description of the cell error, timeout or kernel death.
    """
    notebook = nbformat.read(source, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=cell_timeout,
        kernel_name="python3",
        store_widget_state=False,  # widget state is megabytes per figure and not what is measured
        resources={"metadata": {"path": str(source.parent)}},
    )
    error = None
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as failure:
        error = f"{failure.ename}: {_first_line(failure.evalue)}"
    except CellTimeoutError as failure:
        error = f"cell timeout: {_first_line(failure)}"
    except DeadKernelError as failure:
        error = f"kernel died: {_first_line(failure)}"
    seconds = time.perf_counter() - start
    executed.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, executed)
    return {"seconds": seconds, "error": error}


def main(argv: list[str]) -> int:
    """Command-line entry: execute one notebook and write the result as JSON."""
    if len(argv) != 4:
        print("usage: notebook_runner.py NOTEBOOK EXECUTED_COPY RESULT_JSON CELL_TIMEOUT", file=sys.stderr)
        return 2
    source, executed, result, cell_timeout = Path(argv[0]), Path(argv[1]), Path(argv[2]), int(argv[3])
    outcome = execute_notebook(source, executed, cell_timeout=cell_timeout)
    result.write_text(json.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
