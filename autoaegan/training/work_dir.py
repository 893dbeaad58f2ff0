"""Where long trainings keep their checkpoints: a folder of the user's cache, never the package or the repository.

`$AUTOAEGAN_WORK` when it is set; otherwise `autoaegan` in the user's cache folder (`$XDG_CACHE_HOME`, by default
`~/.cache`; on Windows `%LOCALAPPDATA%`). A checkpoint is hours of training: it must survive reinstalling the
package and must not land in a git checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

WORK_VARIABLE = "AUTOAEGAN_WORK"


def _cache_home() -> Path:
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


def work_dir(*parts: str) -> Path:
    """The work folder (`$AUTOAEGAN_WORK`, else `~/.cache/autoaegan`), or the folder `parts` below it; not created."""
    base = os.environ.get(WORK_VARIABLE, "").strip()
    root = Path(base).expanduser() if base else _cache_home() / "autoaegan"
    return root.joinpath(*parts)
