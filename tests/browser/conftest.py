"""Browser tests: Debian's Chromium driven by Playwright.

Playwright's bundled browsers cannot be downloaded here, so the tests launch the system
Chromium (``CHROMIUM_PATH``, default ``/usr/bin/chromium``) and skip when it is missing,
or fail under ``REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os

import pytest

from tests.services import require_executable

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def page(monkeypatch):
    require_executable(CHROMIUM_PATH, "Chromium")
    # Playwright's sync API runs an asyncio loop in this thread, and Django then refuses
    # ORM calls made from it (SynchronousOnlyOperation); scoped to the browser tests only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(locale="en-GB")
            context.set_default_timeout(15_000)
            yield context.new_page()
        finally:
            browser.close()
