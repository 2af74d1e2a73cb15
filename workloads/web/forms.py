"""The launch form: what a person asks for, in human units, checked before admission."""

import shlex
from decimal import Decimal

from django import forms

from projects.forms import MAX_GPU
from projects.models import Cluster, Quota, dns_label_validator
from projects.units import GIB, CoresField, GibField
from workloads.cluster.manifests import DEFAULT_PORTS, WORKSPACE_FLAVOURS
from workloads.lifecycle.launch_request import Launch
from workloads.models import Workload, WorkloadType
from workloads.status import WorkloadStatus

LAUNCHABLE_TYPES = [(value, label) for value, label in WorkloadType.choices if value != WorkloadType.CUSTOM]
MODEL_TYPES = {WorkloadType.MODEL_DOWNLOAD, WorkloadType.INFERENCE, WorkloadType.FINE_TUNING}
FLAVOUR_CHOICES = [("jupyterlab", "JupyterLab"), ("vscode", "VS Code")]
assert {value for value, _ in FLAVOUR_CHOICES} == set(WORKSPACE_FLAVOURS)


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
    model = forms.CharField(
        max_length=300, required=False, help_text="Model Download, Inference and Fine-Tuning: which model."
    )
    port = forms.IntegerField(
        min_value=1, max_value=65535, required=False, initial=DEFAULT_PORTS["Inference"],
        help_text="Inference: the port the server listens on.",
    )
    workspace_flavour = forms.ChoiceField(
        label="Workspace flavour", choices=FLAVOUR_CHOICES, initial="jupyterlab", required=False
    )
    workers = forms.IntegerField(
        min_value=1, max_value=256, initial=1, required=False,
        help_text="Pre-Training: number of worker pods; GPU, CPU and memory are per worker.",
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

    def clean(self):
        data = super().clean()
        kind = data.get("type")
        if kind in MODEL_TYPES and not data.get("model"):
            self.add_error("model", f"{WorkloadType(kind).label} needs a model.")
        if kind == WorkloadType.WORKSPACE and not data.get("workspace_flavour"):
            self.add_error("workspace_flavour", "Choose JupyterLab or VS Code.")
        return data

    def launch(self) -> Launch:
        data = self.cleaned_data
        kind = data["type"]
        spec = {"image": data["image"], "command": data["command"]}
        if kind in MODEL_TYPES or (kind == WorkloadType.EVALUATION and data.get("model")):
            spec["model"] = data["model"]
        if kind == WorkloadType.INFERENCE:
            spec["port"] = data.get("port") or DEFAULT_PORTS["Inference"]
        if kind == WorkloadType.WORKSPACE:
            spec["workspace_flavour"] = data["workspace_flavour"]
        if kind == WorkloadType.PRE_TRAINING:
            spec["workers"] = data.get("workers") or 1
        return Launch(
            name=data["name"],
            type=kind,
            gpu=data["gpu"],
            cpu_millicores=data["cpu"],
            memory_bytes=data["memory"],
            spec=spec,
        )
