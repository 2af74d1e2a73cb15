"""`make run`: give the demo workloads real objects in the simulated clusters.

seed_demo writes rows only. Without objects behind them, the first refresh would find every
demo workload gone. This command creates, once, the objects of each demo workload that should
be alive, with kubesim annotations that reproduce its state (a pull failure, a pod that never
gets ready, a job that runs for an hour), and records them as the workload's components. A
Delete Failed workload gets objects that still exist: the refresh keeps it Delete Failed while
they do.

An Added demo workload is a launch whose create is still to run: its create task is queued
here, as the launch form queues it, so the embedded worker creates its objects and the row
moves on (Pending, then Running) instead of showing Added, polled by the page, for ever.

Two things show what a real cluster does that no status table says: one running training job's
node stops reporting a few seconds in (kubesim stops its kubelet: the node turns Unknown and
drops out of the capacity 40 s later, the job keeps running as far as anyone can tell), and
the Custom workload in status Unknown is two hand-made pods, one of them removed by hand while
the other still waits to start (SPEC: Pending mixed with Deleted is Unknown).

With `--follow-launch` (`make run`) it first points the demo at this launch (`demo/addresses.py`): each simulated cluster's
workspace base URL is its ingress's address, the workspaces' URLs follow, and each live
workspace's Ingress is made anew so that its forward-auth annotations name this launch's
devcenter (the ingress routes by them, as ingress-nginx does).
"""

from dataclasses import replace

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demo.addresses import launch_addresses
from projects.models import Cluster, Quota
from workloads.cluster import (
    SERVICE,
    ClusterConnection,
    ClusterGateway,
    ClusterUnreachable,
    CreateFailed,
    build_manifests,
    workspace_url,
)
from workloads.cluster.labels import PROJECT as PROJECT_LABEL
from workloads.cluster.labels import project_selector
from workloads.lifecycle.launch_request import enqueue_create
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import Component, Workload, WorkloadType
from workloads.status import ComponentState, WorkloadStatus
from workloads.types import has_url

HOUR = 3600
FOREVER = 10**7
# status -> kubesim pod annotations that keep the workload in (or lead it to) that status
DEMO_BEHAVIOUR = {
    WorkloadStatus.RUNNING: {"kubesim.io/run-seconds": str(8 * HOUR)},
    WorkloadStatus.PENDING: {"kubesim.io/start-seconds": str(FOREVER)},
    WorkloadStatus.COMPLETE: {"kubesim.io/start-seconds": "0", "kubesim.io/run-seconds": "1"},
    WorkloadStatus.FAILED: {"kubesim.io/image-pull-failure": "true"},
    WorkloadStatus.DELETE_FAILED: {},
}
# The running job whose node stops reporting 2 s after its pod starts (kubesim stops that kubelet).
LOST_NODE_WORKLOAD = "segmenter-train"
NODE_LOST = {"kubesim.io/node-lost-seconds": "2"}
# The Custom workload in status Unknown: a pod that waits to start, and its twin removed by hand.
WAITING = {"kubesim.io/start-seconds": str(FOREVER)}
REMOVED_BY_HAND = "-twin"


