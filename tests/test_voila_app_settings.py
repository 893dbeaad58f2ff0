"""The latent explorer app's Voilà settings (course/apps/voila.json), which `make app` serves with.

Each visit starts a kernel of about 760 MB; the settings end the kernel of a closed page within 2 minutes and never
the kernel of an open one. tests/test_browser.py watches it happen, with the same settings made shorter.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ROOT / "course" / "apps" / "voila.json"
CLOSED_PAGE_LIMIT_SECONDS = 120


def culling() -> dict:
    return json.loads(SETTINGS.read_text())["MappingKernelManager"]


def test_a_closed_pages_kernel_is_culled_within_two_minutes():
    settings = culling()
    idle, interval = settings["cull_idle_timeout"], settings["cull_interval"]
    assert idle > 0 and interval > 0, f"culling is off: cull_idle_timeout {idle}, cull_interval {interval}"
    # A kernel goes at the first check after it has been idle and unconnected for cull_idle_timeout.
    assert idle + interval <= CLOSED_PAGE_LIMIT_SECONDS, (
        f"a closed page's kernel may live {idle + interval} s (idle {idle} + interval {interval}), "
        f"more than {CLOSED_PAGE_LIMIT_SECONDS} s"
    )


def test_an_open_pages_kernel_is_never_culled():
    assert culling()["cull_connected"] is False
    assert culling().get("cull_busy", False) is False


def test_make_app_serves_with_these_settings():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\napp:", 1)[1].split("\n\n", 1)[0]
    assert "course/apps/latent_explorer.ipynb" in recipe and "--Voila.config_file_paths=course/apps" in recipe


def test_the_readme_states_the_shipped_settings():
    settings = culling()
    idle, interval = settings["cull_idle_timeout"], settings["cull_interval"]
    readme = " ".join((ROOT / "README.md").read_text().split())
    for words in (
        f"within {idle + interval} seconds",
        f"({idle} s idle without a connection, looked for every {interval} s)",
    ):
        assert words in readme, f"README.md should say {words!r}, as course/apps/voila.json sets"
