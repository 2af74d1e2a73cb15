"""Logs page against a real kubesim over HTTP: pods' lines, container and tail choice, follow, download."""

import re

import pytest
from django.urls import reverse
from kubesim.testing import kubesim  # noqa: F401  (the fixture)

from projects.models import Cluster


@pytest.fixture
def sim_cluster(kubesim, cluster):  # noqa: F811
    Cluster.objects.filter(pk=cluster.pk).update(api_url=kubesim.url, token=kubesim.token, verify_ssl=False)
    if kubesim.sim.get("Namespace", "", "vision") is None:
        kubesim.sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "vision"}})
    return kubesim


def chatty_pod(sim, workload, run_seconds=None):
    annotations = {"kubesim.io/start-seconds": "0", "kubesim.io/log-lines-per-second": "1"}
    spec = {"containers": [{"name": "main", "image": "app"}, {"name": "sidecar", "image": "proxy"}]}
    if run_seconds is not None:
        annotations["kubesim.io/run-seconds"] = str(run_seconds)
        spec["restartPolicy"] = "Never"  # a pod that ends (Always would restart its containers)
    return sim.create({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": f"{workload.name}-0", "namespace": "vision", "annotations": annotations,
            "labels": {"devcenter.io/workload-id": str(workload.pk), "devcenter.io/project": "vision"},
        },
        "spec": spec,
    })


def logs_url(project, workload):
    return reverse("workloads:logs", args=[project.name, workload.pk])


def test_logs_show_the_pods_lines_and_follow_while_running(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="chatty", status="running")
    chatty_pod(sim_cluster.sim, workload)
    sim_cluster.sim.advance(5)
    html = member_client.get(logs_url(project, workload)).content.decode()
    assert "chatty-0/main log line 1" in html
    assert '<option value="sidecar">sidecar</option>' in html
    assert 'data-logs-every="3"' in html  # logs.js follows it
    assert "Following new lines while the workload runs." in html

    sim_cluster.sim.advance(5)
    fragment = member_client.get(logs_url(project, workload), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert "chatty-0/main log line 9" in fragment


def test_container_and_tail_choice(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="two", status="running")
    chatty_pod(sim_cluster.sim, workload)
    sim_cluster.sim.advance(150)
    html = member_client.get(logs_url(project, workload), {"container": "sidecar", "tail": 100}).content.decode()
    assert "two-0/sidecar log line" in html
    assert "two-0/main log line" not in html
    assert "two-0/sidecar log line 1\n" not in html  # only the last 100 of ~150 lines


def test_finished_workload_is_not_followed(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="done", status="complete")
    chatty_pod(sim_cluster.sim, workload, run_seconds=3)
    sim_cluster.sim.advance(10)
    html = member_client.get(logs_url(project, workload)).content.decode()
    assert "done-0/main log line" in html
    assert "data-logs-url" not in html
    assert "Following new lines" not in html
    assert "The workload has finished; these are its last lines." in html


def test_download_as_text(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="dl", status="running")
    chatty_pod(sim_cluster.sim, workload)
    sim_cluster.sim.advance(3)
    response = member_client.get(logs_url(project, workload), {"download": 1})
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode()
    assert text.startswith("==> dl-0/main <==")
    assert "dl-0/main log line 1" in text


def test_unreachable_cluster_is_a_clear_message(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="far", status="running")
    with sim_cluster.outage():
        response = member_client.get(logs_url(project, workload))
    assert response.status_code == 200
    assert "Cluster east cannot be reached right now" in response.content.decode()


def test_a_pod_in_another_namespace_with_the_workloads_labels_is_not_its(
    member_client, project, make_workload, sim_cluster
):
    # A pod in nlp's namespace labelled with a vision workload's id: its lines are not vision's.
    workload = make_workload(name="victim", status="running")
    sim = sim_cluster.sim
    sim.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "nlp"}})
    hostile = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "hostile-0",
            "namespace": "nlp",
            "annotations": {"kubesim.io/start-seconds": "0", "kubesim.io/log-lines-per-second": "1"},
            "labels": {"devcenter.io/workload-id": str(workload.pk), "devcenter.io/project": "vision"},
        },
        "spec": {"containers": [{"name": "main", "image": "app"}]},
    }
    sim.create(hostile)
    chatty_pod(sim, workload)
    sim.advance(5)
    html = member_client.get(logs_url(project, workload)).content.decode()
    assert "victim-0/main log line 1" in html
    assert "hostile-0" not in html
    assert not [r for r in sim.requests if r.path == "/api/v1/pods"]  # never a LIST of every namespace


@pytest.mark.parametrize(
    ("kubeconfig", "message"),
    [
        (None, "not found"),
        ("clusters: [a\n", "is not valid YAML"),
        ('{"apiVersion": "v1", "kind": "Config", "clusters": [], "users": []}', "names no current-context"),
    ],
    ids=["missing", "not-yaml", "no-context"],
)
def test_a_cluster_whose_kubeconfig_cannot_be_used_is_a_clear_message(
    member_client, project, make_workload, cluster, tmp_path, kubeconfig, message
):
    path = tmp_path / "kubeconfig"
    if kubeconfig is not None:
        path.write_text(kubeconfig)
    Cluster.objects.filter(pk=cluster.pk).update(kubeconfig=str(path), api_url="")
    workload = make_workload(name="far", status="running")
    response = member_client.get(logs_url(project, workload))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Cluster east cannot be reached right now" in text
    assert message in text


