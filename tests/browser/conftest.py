"""Fixtures of the browser tests: Debian's Chromium driven by Playwright, pages that can only
reach 127.0.0.1, and a Voilà server per test module.

A missing browser fails these tests (it does not skip them): CI installs chromium with apt.
"""

from __future__ import annotations

import psutil
import pytest
from playwright.sync_api import sync_playwright

from .servers import CHROMIUM_ARGS, chromium_path


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this thread while
    # it is open, which would leak into the other tests that a pytest worker runs later.
    executable = chromium_path()
    if executable is None:
        pytest.fail("chromium is not installed (apt-get install chromium); the browser tests "
                    "need Debian's Chromium and cannot download a browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_ARGS, timeout=30_000)
        pid = _browser_pids()
        yield browser
        browser.close()
    leftovers = [p for p in pid if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not leftovers, f"chromium processes left behind: {leftovers}"


def _browser_pids() -> set[int]:
    """PIDs of the Chromium processes started by this test process (Playwright's driver's)."""
    me = psutil.Process()
    return {p.pid for p in me.children(recursive=True) if "chrom" in p.name().lower()}


@pytest.fixture
def page(browser):
    """A fresh page (new context: no cookies, no cache) that only talks to 127.0.0.1.

    ``page.errors`` collects uncaught JavaScript errors for the test to check.
    """
    context = browser.new_context(viewport={"width": 1100, "height": 1000})

    def only_local(route):
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:")):
            route.continue_()
        else:
            route.abort()  # Voilà's template links CDN fonts and scripts: not needed offline

    context.route("**/*", only_local)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()
