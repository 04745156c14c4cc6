"""Browser tests: PyPI playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from tests.conftest import service_unavailable

    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        service_unavailable("needs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, local_governments):
    from django.db import connection

    from tests.conftest import service_unavailable

    if connection.vendor != "postgresql":
        # The live server answers from several threads; SQLite's in-memory test database
        # cannot be shared between them reliably (locks, crashes), so the browser tests
        # run on PostgreSQL (CI sets DATABASE_URL and REQUIRE_SERVICES=1).
        service_unavailable("browser tests need PostgreSQL: set DATABASE_URL=postgres://…")
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.console_errors = []
    page.failed_requests = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    page.on("requestfailed", lambda req: page.failed_requests.append(req.url))
    page.base_url = live_server.url
    yield page
    context.close()