def test_a_cluster_without_any_address_is_a_clear_message(member_client, project, make_workload, cluster):
    Cluster.objects.filter(pk=cluster.pk).update(kubeconfig="", api_url="")
    workload = make_workload(name="far", status="running")
    response = member_client.get(logs_url(project, workload), {"download": 1})
    assert response.status_code == 200
    assert "set a kubeconfig or an api_url" in response.content.decode()


def test_escape_sequences_reach_neither_the_page_nor_the_download(
    member_client, project, make_workload, sim_cluster, monkeypatch
):
    """The container prints colours, a window title, a screen clear, a progress bar and raw
    control bytes; the simulator serves exactly that as its log, over HTTP."""
    workload = make_workload(name="colourful", status="running")
    chatty_pod(sim_cluster.sim, workload)
    sim_cluster.sim.advance(3)
    printed = ("\x1b[31mERROR\x1b[0m disk full\n\x1b]0;pwned\x07\x1b[2J\x1b[Htitle set\n"
               "10%\r50%\r100%\n\x00nul\x08 and \x9b31mc1\x9b0m\n")
    monkeypatch.setattr(sim_cluster.sim.logs, "read", lambda pod, options: printed.encode())
    shown = "ERROR disk full\ntitle set\n100%\nnul and c1\n"

    html = member_client.get(logs_url(project, workload)).content.decode()
    assert shown in re.sub(r"</?span>", "", html)  # one <span> per line
    assert not {"\x1b", "\x07", "\x00", "\x08", "\x9b", "\r"} & set(html)
    assert "pwned" not in html

    text = member_client.get(logs_url(project, workload), {"download": 1}).content.decode()
    assert text == f"==> colourful-0/main <==\n{shown}"


def since_of(html, pod):
    """The `since` the page would send for `pod`: its section's data-last."""
    match = re.search(rf'data-pod="{re.escape(pod)}" data-last="(\d+)"', html)
    assert match, f"no timed section for {pod}"
    return f"{pod}:{match.group(1)}"


def test_since_answers_only_the_lines_after_those_shown(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="follow", status="running")
    chatty_pod(sim_cluster.sim, workload)
    sim_cluster.sim.advance(5)
    page = member_client.get(logs_url(project, workload), {"container": "main"}).content.decode()
    shown = re.findall(r"follow-0/main log line (\d+)\n", page)
    assert shown and shown[-1] == str(len(shown))

    sim_cluster.sim.advance(3)
    response = member_client.get(
        logs_url(project, workload), {"container": "main", "since": since_of(page, "follow-0")}
    )
    update = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in update and 'id="log-update" data-following="true"' in update
    new = [int(n) for n in re.findall(r"follow-0/main log line (\d+)\n", update)]
    assert new == list(range(len(shown) + 1, len(shown) + 4))  # the three new lines, nothing twice

    again = member_client.get(logs_url(project, workload), {"container": "main", "since": since_of(update, "follow-0")})
    assert "log line" not in again.content.decode()  # nothing new yet


def test_since_for_a_pod_not_yet_shown_sends_its_lines(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="late", status="running")
    chatty_pod(sim_cluster.sim, workload)
    sim_cluster.sim.advance(2)
    update = member_client.get(logs_url(project, workload), {"since": ""}).content.decode()
    assert "late-0/main log line 1\n" in update
    assert 'data-pod="late-0"' in update


def test_since_tells_the_page_to_stop_once_the_workload_finished(member_client, project, make_workload, sim_cluster):
    workload = make_workload(name="ends", status="failed")
    chatty_pod(sim_cluster.sim, workload, run_seconds=3)
    sim_cluster.sim.advance(10)
    update = member_client.get(logs_url(project, workload), {"since": "ends-0:1"}).content.decode()
    assert 'data-following="false"' in update
    assert "The workload has finished; these are its last lines." in update
    assert "Following new lines" not in update


@pytest.mark.parametrize("since", ["nonsense", "pod:", "pod:12a", ":5"])
def test_a_bad_since_is_a_clear_400(member_client, project, make_workload, since):
    workload = make_workload(name="odd", status="running")
    response = member_client.get(logs_url(project, workload), {"since": since})
    assert response.status_code == 400
    assert "since must be <pod name>:<nanoseconds>" in response.content.decode()


def test_since_of_another_projects_workload_is_404(member_client, project, other_workload):
    response = member_client.get(reverse("workloads:logs", args=[project.name, other_workload.pk]), {"since": ""})
    assert response.status_code == 404
    response = member_client.get(reverse("workloads:logs", args=["sandbox", other_workload.pk]), {"since": ""})
    assert response.status_code == 404
