"""Template helpers of the Workloads pages (formatting lives in workloads.web.display)."""

from django import template

from workloads.web import cells, display, links
from workloads.web.fast_html import html, joined

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


@register.simple_tag
def choice_count_span(counts, filter_name, value, oob=False):
    """The count beside a filter choice (its id lets a table swap replace it out of band): a tag,
    not an included template, as the filter form shows one per choice (an include each cost
    ~0.1 ms, a fifth of the form)."""
    count = ""
    if counts:
        count = html('{}<span class="visually-hidden"> workloads</span>', choice_count(counts, filter_name, value))
    return html('<span class="count muted small" id="{}-count-{}"{}>{}</span>',
                filter_name, value, html(' hx-swap-oob="true"') if oob else "", count)


@register.simple_tag
def choice_options(bound_field, counts):
    """A multiple-choice filter's checkboxes, each labelled (a status as its badge) and described
    by its count: built here, as a template loop over 18 choices cost ~0.5 ms a page."""
    name, options = bound_field.name, []
    for option in bound_field:
        value, label = option.data["value"], option.choice_label
        shown = html('<span class="badge {}">{}</span>', value, label) if name == "status" else label
        options.append(html(
            '\n          <div class="option">\n            <label for="{}"><input type="checkbox" name="{}" value="{}" '
            'id="{}"{} aria-describedby="{}-count-{}">{}</label>\n            {}\n          </div>',
            option.id_for_label, bound_field.html_name, value, option.id_for_label,
            html(" checked") if option.data["selected"] else "", name, value, shown,
            choice_count_span(counts, name, value)))
    return joined(options)
