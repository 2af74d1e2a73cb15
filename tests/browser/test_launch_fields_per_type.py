"""The launch form shows, for the chosen type, exactly the fields its registry record lists
(static/js/launch.js reads data-shown-for; no map of its own)."""

import pytest

from workloads.types import LAUNCHABLE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EVERY_TYPE_SHOWS = ["type", "name", "cluster", "image", "command", "gpu", "cpu", "memory"]


def visible_fields(page):
    return page.eval_on_selector_all(
        ".launch [data-field]", "rows => rows.filter(row => !row.hidden).map(row => row.dataset.field)"
    )


def test_each_type_shows_the_fields_of_its_record(login, page, live_server, member, quota):
    login("member")
    page.goto(f"{live_server.url}/p/vision/workloads/launch/")
    for kind in LAUNCHABLE.values():
        page.get_by_label("Type").select_option(label=kind.label)
        assert visible_fields(page) == EVERY_TYPE_SHOWS + list(kind.form_fields), kind.label
