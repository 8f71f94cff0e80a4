"""Browser tests: Debian's chromium (never a downloaded browser) driven by
Playwright, on a 360×740 phone screen in French. Screenshots go to
var/screenshots/ (git-ignored with var/) for a person to look at.

Needs /usr/bin/chromium: without it these tests are skipped, or fail under
REQUIRE_SERVICES=1 (CI installs it, see .ci/run)."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"

# Playwright's sync API runs an asyncio event loop in the test's thread, so
# Django would refuse the test's own (synchronous) database calls with "You
# cannot call this from an async context". Django documents this variable for
# exactly this case.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def page():
    """A fresh headless chromium page on a 360×740 touch screen, in French."""
    yield from _browser_page(PHONE)


@pytest.fixture
def desktop():
    """A fresh headless chromium page on a 1366×900 desktop screen, in French."""
    yield from _browser_page(DESKTOP)


def _browser_page(screen: dict):
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: browser tests need Debian's chromium (apt-get install chromium)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and REQUIRE_SERVICES=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            context = browser.new_context(**screen, locale="fr-FR")
            try:
                yield context.new_page()
            finally:
                context.close()
        finally:
            browser.close()
    finally:
        playwright.stop()


def screenshot(page, name: str) -> Path:
    """Save the whole page as var/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, live_server, user) -> None:
    """The session of a user, put in the browser (the login itself is tested once, by code)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
