"""On a phone (390 px) the header folds into a menu, the Workloads table scrolls inside its own
region with the names kept in view, and menus and dialogs stay on the screen (issue 12)."""

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible, assert_fits_viewport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workloads(live_server, member, quota, make_workload):
    return [make_workload(name=f"llama-3-70b-instruct-finetune-{i}", status_reason="2 of 2 replicas ready")
            for i in range(3)]


def inside_viewport(page, locator):
    box = locator.bounding_box()
    size = page.viewport_size
    return box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"] and \
        box["y"] + box["height"] <= size["height"]


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_header_folds_into_a_menu_that_escape_closes(login, page, live_server, workloads, screenshot):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    toggle = page.get_by_role("button", name="Menu")
    header = page.locator("header")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(header.get_by_role("link", name="Quotas")).to_be_hidden()
    expect(header.get_by_role("button", name="Sign out")).to_be_hidden()

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for name in ("Workloads", "Launch", "Quotas", "Members"):
        link = header.get_by_role("link", name=name, exact=True)
        expect(link).to_be_visible()
        assert inside_viewport(page, link)
        assert link.bounding_box()["height"] >= 24  # a tap target
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)
    assert_fits_viewport(page)
    screenshot("header-menu-open")

    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    expect(header.get_by_role("link", name="Quotas")).to_be_hidden()

    toggle.click()
    page.mouse.click(200, 800)  # a tap elsewhere (below the open menu) closes it too
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    header.get_by_role("link", name="Quotas").click()
    page.wait_for_url(f"{live_server.url}/p/vision/quotas/")


def test_desktop_header_shows_its_links_without_a_menu(login, page, live_server, workloads):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.locator("header").get_by_role("link", name="Members")).to_be_visible()
    expect(page.locator("header").get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_table_scrolls_in_its_region_with_names_in_view(login, page, live_server, workloads):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/")
    region = page.get_by_role("region", name="Workloads table")
    sizes = region.evaluate("el => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert sizes["scroll"] > sizes["client"]  # the table is wider than the phone: it scrolls here
    assert_fits_viewport(page)  # ...and not the page

    region.focus()  # keyboard users scroll it with the arrow keys, to its right end
    at_end = "el => el.scrollLeft + el.clientWidth >= el.scrollWidth - 1"
    for _ in range(200):
        if region.evaluate(at_end):
            break
        page.keyboard.press("ArrowRight")
    assert region.evaluate(at_end)
    assert region.evaluate("el => el.scrollLeft") > 0
    name = page.locator("table#workloads td.name").first
    region_left = region.bounding_box()["x"]
    assert abs(name.bounding_box()["x"] - region_left) < 1  # the name stuck to the left edge
    # ...and it covers what scrolls under it (its own background, the text stays readable).
    under_name = name.evaluate(
        "cell => { const box = cell.getBoundingClientRect();"
        " return document.elementFromPoint(box.left + 5, box.top + box.height / 2).closest('td.name') === cell; }"
    )
    assert under_name

    actions = page.get_by_label(f"Actions for {workloads[0].name}", exact=True).first
    expect(actions).to_be_visible()
    assert inside_viewport(page, actions)


@pytest.mark.parametrize("viewport", ["phone", "desktop"], indirect=True)
def test_menu_of_a_last_row_and_the_dialog_stay_on_screen(login, page, live_server, workloads):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/?name={workloads[0].name}")
    expect(page.locator("table#workloads tbody tr")).to_have_count(1)
    page.get_by_label(f"Actions for {workloads[0].name}", exact=True).first.click()
    delete = page.get_by_role("menuitem", name="Delete…")
    expect(delete).to_be_visible()
    # The only row's menu reaches below the table: it is not clipped by the scrolling region.
    for item in page.get_by_role("menu").get_by_role("menuitem").all():
        hit = item.evaluate(
            "el => { const b = el.getBoundingClientRect();"
            " return el.contains(document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2)); }"
        )
        assert hit, item.text_content()
    delete.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert inside_viewport(page, dialog)
    assert inside_viewport(page, dialog.get_by_role("button", name="Delete workload"))


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_nothing_is_wider_than_a_360_px_screen(login, page, live_server, workloads, project_admin, screenshot):
    page.set_viewport_size({"width": 360, "height": 740})
    login("lead")
    workload = workloads[0]
    for path in ("workloads/", f"workloads/{workload.pk}/", f"workloads/{workload.pk}/logs/", "workloads/launch/",
                 "quotas/", "members/", f"workloads/bulk-delete/?id={workload.pk}"):
        page.goto(f"{live_server.url}/p/vision/{path}")
        page.wait_for_load_state("networkidle")
        assert_fits_viewport(page)
    page.get_by_role("button", name="Menu").click()
    screenshot("bulk-delete-360-menu-open")
