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
        help_text="Nothing ticked shows every status but Deleted.",
    )

    class Meta:
        model = Workload
        fields = ["name", "type", "status"]

    def __init__(self, data=None, *args, **kwargs):
        # Always bound, and a request without `status` means the default statuses: the form
        # then shows them as ticked boxes and the query applies them, from the same data.
        self.requested = data if data is not None else QueryDict()
        if not self.requested.getlist("status"):
            data = self.requested.copy()
            data.setlist("status", DEFAULT_STATUSES)
        super().__init__(data if data is not None else QueryDict(), *args, **kwargs)

    def filtered_except(self, *names):
        """The queryset with every filter applied but `names` (for counts per choice of those)."""
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name not in names:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def chosen(self, name) -> tuple[str, ...]:
        """The values a choice filter lets through: what is ticked, or every choice when none is."""
        return tuple(self.form.cleaned_data.get(name) or (value for value, _ in self.filters[name].field.choices))

    @property
    def is_filtered(self):
        """True when the request asks for anything but the default view."""
        return any(self.requested.get(name) for name in self.filters)
