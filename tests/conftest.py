"""The tests' shared rule for what the machine must provide (tests/system_needs.py): the `needs` marker.

`@pytest.mark.needs("chromium")` on a test (or `pytestmark` on a module) skips it where Chromium is missing, with one
line that says how to get it, and fails it under CI=true. The run ends with one line per missing need.
"""

from __future__ import annotations

import os

import pytest
import system_needs
from system_needs import CHROMIUM

# The website's browser check looks at a built site, which exists only after `make test` (CI builds the site from the
# chapters the test run executed): `make site-check` runs it with $AUTOAEGAN_SITE_DIR set.
collect_ignore = [] if os.environ.get("AUTOAEGAN_SITE_DIR") else ["test_site_browser.py"]

# The tools `make test` installed without root (configurable-http-proxy), for every test and every server it starts.
if system_needs.TOOLS_BIN.is_dir():
    os.environ["PATH"] = f"{system_needs.TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"needs(*names): the test needs these from the system ({', '.join(system_needs.NEEDS)}); skipped with how to "
        "get them where missing, failed under CI=true (tests/system_needs.py)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Before the fixtures: a module's fixture may start a hub or a browser that the missing tool would break.
    for marker in item.iter_markers("needs"):
        for need in marker.args:
            system_needs.require(need)


def pytest_terminal_summary(terminalreporter):
    """One line per missing need that skipped tests, with how many it skipped."""
    skipped = [str(report.longrepr) for report in terminalreporter.stats.get("skipped", [])]
    for need in system_needs.NEEDS:
        reason = system_needs.missing(need)
        count = sum(reason in text for text in skipped) if reason else 0
        if count:
            terminalreporter.write_line(f"{count} test(s) skipped: {reason}", yellow=True)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright, for the browser tests (their `needs` marker skips or fails
    without it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"], headless=True)
        try:
            yield browser
        finally:
            browser.close()
