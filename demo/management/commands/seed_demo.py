"""Demo data for `make run`: users, projects, two simulated clusters, quotas and workloads.

Idempotent: running it again changes nothing. The demo password exists only here.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demo.addresses import launch_addresses
from projects.models import Cluster, Membership, Project, Quota, Role
from workloads.cluster import workspace_url
from workloads.lifecycle.launch_spec import workload_spec
from workloads.models import Component, StatusChange, Workload, WorkloadType
from workloads.status import FINISHED, ComponentState, WorkloadStatus
from workloads.types import LAUNCHABLE, Shape, has_url

DEMO_PASSWORD = "devcenter-demo"  # noqa: S105 - demo accounts only, created by this command
GIB = 1024**3

USERS = [
    # username, superuser, {project: role}
    ("admin", True, {}),
    ("lead", False, {"vision": Role.ADMIN}),
    ("dev", False, {"vision": Role.MEMBER, "nlp": Role.MEMBER}),
    ("outsider", False, {"sandbox": Role.MEMBER}),
]
PROJECTS = [
    ("vision", "Vision", "Image models: detection, segmentation and their serving."),
    ("nlp", "NLP", "Language models and evaluation."),
    ("sandbox", "Sandbox", "Experiments that do not belong anywhere else yet."),
]
# The capacity of what `make run` simulates (kubesim nodes of 64 cores, 512 GiB, 8 GPUs):
# east has 4 nodes, west 2 (demo/addresses.py); the refresh reads it again anyway.
CLUSTERS = [
    # name, display name, GPU, CPU millicores, memory bytes
    ("east", "East (simulated)", 32, 256_000, 2048 * GIB),
    ("west", "West (simulated)", 16, 128_000, 1024 * GIB),
]
QUOTAS = {
    ("vision", "east"): (16, 128_000, 1024 * GIB),
    ("vision", "west"): (4, 32_000, 256 * GIB),
    ("nlp", "east"): (12, 96_000, 768 * GIB),
    ("nlp", "west"): (8, 64_000, 512 * GIB),
    ("sandbox", "west"): (2, 16_000, 128 * GIB),
}

C = ComponentState
S = WorkloadStatus
T = WorkloadType
# name, type, status, cluster, gpu, cpu millicores, memory GiB, components [(kind, state, reason)], reason
VISION_WORKLOADS = [
    ("resnet-weights-download", T.MODEL_DOWNLOAD, S.COMPLETE, "east", 0, 2000, 8,
     [("Job", C.COMPLETED, "Job completed")], "Job completed"),
    ("detector-serving", T.INFERENCE, S.RUNNING, "east", 1, 4000, 16,
     [("Deployment", C.RUNNING, "2 of 2 ready"), ("Service", C.COMPLETED, "")], "2 of 2 ready"),
    ("segmenter-train", T.TRAINING, S.RUNNING, "east", 4, 16000, 64,
     [("Job", C.RUNNING, "1 active")], "1 active"),
    ("vit-pretrain", T.PRE_TRAINING, S.PENDING, "east", 8, 64000, 256,
     [("Job", C.PENDING, "waiting for pods to be scheduled")], "waiting for pods to be scheduled"),
    ("detector-finetune", T.FINE_TUNING, S.FAILED, "west", 2, 8000, 32,
     [("Job", C.FAILED, "ImagePullBackOff: image not found")], "ImagePullBackOff: image not found"),
    ("detector-eval", T.EVALUATION, S.COMPLETE, "west", 1, 4000, 16,
     [("Job", C.COMPLETED, "Job completed")], "Job completed"),
    ("notebook-alice", T.WORKSPACE, S.RUNNING, "east", 1, 4000, 16,
     [("Deployment", C.RUNNING, "1 of 1 ready"), ("Service", C.COMPLETED, "")], "1 of 1 ready"),
    ("legacy-cronjob", T.CUSTOM, S.UNKNOWN, "east", 0, 500, 1,
     [("Pod", C.UNKNOWN, "node lost contact")], "node lost contact"),
    ("mask-rcnn-train", T.TRAINING, S.ADDED, "east", 2, 8000, 32, [], "waiting to create components"),
    ("old-serving", T.INFERENCE, S.DELETING, "west", 1, 2000, 8,
     [("Deployment", C.DELETED, "deleted"), ("Service", C.RUNNING, "")], "deleting 1 of 2 components"),
    ("yolo-v5-eval", T.EVALUATION, S.DELETED, "west", 0, 2000, 8,
     [("Job", C.DELETED, "deleted")], "deleted"),
    ("stuck-serving", T.INFERENCE, S.DELETE_FAILED, "east", 1, 2000, 8,
     [("Deployment", C.DELETE_FAILED, "Forbidden: deployments is forbidden")],
     "Forbidden: deployments is forbidden"),
    ("batch-eval-sweep", T.EVALUATION, S.TERMINATED, "east", 0, 2000, 8,
     [("Job", C.COMPLETED, "Job completed"), ("Job", C.DELETED, "removed by hand")],
     "1 completed, 1 removed"),
    ("vscode-bob", T.WORKSPACE, S.PENDING, "west", 0, 2000, 8,
     [("Deployment", C.PENDING, "0 of 1 ready"), ("Service", C.COMPLETED, "")], "0 of 1 ready"),
]


# A type without a row of its own above gets one: a finished job or a running service.
STAND_IN_BY_SHAPE = {
    Shape.BATCH: (S.COMPLETE, [("Job", C.COMPLETED, "Job completed")], "Job completed"),
    Shape.SERVICE: (
        S.RUNNING, [("Deployment", C.RUNNING, "1 of 1 ready"), ("Service", C.COMPLETED, "")], "1 of 1 ready"
    ),
}


def with_every_type(rows):
    """`rows` and a stand-in for each launchable type they leave out: the demo shows every type
    (SPEC), one added to the registry included."""
    shown = {row[1] for row in rows}
    stand_ins = []
    for kind in LAUNCHABLE.values():
        if kind.type not in shown:
            status, components, reason = STAND_IN_BY_SHAPE[kind.shape]
            stand_ins.append((f"{kind.type}-demo", kind.type, status, "east", 0, 2000, 8, components, reason))
    return rows + stand_ins


VISION_WORKLOADS = with_every_type(VISION_WORKLOADS)
NLP_WORKLOADS = [
    ("llama-download", T.MODEL_DOWNLOAD, S.COMPLETE, "east", 0, 2000, 8,
     [("Job", C.COMPLETED, "Job completed")], "Job completed"),
    ("chat-serving", T.INFERENCE, S.RUNNING, "east", 2, 8000, 64,
     [("Deployment", C.RUNNING, "2 of 2 ready"), ("Service", C.COMPLETED, "")], "2 of 2 ready"),
]


class Command(BaseCommand):
    help = "Create the demo users, projects, clusters, quotas and workloads (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--migrate", action="store_true",
                            help="migrate the database first, in the same process (make run: one start-up)")

    def handle(self, *args, **options):
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        self.seed(**options)

    @transaction.atomic
    def seed(self, **options):
        users = self.seed_users()
        projects = self.seed_projects(users)
        clusters = self.seed_clusters()
        self.seed_quotas(projects, clusters)
        created = self.seed_workloads(projects["vision"], clusters, users["dev"], VISION_WORKLOADS)
        created += self.seed_workloads(projects["nlp"], clusters, users["dev"], NLP_WORKLOADS)
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {len(users)} users (password {DEMO_PASSWORD!r}), {len(projects)} projects, "
            f"{len(clusters)} clusters, {created} workloads created now."
        ))

    def seed_users(self):
        User = get_user_model()
        users = {}
        # One hash for every demo user (they share the password): hashing is slow on purpose,
        # about 0.4 s each, and the first `make run` waits for it.
        password_hash = None
        for username, superuser, _ in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_superuser": superuser, "is_staff": superuser, "email": f"{username}@example.com"},
            )
            if created:
                password_hash = password_hash or make_password(DEMO_PASSWORD)
                user.password = password_hash
                user.save(update_fields=["password"])
            users[username] = user
        return users

    def seed_projects(self, users):
        projects = {}
        for name, display_name, description in PROJECTS:
            projects[name], _ = Project.objects.get_or_create(
                name=name, defaults={"display_name": display_name, "description": description}
            )
        for username, _, roles in USERS:
            for project_name, role in roles.items():
                Membership.objects.get_or_create(
                    user=users[username], project=projects[project_name], defaults={"role": role}
                )
        return projects

    def seed_clusters(self):
        clusters = {}
        var_dir = settings.VAR_DIR
        simulated = launch_addresses().clusters  # demo_cluster moves the base URL to each launch's
        for name, display_name, gpu, cpu, memory in CLUSTERS:
            clusters[name], _ = Cluster.objects.get_or_create(
                name=name,
                defaults={
                    "display_name": display_name,
                    "kubeconfig": str(var_dir / f"kubesim-{name}.kubeconfig"),
                    "context": "kubesim",
                    "workload_base_url": simulated[name].workspace_base_url,
                    "capacity_gpu": gpu,
                    "capacity_cpu_millicores": cpu,
                    "capacity_memory_bytes": memory,
                },
            )
        # As if just refreshed: the seeded statuses read "refreshed … ago".
        Cluster.objects.filter(pk__in=[c.pk for c in clusters.values()]).update(last_seen_at=timezone.now())
        return clusters

    def seed_quotas(self, projects, clusters):
        for (project_name, cluster_name), (gpu, cpu, memory) in QUOTAS.items():
            Quota.objects.get_or_create(
                project=projects[project_name],
                cluster=clusters[cluster_name],
                defaults={"gpu": gpu, "cpu_millicores": cpu, "memory_bytes": memory},
            )

    def seed_workloads(self, project, clusters, creator, rows):
        now = timezone.now()
        created_count = 0
        for age, row in enumerate(rows):
            name, type_, status, cluster_name, gpu, cpu, memory_gib, components, reason = row
            if Workload.objects.filter(project=project, name=name).exists():
                continue
            created_at = now - timedelta(hours=3 * (len(rows) - age))
            cluster = clusters[cluster_name]
            workload = Workload(
                project=project,
                cluster=cluster,
                name=name,
                type=type_,
                status=status,
                status_reason=reason,
                status_changed_at=created_at + timedelta(minutes=5),
                requested_gpu=gpu,
                requested_cpu_millicores=cpu,
                requested_memory_bytes=memory_gib * GIB,
                namespace=project.name,
                spec={"image": "registry.example.com/demo/" + type_ + ":latest"},
                # A Custom workload is known by the object found in the cluster (see refresh).
                external_key=f"Pod/{project.name}/{name}" if type_ == T.CUSTOM else "",
                created_by=None if type_ == T.CUSTOM else creator,
                created_by_name="cluster" if type_ == T.CUSTOM else creator.username,
                created_at=created_at,
                # Started once it left the queue; finished ones stopped at their last change.
                started_at=created_at + timedelta(minutes=2) if status not in (S.ADDED, S.PENDING) else None,
                finished_at=created_at + timedelta(minutes=5) if status in FINISHED else None,
                delete_requested_at=(
                    created_at + timedelta(hours=1)
                    if status in (S.DELETING, S.DELETED, S.DELETE_FAILED) else None
                ),
            )
            if has_url(type_):
                workload.workspace_url = workspace_url(workload_spec(workload))
            workload.save(force_insert=True)
            Component.objects.bulk_create(
                Component(
                    workload=workload,
                    kind=kind,
                    api_version={"Job": "batch/v1", "Deployment": "apps/v1"}.get(kind, "v1"),
                    name=f"{name}-{index}" if index else name,
                    namespace=project.name,
                    state=state,
                    reason=component_reason,
                    updated_at=now,
                )
                for index, (kind, state, component_reason) in enumerate(components)
            )
            history = [(None, S.ADDED, "submitted", created_at)]
            if status != S.ADDED:
                history.append((S.ADDED, status, reason, created_at + timedelta(minutes=5)))
            StatusChange.objects.bulk_create(
                StatusChange(workload=workload, from_status=old or "", to_status=new, reason=why, at=at)
                for old, new, why, at in history
            )
            created_count += 1
        return created_count
