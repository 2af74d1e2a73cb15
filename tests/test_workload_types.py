"""Adding a workload type is one record: every layer reads the registry in workloads/types.py.

The launch form's fields and rules, admission's pods, the one WorkloadSpec builder, the
manifests, the workspace link: each is checked here for every type the registry holds.
"""

from html.parser import HTMLParser

import pytest

from tests.conftest import launched_spec
from workloads.cluster import labels
from workloads.cluster.manifests import SHAPES, build_manifests, workspace_url
from workloads.lifecycle.launch_request import Launch
from workloads.lifecycle.launch_spec import workspace_key
from workloads.models import Workload
from workloads.status import WorkloadStatus
from workloads.types import LAUNCHABLE, ModelField, Shape, WorkloadType, launchable
from workloads.web import links
from workloads.web.forms import LaunchForm

KINDS_BY_SHAPE = {Shape.BATCH: ["Job"], Shape.SERVICE: ["Deployment", "Service"]}
EVERY_TYPE_SHOWS = ["type", "name", "cluster", "image", "command", "gpu", "cpu", "memory"]
LAUNCHABLE_TYPES = sorted(LAUNCHABLE)


def container(manifest):
    return manifest["spec"]["template"]["spec"]["containers"][0]


def env(manifest):
    return {e["name"]: e["value"] for e in container(manifest)["env"]}


def test_every_type_but_custom_has_one_record():
    assert set(LAUNCHABLE) == set(WorkloadType) - {WorkloadType.CUSTOM}
    assert all(kind.type is type_ for type_, kind in LAUNCHABLE.items())
    with pytest.raises(ValueError, match="found in the cluster, not launched"):
        launchable(WorkloadType.CUSTOM)


def test_shapes_are_the_cluster_layers():
    assert set(Shape.values) == SHAPES


@pytest.mark.parametrize("type_", LAUNCHABLE_TYPES)
def test_every_type_builds_its_objects_from_the_one_spec_builder(type_):
    kind = LAUNCHABLE[type_]
    spec = launched_spec(type_, image="app:1", model="org/model", submitter="alice")
    manifests = build_manifests(spec)
    # A type with a URL is guarded by a NetworkPolicy, made first (its Ingress needs an auth URL).
    assert [m["kind"] for m in manifests] == ["NetworkPolicy"] * kind.has_url + KINDS_BY_SHAPE[kind.shape]
    for manifest in manifests:
        template = manifest["spec"].get("template")
        for metadata in [manifest["metadata"], *([template["metadata"]] if template else [])]:
            # The label vocabulary is WorkloadType's values, nothing else.
            assert metadata["labels"][labels.WORKLOAD_TYPE] == type_.value
    if kind.shape == Shape.SERVICE:
        assert spec.port == (kind.port or kind.flavours[0].port)
        assert manifests[-1]["spec"]["ports"][0]["port"] == spec.port


@pytest.mark.parametrize("type_", LAUNCHABLE_TYPES)
def test_pods_per_workload_follow_the_record(type_):
    pods = 4 if LAUNCHABLE[type_].has_workers else 1
    spec = launched_spec(type_, image="app:1", workers=4)
    assert spec.pods == pods
    launch = Launch(name="x", type=type_, gpu=2, cpu_millicores=1000, memory_bytes=2**30, spec={"workers": 4})
    assert launch.pods == pods
    assert launch.requested()["gpu"] == 2 * pods


def test_pre_training_pods_are_its_workers_in_parallel():
    (job,) = build_manifests(launched_spec(WorkloadType.PRE_TRAINING, image="app:1", workers=4))
    assert job["spec"]["parallelism"] == job["spec"]["completions"] == 4
    assert job["spec"]["completionMode"] == "Indexed"
    assert env(job)["WORKERS"] == "4"


@pytest.mark.parametrize(
    ("type_", "has_model"),
    [
        (WorkloadType.MODEL_DOWNLOAD, True),
        (WorkloadType.FINE_TUNING, True),
        (WorkloadType.EVALUATION, True),
        (WorkloadType.TRAINING, False),
    ],
)
def test_model_name_is_passed_to_the_types_that_use_it(type_, has_model):
    (job,) = build_manifests(launched_spec(type_, image="app:1", model="meta-llama/Llama-3-8B"))
    assert ("MODEL_NAME" in env(job)) is has_model


def test_inference_is_a_deployment_and_a_service_on_its_port():
    spec = launched_spec(WorkloadType.INFERENCE, image="app:1", model="meta-llama/Llama-3-8B", port=9000)
    deployment, service = build_manifests(spec)
    assert deployment["kind"] == "Deployment" and service["kind"] == "Service"
    assert container(deployment)["ports"][0]["containerPort"] == 9000
    assert service["spec"]["ports"][0]["port"] == 9000
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert {"name": "MODEL_NAME", "value": "meta-llama/Llama-3-8B"} in container(deployment)["env"]
    assert launched_spec(WorkloadType.INFERENCE, image="app:1").port == 8000


