"""The Workloads page's filters: one FilterSet drives both the query and the form."""

import django_filters
from django import forms
from django.http import QueryDict

from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus

# What the page shows when no status is asked for: everything but Deleted (SPEC).
DEFAULT_STATUSES = tuple(value for value in WorkloadStatus.values if value != WorkloadStatus.DELETED)


class WorkloadFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(
        lookup_expr="icontains",
        label="Name",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "contains…", "autocomplete": "off"}),
    )
    # Exact values: "failed" never matches "delete-failed".
    # Checkbox lists (shown in a dropdown): what is chosen stays visible, unlike a listbox.
    type = django_filters.MultipleChoiceFilter(
        choices=WorkloadType.choices, label="Type", distinct=False, widget=forms.CheckboxSelectMultiple
    )
    status = django_filters.MultipleChoiceFilter(
        choices=WorkloadStatus.choices,
        label="Status",
        distinct=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="All but Deleted when none is chosen.",
    )

    class Meta:
        model = Workload
        fields = ["name", "type", "status"]

    def __init__(self, data=None, *args, **kwargs):
        # Always bound: the page with no query string still applies the default statuses.
        super().__init__(data if data is not None else QueryDict(), *args, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=DEFAULT_STATUSES)
        return queryset

    @property
    def is_filtered(self):
        """True when the request asks for anything but the default view."""
        return any(self.data.get(name) for name in self.filters)
