"""Check your own exercise notebook, as JupyterLab's Validate button does:
`python -m autoaegan.grading.self_check NOTEBOOK`.

For self-learners without the Assignments tab, and for anyone who prefers a terminal.
It runs the notebook from the top in a fresh kernel with nbgrader's Validator and the
course's time limits (a training part's test cell trains your model: it gets
`TRAINING_CELL_TIMEOUT` seconds), then lists every test cell that failed, with its
error. It runs the visible tests and the training parts' checks; the hidden tests are
not in your notebook, so a pass here is necessary, not sufficient, for full marks.
Exit status: 0 when every test passes, 1 otherwise, 2 when the notebook cannot be read.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

from nbgrader.validator import Validator
from traitlets.config import Config

from autoaegan.grading.checker import cell_timeout

CELL_TIMEOUT = 120  # seconds for any other cell, as the classroom's nbgrader settings


def validate(notebook: str | Path) -> dict:
    """nbgrader's `Validator().validate(notebook)` with the course's time limits: {} when every test cell passes."""

    config = Config()
    config.ExecutePreprocessor.timeout = CELL_TIMEOUT
    config.ExecutePreprocessor.timeout_func = cell_timeout(CELL_TIMEOUT)
    return Validator(config=config).validate(str(notebook))


def _last_line(error: str) -> str:
    """The error's last line, as plain text: the Validator renders tracebacks as HTML."""
    text = html.unescape(re.sub(r"<[^>]+>", "", error))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no message)"


def describe(results: dict) -> str:
    """The Validator's results as a few lines for a terminal."""
    if not results:
        return "Every test cell passed. (The hidden tests run only when your work is graded.)"
    lines = []
    for kind, entries in results.items():
        for entry in entries:
            if kind == "failed":
                source = entry.get("source", "").strip().splitlines()
                lines.append(
                    f"FAILED  {source[0] if source else 'a test cell'}\n        {_last_line(entry.get('error', ''))}"
                )
            else:
                lines.append(f"{kind.upper()}  {entry.get('source', '').strip()[:200]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebook", type=Path, help="your exercise notebook, e.g. exercises/06_variational/variational.ipynb"
    )
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        print(f"no such notebook: {args.notebook} (expected the path of an .ipynb file)", file=sys.stderr)
        return 2
    try:
        results = validate(args.notebook)
    except Exception as error:  # not a notebook, or not one nbgrader can read
        print(f"could not check {args.notebook}: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(describe(results))
    return 0 if not results else 1


if __name__ == "__main__":
    sys.exit(main())
