"""A real browser: Debian's chromium driven by Playwright against pytest-django's live server."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run bin/ensure-chromium (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, live_server):
    def sign_in(username, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        return page

    return sign_in


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/screenshots/ for a person to look at."""

    def take(name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def choose(page, field, labels):
    """Tick exactly `labels` in the Workloads page's `field` filter dropdown, as a person would."""
    dropdown = page.locator(f"details.choice-filter:has(#id_{field})")
    dropdown.locator("summary").click()
    for box in dropdown.locator("input[type=checkbox]").all():
        label = box.evaluate("box => box.parentElement.textContent.trim()")
        box.set_checked(label in labels)
    dropdown.locator("summary").click()
