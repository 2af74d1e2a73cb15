"""Template helpers of the Workloads pages (formatting lives in workloads.display)."""

from django import template

from workloads import display

register = template.Library()

register.filter("cores", display.cores)
register.filter("binary_bytes", display.binary_bytes)
register.filter("duration", display.duration)
register.filter("ago", display.ago)


@register.simple_tag
def workspace_link(workload):
    return display.workspace_link(workload)


@register.inclusion_tag("workloads/_refreshed.html")
def refreshed(at):
    """"refreshed 12 s ago", marked stale after three refresh intervals."""
    return {"at": at, "ago": display.ago(at), "stale": display.is_stale(at)}
