"""Template helpers of the Workloads pages (formatting lives in workloads.web.display)."""

from django import template

from workloads.web import cells, display, links

register = template.Library()

register.filter("cores", display.cores)
register.filter("binary_bytes", display.binary_bytes)
register.filter("duration", display.duration)
register.filter("ago", display.ago)


@register.filter
def thousands(number):
    """1204 -> "1,204"."""
    return f"{number:,}"


@register.simple_tag
def choices_summary(bound_field, nothing_chosen, default=()):
    """What a multiple-choice filter shows when closed: "Failed, Running", "4 chosen", or
    `nothing_chosen` ("All but Deleted") for no choice or exactly the default one."""
    labels = dict(bound_field.field.choices)
    values = [value for value in bound_field.value() or () if value in labels]
    if not values or (default and set(values) == set(default)):
        return nothing_chosen
    chosen = [labels[value] for value in values]
    return ", ".join(chosen) if len(chosen) <= 2 else f"{len(chosen)} chosen"


@register.simple_tag
def workspace_link(workload):
    return links.workspace_link(workload)


@register.simple_tag
def refreshed(at, status=""):
    """"refreshed 12 s ago" (the status cell's, workloads.web.cells)."""
    return cells.refreshed(at, status)


@register.simple_tag
def choice_count(counts, filter_name, value):
    """How many workloads ticking `value` in `filter_name` would add: "1,204"."""
    return f"{counts.of(filter_name).get(value, 0):,}"