@pytest.mark.parametrize(("flavour", "port"), [("jupyterlab", 8888), ("vscode", 8080)])
def test_workspace_is_one_ready_probed_replica_with_a_url(flavour, port):
    spec = launched_spec(
        WorkloadType.WORKSPACE, name="my-notebook", base_url="https://devcenter.example/ws",
        image="notebook:1", workspace_flavour=flavour,
    )
    _, deployment, service = build_manifests(spec)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert container(deployment)["readinessProbe"]["tcpSocket"]["port"] == port
    assert any("/vision/my-notebook/" in part for part in container(deployment)["command"])
    assert env(deployment)["BASE_PATH"] == "/vision/my-notebook/"
    assert service["spec"]["ports"][0]["port"] == port
    assert workspace_url(spec) == "https://devcenter.example/ws/vision/my-notebook/"


@pytest.mark.parametrize("flavour", LAUNCHABLE[WorkloadType.WORKSPACE].flavours, ids=lambda f: f.value)
def test_a_workspace_server_never_runs_open_it_requires_the_workspaces_key(flavour):
    spec = launched_spec(WorkloadType.WORKSPACE, "41", image="notebook:1", workspace_flavour=flavour.value)
    deployment = next(m for m in build_manifests(spec) if m["kind"] == "Deployment")
    command = container(deployment)["command"]
    assert "none" not in command and not any("token=" in part for part in command)
    key = env(deployment)[flavour.key_variable]
    assert len(key) == 64 and key == workspace_key("new")  # launched_spec builds the unsaved row
    assert workspace_key("41") != workspace_key("42")
    authorization, cookies = flavour.credentials(key)
    assert (authorization, cookies) in [(f"token {key}", {}), ("", {"code-server-session": key})]


@pytest.mark.parametrize(
    ("type_", "submitted"),
    [
        ("batch", {}),
        ("Training", {}),
        (WorkloadType.CUSTOM, {}),
        (WorkloadType.WORKSPACE, {"workspace_flavour": "emacs"}),
    ],
)
def test_what_the_registry_does_not_know_is_refused(type_, submitted):
    with pytest.raises(ValueError):
        launched_spec(type_, image="app:1", **submitted)


class _FieldRows(HTMLParser):
    """The launch form's field rows: {field name: the types it is shown for, or None for all}."""

    def __init__(self):
        super().__init__()
        self.rows = {}
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "data-field" in attrs:
            shown_for = attrs.get("data-shown-for")
            self.rows[attrs["data-field"]] = None if shown_for is None else set(shown_for.split())
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1


@pytest.mark.django_db
def test_the_launch_form_shows_exactly_the_registrys_fields(client, member, project, quota):
    client.force_login(member)
    page = client.get(f"/p/{project.name}/workloads/launch/").content.decode()
    parser = _FieldRows()
    parser.feed(page)
    assert parser.inline_scripts == 0  # the field map is data, read by static/js/launch.js
    assert "js/launch.js" in page
    for type_, kind in LAUNCHABLE.items():
        shown = [name for name, types in parser.rows.items() if types is None or type_ in types]
        assert shown == EVERY_TYPE_SHOWS + list(kind.form_fields), type_
    # A type-specific row names only types that exist.
    assert set().union(*(types for types in parser.rows.values() if types)) <= set(LAUNCHABLE)


@pytest.mark.django_db
@pytest.mark.parametrize("type_", LAUNCHABLE_TYPES)
def test_the_form_requires_what_the_record_requires(project, quota, type_):
    kind = LAUNCHABLE[type_]
    data = {"type": type_, "name": "x-1", "cluster": "east", "image": "app:1", "gpu": "0", "cpu": "1",
            "memory": "1", "model": "", "port": "", "workspace_flavour": "", "workers": ""}
    form = LaunchForm(data, project=project)
    assert not form.is_valid() if (kind.model == ModelField.REQUIRED or kind.flavours) else form.is_valid()
    assert ("model" in form.errors) is (kind.model == ModelField.REQUIRED)
    assert ("workspace_flavour" in form.errors) is bool(kind.flavours)
    if form.is_valid():
        assert set(form.launch().spec) <= {"image", "command", *kind.form_fields}


@pytest.mark.parametrize("type_", sorted(WorkloadType))
def test_only_types_with_a_url_get_the_workspace_link(type_):
    workload = Workload(type=type_, status=WorkloadStatus.RUNNING, workspace_url="https://ws.example/vision/x/")
    workload.has_service = workload.has_ingress = True  # the list's annotations: the refresh saw both
    link = links.workspace_link(workload)
    has_url = type_ in LAUNCHABLE and LAUNCHABLE[type_].has_url
    assert (link is not None) is has_url
    if has_url:
        assert link.enabled
