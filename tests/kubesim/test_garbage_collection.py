"""Deletion propagation by ownerReferences: Orphan (the Job default), Background, Foreground."""

from tests.kubesim.conftest import deployment_body, job_body


def test_job_delete_without_policy_orphans_pods(batch, core, sim):
    batch.create_namespaced_job("default", job_body("train"))
    batch.delete_namespaced_job("train", "default")
    sim.advance(1)
    pods = core.list_namespaced_pod("default").items
    assert len(pods) == 1
    assert not pods[0].metadata.owner_references


def test_job_delete_background_removes_pods(batch, core, sim):
    batch.create_namespaced_job("default", job_body("train"))
    batch.delete_namespaced_job("train", "default", propagation_policy="Background")
    sim.advance(1)
    assert core.list_namespaced_pod("default").items == []


def test_deployment_delete_defaults_to_background(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web"))
    apps.delete_namespaced_deployment("web", "default")
    assert len(apps.list_namespaced_replica_set("default").items) == 1  # collected on the next tick
    sim.advance(2)
    assert apps.list_namespaced_replica_set("default").items == []
    assert core.list_namespaced_pod("default").items == []


def test_foreground_deletes_dependents_first(kubesim, apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web"))
    # Hold the owner: a finalizer of ours keeps the deployment visible after its dependents go.
    apps.patch_namespaced_deployment("web", "default", {"metadata": {"finalizers": ["example.com/hold"]}})
    apps.delete_namespaced_deployment("web", "default", propagation_policy="Foreground")
    deployment = apps.read_namespaced_deployment("web", "default")
    assert deployment.metadata.deletion_timestamp
    assert "foregroundDeletion" in deployment.metadata.finalizers  # its dependents are still there
    sim.advance(3)
    deployment = apps.read_namespaced_deployment("web", "default")
    assert "foregroundDeletion" not in (deployment.metadata.finalizers or [])  # dependents gone
    assert core.list_namespaced_pod("default").items == []
    assert apps.list_namespaced_replica_set("default").items == []
    apps.patch_namespaced_deployment("web", "default", {"metadata": {"finalizers": None}})
    assert apps.list_namespaced_deployment("default").items == []


def test_foreground_sets_deletion_timestamp_while_dependents_exist(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web"))
    pod = core.list_namespaced_pod("default").items[0]
    # A finalizer on a pod blocks the chain: the owner must wait, marked for deletion.
    core.patch_namespaced_pod(pod.metadata.name, "default", {"metadata": {"finalizers": ["example.com/hold"]}})
    apps.delete_namespaced_deployment("web", "default", propagation_policy="Foreground")
    sim.advance(5)
    deployment = apps.read_namespaced_deployment("web", "default")
    assert deployment.metadata.deletion_timestamp
    assert "foregroundDeletion" in deployment.metadata.finalizers
    core.patch_namespaced_pod(pod.metadata.name, "default", {"metadata": {"finalizers": None}})
    sim.advance(2)
    assert apps.list_namespaced_deployment("default").items == []
    assert core.list_namespaced_pod("default").items == []


def test_orphan_keeps_replicasets(apps, core, sim):
    apps.create_namespaced_deployment("default", deployment_body("web"))
    apps.delete_namespaced_deployment("web", "default", propagation_policy="Orphan")
    sim.advance(1)
    assert apps.list_namespaced_deployment("default").items == []
    replicasets = apps.list_namespaced_replica_set("default").items
    assert len(replicasets) == 1 and not replicasets[0].metadata.owner_references
    assert len(core.list_namespaced_pod("default").items) == 2
