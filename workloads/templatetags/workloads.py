"""Template helpers of the Workloads pages (formatting lives in workloads.web.display)."""

from django import template

from workloads.web import display

register = template.Library()

register.filter("cores", display.cores)
register.filter("binary_bytes", display.binary_bytes)
register.filter("duration", display.duration)
register.filter("ago", display.ago)


@register.simple_tag
def choices_summary(bound_field, nothing_chosen):
    """What a multiple-choice filter shows when closed: "Failed, Running" or "4 chosen"."""
    labels = dict(bound_field.field.choices)
    chosen = [labels[value] for value in bound_field.value() or () if value in labels]
    if not chosen:
        return nothing_chosen
    return ", ".join(chosen) if len(chosen) <= 2 else f"{len(chosen)} chosen"


@register.simple_tag
def workspace_link(workload):
    return display.workspace_link(workload)


@register.inclusion_tag("workloads/_refreshed.html")
def refreshed(at):
    """"refreshed 12 s ago", marked stale after three refresh intervals."""
    return {"at": at, "ago": display.ago(at), "stale": display.is_stale(at)}
