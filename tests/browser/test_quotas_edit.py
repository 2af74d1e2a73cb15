"""A project admin raises a quota beyond the cluster's capacity (refused with numbers), then within it."""

import pytest

from projects.models import Quota

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_edits_a_quota_and_sees_the_history(login, page, live_server, project_admin, other_project, quota, screenshot):
    Quota.objects.create(project=other_project, cluster=quota.cluster, gpu=6)
    login("lead")
    page.goto(f"{live_server.url}/p/vision/quotas/")
    page.get_by_label("GPU quota on east").fill("12")
    page.get_by_role("button", name="Save quota on east").click()
    page.wait_for_load_state("networkidle")
    assert "GPU: 12 requested, 10 available on cluster east" in page.get_by_role("alert").inner_text()
    screenshot("quotas-over-capacity")

    page.get_by_label("GPU quota on east").fill("10")
    page.get_by_role("button", name="Save quota on east").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Quota on east saved.").is_visible()
    assert page.get_by_role("cell", name="GPU 8 → 10").is_visible()
    quota.refresh_from_db()
    assert quota.gpu == 10
