"""Forms of the project pages: a quota on one cluster, adding a member, changing a role."""

from django import forms
from django.contrib.auth import get_user_model

from projects.models import Membership, Role
from projects.units import CoresField, GibField

MAX_GPU = 2**31 - 1  # PositiveIntegerField on PostgreSQL


class QuotaForm(forms.Form):
    """One cluster's quota in human units; cleans to stored units (millicores, bytes)."""

    gpu = forms.IntegerField(label="GPU", min_value=0, max_value=MAX_GPU)
    cpu = CoresField(label="CPU (cores)")
    memory = GibField(label="Memory (GiB)")

    def __init__(self, *args, cluster, **kwargs):
        kwargs.setdefault("prefix", f"c{cluster.pk}")
        super().__init__(*args, **kwargs)
        self.cluster = cluster
        for name, field in self.fields.items():
            field.widget.attrs.update(
                {"form": f"quota-{cluster.pk}", "aria-label": f"{field.label} quota on {cluster.name}"}
            )
            if name == "gpu":
                field.widget.attrs["step"] = "1"

    def messages(self) -> list[str]:
        """Every error as one line that names the resource ("GPU: 12 requested, ...")."""
        lines = list(self.non_field_errors())
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            label = self.fields[name].label
            lines.extend(e if e.startswith(label.split(" ")[0] + ":") else f"{label}: {e}" for e in errors)
        return lines

    @classmethod
    def for_quota(cls, cluster, quota, data=None):
        initial = {
            "gpu": quota.gpu if quota else 0,
            "cpu": quota.cpu_millicores if quota else 0,
            "memory": quota.memory_bytes if quota else 0,
        }
        return cls(data, cluster=cluster, initial=initial)


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No user named “{username}”.")
        membership = Membership.objects.filter(project=self.project, user=user).select_related("user", "project").first()
        if membership is not None:
            raise forms.ValidationError(already_a_member(membership))
        self.user = user
        return username


def already_a_member(membership) -> str:
    """What adding an existing member tells: nothing was stored, and the role they keep."""
    return (
        f"{membership.user.get_username()} is already a member of {membership.project}. "
        f"Nothing changed: their role is {membership.get_role_display()}."
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
