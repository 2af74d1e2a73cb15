"""The rows are built by fast_html, not format_html: cluster text stays text, markup as before."""

import pytest
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from workloads.web.fast_html import html

HOSTILE = "<script>alert('x')</script> & \"quoted\""


@pytest.mark.parametrize("value", [HOSTILE, 42, None, "plain", mark_safe("<b>safe</b>"), "é ⚠"])
def test_html_escapes_as_format_html_does(value):
    template = '<span title="{}">{}</span>'
    assert html(template, value, value) == format_html(template, value, value)
    assert hasattr(html(template, value, value), "__html__")  # safe: not escaped twice


def test_cluster_text_in_a_row_is_escaped(member_client, list_url, make_workload):
    make_workload(status="failed", why=HOSTILE, created_by_name=HOSTILE)
    make_workload(name="other", status="pending", status_reason=HOSTILE)
    page = member_client.get(list_url).content.decode()
    assert "<script>alert" not in page
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quoted&quot;"
    assert f'<span class="status-reason why-line" title="{escaped}">{escaped}</span>' in page
    assert f'<span class="status-reason">{escaped}</span>' in page
    assert f'<span class="by muted small">by {escaped}</span>' in page
