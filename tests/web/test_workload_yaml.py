"""The details page's YAML view against a real kubesim over HTTP: the workload's live objects,
managedFields gone, Secret values hidden, only in the workload's namespace, a clear message
when the cluster cannot be reached, 404 for another project's workload."""

import pytest
import yaml
from django.urls import reverse
from kubesim.testing import kubesim  # noqa: F401  (the fixture)

from projects.models import Cluster
from workloads.cluster.redaction import shown_object
from workloads.models import Component, Workload

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim_cluster(kubesim, cluster):  # noqa: F811
    Cluster.objects.filter(pk=cluster.pk).update(api_url=kubesim.url, token=kubesim.token, verify_ssl=False)
    for namespace in ("vision", "sandbox"):
        if kubesim.sim.get("Namespace", "", namespace) is None:
            kubesim.sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    return kubesim


def job(workload, namespace="vision", name=None):
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {
            "name": name or workload.name, "namespace": namespace,
            "labels": {"devcenter.io/workload-id": str(workload.pk), "devcenter.io/project": "vision"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"secret": "applied-copy"}'},
        },
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{
            "name": "main", "image": "python:3.12",
            "env": [
                {"name": "PLAIN", "value": "visible-value"},
                {"name": "TOKEN", "value": "leaked-inline", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}},
            ],
        }]}}},
    }


def record(workload, obj):
    meta = obj["metadata"]
    return Component.objects.create(workload=workload, kind=obj["kind"], api_version=obj["apiVersion"],
                                    name=meta["name"], namespace=meta["namespace"], uid=meta.get("uid", ""))


def yaml_url(project, workload):
    return reverse("workloads:yaml", args=[project.name, workload.pk])


def test_yaml_shows_the_live_object_without_managed_fields_or_secret_values(
    member_client, project, make_workload, sim_cluster
):
    workload = make_workload(name="train")
    created = sim_cluster.sim.create(job(workload))
    assert created["metadata"].get("managedFields")  # the simulator keeps them, as a real server does
    record(workload, created)
    sim_cluster.sim.reset_requests()
    response = member_client.get(yaml_url(project, workload))
    assert [(r.method, r.path) for r in sim_cluster.sim.requests] == [("GET", "/apis/batch/v1/namespaces/vision/jobs/train")]
    assert response.status_code == 200
    html = response.content.decode()
    assert "Job <code>train</code>" in html
    assert f"uid: {created['metadata']['uid']}" in html
    assert "visible-value" in html and "secretKeyRef" in html and "name: creds" in html
    for hidden in ("managedFields", "leaked-inline", "last-applied-configuration", "applied-copy"):
        assert hidden not in html, hidden


def test_yaml_is_valid_yaml_of_the_object(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="parse")
    record(workload, sim_cluster.sim.create(job(workload)))
    html = member_client.get(yaml_url(project, workload)).content.decode()
    import html as html_module
    import re

    text = html_module.unescape(re.search(r'<pre class="logs yaml"[^>]*>(.*?)</pre>', html, re.S).group(1))
    parsed = yaml.safe_load(text)
    assert parsed["kind"] == "Job" and parsed["metadata"]["name"] == "parse"
    assert parsed["spec"]["template"]["spec"]["containers"][0]["env"][1] == {
        "name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}


def test_objects_outside_the_namespace_are_never_read(member_client, project, make_workload, sim_cluster):
    """A component row naming another namespace (tampered or stale) is not fetched from there."""
    workload = make_workload(name="mine")
    theirs = sim_cluster.sim.create(job(workload, namespace="sandbox", name="theirs"))
    record(workload, theirs)
    sim_cluster.sim.reset_requests()
    html = member_client.get(yaml_url(project, workload)).content.decode()
    assert "outside the workload&#x27;s namespace vision" in html
    assert theirs["metadata"]["uid"] not in html
    assert not [r for r in sim_cluster.sim.requests if "/namespaces/sandbox/" in str(r)]


def test_a_re_created_object_or_a_gone_one_is_said_so(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="again")
    Component.objects.create(workload=workload, kind="Job", api_version="batch/v1", name="again",
                             namespace="vision", uid="00000000-old-uid")
    sim_cluster.sim.create(job(workload))
    Component.objects.create(workload=workload, kind="Service", api_version="v1", name="gone", namespace="vision")
    html = member_client.get(yaml_url(project, workload)).content.decode()
    assert "Re-created since (another uid): not this workload&#x27;s object." in html
    assert "Not in the cluster (any more)." in html
    assert "visible-value" not in html


def test_a_recorded_secret_is_never_read(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="sec")
    secret = sim_cluster.sim.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "vision"},
                                     "data": {"token": "c2VjcmV0LXRva2Vu"}})
    record(workload, secret)
    html = member_client.get(yaml_url(project, workload)).content.decode()
    assert "c2VjcmV0LXRva2Vu" not in html
    assert "Not read: cannot read objects of kind &#x27;Secret&#x27;." in html


def test_secret_data_is_replaced_by_a_count():
    """A Secret as kubesim stores it (data, stringData, last applied copy) is shown without its values."""
    secret = {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "creds", "managedFields": [{"manager": "kubectl"}],
                     "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"data": {"a": "eA=="}}',
                                     "team": "vision"}},
        "data": {"a": "eA==", "b": "eQ=="}, "stringData": {"c": "z"}, "type": "Opaque",
    }
    assert shown_object(secret) == {
        "apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "creds", "annotations": {"team": "vision"}},
        "data": "<2 keys hidden>", "stringData": "<1 key hidden>", "type": "Opaque",
    }
    assert secret["data"] == {"a": "eA==", "b": "eQ=="}  # the input is not changed


def test_untrusted_shapes_do_not_break_the_view():
    odd = {"kind": "Job", "metadata": "not-a-dict", "spec": {"env": "not-a-list", "x": [{"env": [1, None]}]}}
    assert shown_object(odd) == odd


def test_unreachable_cluster_gives_a_clear_message(member_client, project, make_workload):
    workload = make_workload(name="far")  # the shared cluster's API is http://127.0.0.1:1: nothing listens
    Component.objects.create(workload=workload, kind="Job", api_version="batch/v1", name="far", namespace="vision")
    response = member_client.get(yaml_url(project, workload))
    assert response.status_code == 200
    assert "Cluster east cannot be reached right now" in response.content.decode()


def test_another_projects_workload_is_404(member_client, project, other_workload):
    assert member_client.get(yaml_url(project, other_workload)).status_code == 404
    assert Workload.objects.filter(pk=other_workload.pk).exists()


def test_details_page_links_to_the_yaml(member_client, project, make_workload):
    workload = make_workload(name="linked")
    html = member_client.get(reverse("workloads:detail", args=[project.name, workload.pk])).content.decode()
    assert f'href="{yaml_url(project, workload)}"' in html
