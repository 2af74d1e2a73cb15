"""`make run`: give the demo workloads real objects in the simulated clusters.

seed_demo writes rows only. Without objects behind them, the first refresh would find every
demo workload gone. This command creates, once, the objects of each demo workload that should
be alive, with kubesim annotations that reproduce its state (a pull failure, a pod that never
gets ready, a job that runs for an hour, a pod on a node that stopped reporting), and records
them as the workload's components. A Delete Failed workload gets objects that still exist: the
refresh keeps it Delete Failed while they do.
"""

from dataclasses import replace

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from projects.models import Cluster, Quota
from workloads.cluster import (
    SERVICE,
    ClusterConnection,
    ClusterGateway,
    ClusterUnreachable,
    CreateFailed,
    build_manifests,
)
from workloads.cluster.labels import PROJECT as PROJECT_LABEL
from workloads.cluster.labels import project_selector
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import Component, Workload, WorkloadType
from workloads.status import ComponentState, WorkloadStatus

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
# A Custom workload in status Unknown: a bare pod whose node was lost.
NODE_LOST = {"kubesim.io/start-seconds": "0", "kubesim.io/node-lost-seconds": "2"}


class Command(BaseCommand):
    help = "Create the objects of the demo workloads in the simulated clusters (idempotent)."

    def handle(self, *args, **options):
        for cluster in Cluster.objects.exclude(kubeconfig=""):
            try:
                created = self.populate(cluster)
            except ClusterUnreachable as error:
                self.stderr.write(f"cluster {cluster.name} unreachable, skipped: {error}")
                continue
            self.stdout.write(f"cluster {cluster.name}: objects created for {created} demo workloads")

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
                if workload.type == WorkloadType.CUSTOM:
                    manifests = self.custom_manifests(workload)
                    key = workload.external_key
                elif workload.status in DEMO_BEHAVIOUR:
                    manifests = build_manifests(self.spec_for(workload))
                    key = str(workload.id)
                else:
                    continue
                if not manifests or key in present:
                    continue
                try:
                    objects = gateway.create_objects(manifests)
                except CreateFailed as error:
                    self.stderr.write(f"{workload.name}: {error}")
                    continue
                self.record(workload, objects)
                created += 1
        return created

    def custom_manifests(self, workload):
        """The object a Custom workload was found as: a labelled pod that devcenter did not launch."""
        kind, namespace, name = (workload.external_key.split("/") + ["", "", ""])[:3]
        if kind != "Pod" or workload.status != WorkloadStatus.UNKNOWN:
            return []
        return [{
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "labels": {PROJECT_LABEL: workload.project.name},
                "annotations": NODE_LOST,
            },
            "spec": {
                "restartPolicy": "Never",
                "containers": [{
                    "name": "main",
                    "image": "registry.example.com/legacy/cron:1",
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
                }],
            },
        }]

    def spec_for(self, workload):
        """What a launch creates for `workload`, with the kubesim annotations of its demo status."""
        spec = workload_spec(workload)
        annotations = dict(DEMO_BEHAVIOUR[workload.status])
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