class Command(BaseCommand):
    help = "Create the objects of the demo workloads in the simulated clusters (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--follow-launch", action="store_true",
            help="first point the simulated clusters at this launch's kubeconfigs and ingress addresses",
        )

    def handle(self, *args, **options):
        if options["follow_launch"]:
            self.follow_launch()
        for cluster in Cluster.objects.exclude(kubeconfig=""):
            try:
                created = self.populate(cluster)
            except ClusterUnreachable as error:
                self.stderr.write(f"cluster {cluster.name} unreachable, skipped: {error}")
                continue
            self.stdout.write(f"cluster {cluster.name}: objects created for {created} demo workloads")

    @transaction.atomic
    def follow_launch(self):
        """The simulated clusters are this launch's (its var dir's kubeconfigs), their workspace
        base URLs (and so their workspaces' URLs) its ingress addresses: a second launch on other
        ports, or from a copied database, gets clusters and URLs of its own."""
        for name, simulated in launch_addresses().clusters.items():
            Cluster.objects.filter(name=name).update(
                workload_base_url=simulated.workspace_base_url,
                kubeconfig=str(settings.VAR_DIR / f"kubesim-{name}.kubeconfig"),
                context="kubesim",
            )
            workloads = Workload.objects.filter(cluster__name=name).select_related("project", "cluster")
            for workload in workloads:
                if has_url(workload.type):
                    url = workspace_url(workload_spec(workload))
                    if url != workload.workspace_url:
                        Workload.objects.filter(pk=workload.pk).update(workspace_url=url)

    def populate(self, cluster):
        quotas = list(Quota.objects.filter(cluster=cluster).select_related("project"))
        if not quotas:
            return 0
        with ClusterGateway(ClusterConnection.from_record(cluster)) as gateway:
            for quota in quotas:
                gateway.ensure_namespace(quota.effective_namespace)
            observed = gateway.list_components(project_selector(q.project.name for q in quotas))
            present = {c.workload_id for c in observed} | {f"{c.kind}/{c.namespace}/{c.name}" for c in observed}
            workloads = Workload.objects.filter(cluster=cluster).select_related("project", "cluster")
            created = 0
            for workload in workloads:
                if workload.status == WorkloadStatus.ADDED:
                    if workload.task_sent_at is None:  # once: a resend is resend_lost_tasks' part
                        enqueue_create(workload.id)
                    continue
                if workload.type == WorkloadType.CUSTOM:
                    manifests = self.custom_manifests(workload)
                    key = workload.external_key
                elif workload.status in DEMO_BEHAVIOUR:
                    manifests = build_manifests(self.spec_for(workload))
                    key = str(workload.id)
                else:
                    continue
                if key in present and has_url(workload.type) and workload.status != WorkloadStatus.DELETE_FAILED:
                    self.republish(gateway, workload, [c for c in observed if c.workload_id == key])
                if not manifests or key in present:
                    continue
                try:
                    objects = gateway.create_objects(manifests)
                except CreateFailed as error:
                    self.stderr.write(f"{workload.name}: {error}")
                    continue
                self.record(workload, objects)
                for obj in objects:  # what someone did with kubectl since
                    if obj.name.endswith(REMOVED_BY_HAND):
                        gateway.delete_component(obj.kind, obj.namespace, obj.name, obj.uid)
                created += 1
        return created

    def republish(self, gateway, workload, observed):
        """Make the workspace's Ingress anew (its annotations name this launch's devcenter)."""
        ingress = [m for m in build_manifests(workload_spec(workload)) if m["kind"] == "Ingress"]
        for old in observed:
            if old.kind == "Ingress":
                gateway.delete_component(old.kind, old.namespace, old.name, old.uid)
        if not ingress:
            return
        try:
            objects = gateway.create_objects(ingress)
        except CreateFailed as error:
            self.stderr.write(f"{workload.name}: {error}")
            return
        with transaction.atomic():
            workload.components.filter(kind="Ingress").delete()
            Component.objects.bulk_create(
                Component.for_object(workload.id, obj, state=ComponentState.PENDING, reason="created",
                                     at=timezone.now())
                for obj in objects
            )

    def custom_manifests(self, workload):
        """The objects a Custom workload was found as: labelled pods that devcenter did not launch
        (the first is the one it is known by; the twin is removed by hand once recorded)."""
        kind, namespace, name = (workload.external_key.split("/") + ["", "", ""])[:3]
        if kind != "Pod" or workload.status != WorkloadStatus.UNKNOWN:
            return []
        return [{
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": pod_name,
                "namespace": namespace,
                "labels": {PROJECT_LABEL: workload.project.name},
                "annotations": WAITING,
            },
            "spec": {
                "restartPolicy": "Never",
                "containers": [{
                    "name": "main",
                    "image": "registry.example.com/legacy/cron:1",
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
                }],
            },
        } for pod_name in (name, name + REMOVED_BY_HAND)]

    def spec_for(self, workload):
        """What a launch creates for `workload`, with the kubesim annotations of its demo status."""
        spec = workload_spec(workload)
        annotations = dict(DEMO_BEHAVIOUR[workload.status])
        if workload.name == LOST_NODE_WORKLOAD:
            annotations.update(NODE_LOST)
        if spec.shape == SERVICE:
            annotations.pop("kubesim.io/run-seconds", None)  # services run until deleted
            if workload.status == WorkloadStatus.PENDING:
                annotations = {"kubesim.io/ready-seconds": str(FOREVER)}
        return replace(spec, pod_annotations=annotations)

    @transaction.atomic
    def record(self, workload, objects):
        now = timezone.now()
        if workload.status == WorkloadStatus.DELETE_FAILED:
            state, reason = ComponentState.DELETE_FAILED, workload.status_reason
        else:
            state, reason = ComponentState.PENDING, "created"
        workload.components.all().delete()
        Component.objects.bulk_create(
            Component.for_object(workload.id, obj, state=state, reason=reason, at=now) for obj in objects
        )
