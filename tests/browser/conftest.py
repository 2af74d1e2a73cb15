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


# The two screens every page is checked on: a laptop and a phone (issue 12).
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
# Apply to a test (or module, as `pytestmark`) to run it once per screen size.
both_sizes = pytest.mark.parametrize("viewport", sorted(VIEWPORTS), indirect=True)


@pytest.fixture
def viewport(request):
    """The screen size a test runs at: "desktop" unless parametrised with `both_sizes`."""
    return getattr(request, "param", "desktop")


@pytest.fixture
def page(browser, viewport):
    phone = viewport == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone, device_scale_factor=1
    )
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
def screenshot(page, viewport):
    """Save a full-page screenshot under test-artifacts/screenshots/ for a person to look at."""

    def take(name):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}-{viewport}.png"
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
