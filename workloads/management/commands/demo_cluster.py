"""`make run`: give the demo workloads real objects in the simulated clusters.

seed_demo writes rows only. Without objects behind them, the first refresh would find every
demo workload gone. This command creates, once, the objects of each demo workload that should
be alive, with kubesim annotations that reproduce its state (a pull failure, a pod that never
gets ready, a job that runs for an hour), and records them as the workload's components.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from projects.models import Cluster, Quota
from workloads.cluster import ClusterGateway, ClusterUnreachable, CreateFailed, WorkloadSpec, build_manifests
from workloads.cluster.labels import project_selector
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
}
SERVICE_TYPES = {WorkloadType.INFERENCE, WorkloadType.WORKSPACE}


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
        with ClusterGateway(cluster.connection()) as gateway:
            for quota in quotas:
                gateway.ensure_namespace(quota.effective_namespace)
            present = {
                component.workload_id
                for component in gateway.list_components(project_selector(q.project.name for q in quotas))
            }
            workloads = (
                Workload.objects.filter(cluster=cluster, status__in=DEMO_BEHAVIOUR)
                .exclude(type=WorkloadType.CUSTOM)
                .select_related("project")
            )
            created = 0
            for workload in workloads:
                if str(workload.id) in present:
                    continue
                try:
                    objects = gateway.create_objects(build_manifests(self.spec_for(workload, cluster)))
                except CreateFailed as error:
                    self.stderr.write(f"{workload.name}: {error}")
                    continue
                self.record(workload, objects)
                created += 1
        return created

    def spec_for(self, workload, cluster):
        annotations = dict(DEMO_BEHAVIOUR[workload.status])
        if workload.type in SERVICE_TYPES:
            annotations.pop("kubesim.io/run-seconds", None)  # services run until deleted
            if workload.status == WorkloadStatus.PENDING:
                annotations = {"kubesim.io/ready-seconds": str(FOREVER)}
        return WorkloadSpec(
            workload_id=str(workload.id),
            project=workload.project.name,
            name=workload.name,
            type=workload.get_type_display(),
            namespace=workload.namespace,
            image=workload.spec.get("image", "registry.example.com/demo:latest"),
            gpu=workload.requested_gpu,
            cpu_millicores=workload.requested_cpu_millicores,
            memory_bytes=workload.requested_memory_bytes,
            submitter=workload.created_by_name,
            base_url=cluster.workload_base_url,
            pod_annotations=annotations,
        )

    @transaction.atomic
    def record(self, workload, objects):
        now = timezone.now()
        workload.components.all().delete()
        Component.objects.bulk_create(
            Component.for_object(workload.id, obj, state=ComponentState.PENDING, reason="created", at=now)
            for obj in objects
        )
