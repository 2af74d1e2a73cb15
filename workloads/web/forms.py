"""The launch form: what a person asks for, in human units, checked before admission."""

import shlex
from decimal import Decimal

from django import forms

from projects.forms import MAX_GPU
from projects.models import Cluster, Quota, dns_label_validator
from projects.units import GIB, CoresField, GibField
from workloads.lifecycle.launch_request import Launch
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus
from workloads.types import LAUNCHABLE, ModelField, launchable

LAUNCHABLE_TYPES = [(kind.type.value, kind.label) for kind in LAUNCHABLE.values()]
FLAVOUR_CHOICES = list(dict.fromkeys((f.value, f.label) for kind in LAUNCHABLE.values() for f in kind.flavours))
# field name -> the types that show it; fields not named here are shown for every type.
SHOWN_FOR = {
    name: [kind.type.value for kind in LAUNCHABLE.values() if name in kind.form_fields]
    for name in dict.fromkeys(name for kind in LAUNCHABLE.values() for name in kind.form_fields)
}


def _listed(words: list[str], conjunction: str = "and") -> str:
    """["A", "B", "C"] -> "A, B and C"."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _labels_where(test) -> str:
    """The labels of the types that pass `test`, as "A, B and C"."""
    return _listed([kind.label for kind in LAUNCHABLE.values() if test(kind)])


# Help texts name the types, for people without script (who see every field).
MODEL_HELP = (
    f"Which model: required for {_labels_where(lambda kind: kind.model == ModelField.REQUIRED)}, "
    f"optional for {_labels_where(lambda kind: kind.model == ModelField.OPTIONAL)}."
)
PORT_HELP = "The port the server listens on; empty for the default ({}).".format(
    ", ".join(f"{kind.label} {kind.port}" for kind in LAUNCHABLE.values() if kind.port)
)


class LaunchForm(forms.Form):
    type = forms.ChoiceField(choices=LAUNCHABLE_TYPES, initial=WorkloadType.TRAINING)
    name = forms.CharField(
        max_length=63,
        validators=[dns_label_validator],
        help_text="Lowercase letters, digits and hyphens; unique among the project's workloads.",
    )
    cluster = forms.ModelChoiceField(queryset=Cluster.objects.none(), to_field_name="name", empty_label=None)
    image = forms.CharField(max_length=500, help_text="Container image, e.g. ghcr.io/acme/train:1.4")
    command = forms.CharField(
        max_length=2000, required=False, help_text="Optional; split like a shell would (quotes group words)."
    )
    gpu = forms.IntegerField(label="GPU", min_value=0, max_value=MAX_GPU, initial=0)
    cpu = CoresField(label="CPU (cores)", min_value=Decimal("0.001"), initial=1000)
    memory = GibField(label="Memory (GiB)", min_value=Decimal("0.001"), initial=2 * GIB)
    # Shown only for the types whose record lists them (`workloads.types.LaunchableType.form_fields`).
    model = forms.CharField(max_length=300, required=False, help_text=MODEL_HELP)
    port = forms.IntegerField(min_value=1, max_value=65535, required=False, help_text=PORT_HELP)
    workspace_flavour = forms.ChoiceField(
        label="Workspace flavour", choices=FLAVOUR_CHOICES, initial=FLAVOUR_CHOICES[0][0], required=False
    )
    workers = forms.IntegerField(
        min_value=1, max_value=256, initial=1, required=False,
        help_text=f"{_labels_where(lambda kind: kind.has_workers)}: number of worker pods; "
        "GPU, CPU and memory are per worker.",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["cluster"].queryset = Cluster.objects.filter(
            pk__in=Quota.objects.filter(project=project).values("cluster_id")
        ).order_by("name")

    def clean_name(self):
        name = self.cleaned_data["name"]
        taken = (
            Workload.objects.filter(project=self.project, name=name).exclude(status=WorkloadStatus.DELETED).exists()
        )
        if taken:
            raise forms.ValidationError(f"A workload named {name} already exists in this project.")
        return name

    def clean_command(self):
        try:
            return shlex.split(self.cleaned_data["command"])
        except ValueError as error:
            raise forms.ValidationError(f"Cannot split the command: {error}.") from error

    def field_rows(self):
        """(bound field, the types it is shown for as "a b", or "" for every type), in form order."""
        return [(field, " ".join(SHOWN_FOR.get(field.name, []))) for field in self]

    def clean(self):
        data = super().clean()
        if "type" not in data:
            return data
        kind = launchable(data["type"])
        if kind.model == ModelField.REQUIRED and not data.get("model"):
            self.add_error("model", f"{kind.label} needs a model.")
        if kind.flavours and data.get("workspace_flavour") not in {f.value for f in kind.flavours}:
            self.add_error("workspace_flavour", f"Choose {_listed([f.label for f in kind.flavours], 'or')}.")
        return data

    @classmethod
    def default_launch(cls) -> Launch:
        """What the form asks for before anyone types (its initial values, unnamed)."""
        fields = cls.base_fields
        return Launch(
            name="",
            type=fields["type"].initial,
            gpu=fields["gpu"].initial,
            cpu_millicores=fields["cpu"].initial,
            memory_bytes=fields["memory"].initial,
            spec={"image": "", "command": []},
        )

    def launch(self) -> Launch:
        data = self.cleaned_data
        kind = launchable(data["type"])
        spec = {"image": data["image"], "command": data["command"]}
        # Only what this type uses, and only what was filled in: the spec builder applies
        # the defaults (port, one worker), the same ones for every caller.
        for name in kind.form_fields:
            if data.get(name) not in (None, ""):
                spec[name] = data[name]
        return Launch(
            name=data["name"],
            type=kind.type,
            gpu=data["gpu"],
            cpu_millicores=data["cpu"],
            memory_bytes=data["memory"],
            spec=spec,
        )


class LaunchCheckForm(LaunchForm):
    """The launch form as checked while the person types (the dry run): the same fields and
    rules, but name and image may still be empty; a name given is checked as on launch."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        self.fields["image"].required = False

    def clean_name(self):
        return super().clean_name() if self.cleaned_data.get("name") else ""
