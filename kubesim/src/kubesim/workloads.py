"""The workload controllers of kube-controller-manager: Job (with the TTL-after-finished
controller), Deployment -> ReplicaSet -> Pods, StatefulSet, and KServe's InferenceService
(status only). Each reconciles one object from its current state (level-triggered); the
ControllerManager (controllers.py) calls them.
"""

import hashlib
import json
import math

from kubesim.api import CONTROLLER_MANAGER
from kubesim.clock import parse_rfc3339, rfc3339
from kubesim.errors import ApiError
from kubesim.events import NORMAL, WARNING
from kubesim.podlife import READY_SECONDS
from kubesim.resources import resource_for_kind

HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
ACTIVE_PHASES = ("Pending", "Running", "Unknown")
# Annotation on a pod template: the ReplicaSet controller cannot create pods (ReplicaFailure).
POD_CREATE_FAILURE = "kubesim.io/pod-create-failure"
# An InferenceService reports Ready this many seconds after its creation (its
# `kubesim.io/ready-seconds` annotation overrides it).
INFERENCE_SERVICE_READY_SECONDS = 5.0
# A controller whose pod creation was refused (a quota) tries again this much later.
CREATE_RETRY_SECONDS = 10.0
POD = resource_for_kind("Pod")
# Who reports what each controller does (the Events' source.component).
CONTROLLER_OF = {"Job": "job-controller", "ReplicaSet": "replicaset-controller",
                 "StatefulSet": "statefulset-controller"}


def owner_reference(owner: dict) -> dict:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: dict) -> dict | None:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def template_hash(template: dict) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(HASH_ALPHABET[b % len(HASH_ALPHABET)] for b in digest[:10])


def is_active(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase", "Pending") in ACTIVE_PHASES and not pod["metadata"].get(
        "deletionTimestamp")


def is_ready(pod: dict) -> bool:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def condition(kind: str, status: bool, reason: str, message: str, now: float, previous: list | None = None) -> dict:
    """A workload condition; lastTransitionTime only moves when the status flips."""
    value = "True" if status else "False"
    stamp = rfc3339(now)
    for old in previous or ():
        if old.get("type") == kind and old.get("status") == value:
            stamp = old.get("lastTransitionTime", stamp)
    return {"type": kind, "status": value, "reason": reason, "message": message,
            "lastProbeTime": stamp, "lastTransitionTime": stamp}


def find_condition(conditions, kind: str) -> dict | None:
    for item in conditions or ():
        if item.get("type") == kind:
            return item
    return None


def pod_from_template(owner: dict, template: dict, name: str | None, generate_name: str | None,
                      extra_labels: dict) -> dict:
    metadata = template.get("metadata") or {}
    pod_metadata = {
        "namespace": owner["metadata"]["namespace"],
        "labels": {**(metadata.get("labels") or {}), **extra_labels},
        "annotations": dict(metadata.get("annotations") or {}),
        "ownerReferences": [owner_reference(owner)],
    }
    if name:
        pod_metadata["name"] = name
    else:
        pod_metadata["generateName"] = generate_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_metadata,
            "spec": json.loads(json.dumps(template.get("spec") or {}))}


JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"


def job_index(pod: dict) -> int | None:
    try:
        return int((pod["metadata"].get("annotations") or {})[JOB_COMPLETION_INDEX])
    except (KeyError, ValueError):
        return None


def indexed_pod(pod: dict, job_name: str, index: int) -> None:
    """What an Indexed Job's pod carries (1.22+): its index (annotation, label, variable) and hostname."""
    metadata = pod["metadata"]
    metadata["generateName"] = f"{job_name}-{index}-"
    metadata["annotations"][JOB_COMPLETION_INDEX] = str(index)
    metadata["labels"][JOB_COMPLETION_INDEX] = str(index)
    pod["spec"]["hostname"] = f"{job_name}-{index}"
    variable = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
        "apiVersion": "v1", "fieldPath": f"metadata.annotations['{JOB_COMPLETION_INDEX}']"}}}
    for container in pod["spec"].get("containers") or []:
        container.setdefault("env", []).insert(0, variable)


def index_ranges(indexes: set) -> str:
    """{0, 1, 2, 5} -> "0-2,5" (a Job's status.completedIndexes)."""
    ranges, ordered = [], sorted(indexes)
    for index in ordered:
        if ranges and index == ranges[-1][1] + 1:
            ranges[-1][1] = index
        else:
            ranges.append([index, index])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


def _scaled(value, replicas: int, round_up: bool) -> int:
    """An intOrString like 25% or 2, resolved against the replica count."""
    if isinstance(value, str) and value.endswith("%"):
        exact = int(value[:-1]) * replicas / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value)


def rollout_bounds(spec: dict, replicas: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) of a RollingUpdate; Recreate allows no surge."""
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, replicas
    rolling = strategy.get("rollingUpdate") or {}
    surge = _scaled(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = _scaled(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1  # the API server rejects both zero; be lenient
    return surge, unavailable


def rollout_step(spec: dict, replicas: int, new_rs: dict, old_rs: list, surge: int, unavailable: int):
    """Replica targets for the new and the old ReplicaSets, one step of a rolling update
    (as the deployment controller: surge the new one up, then drain old pods while at least
    replicas - maxUnavailable stay available)."""
    def desired(rs):
        return rs["spec"].get("replicas", 0)

    def available(rs):
        return (rs.get("status") or {}).get("availableReplicas", 0)

    old_targets = [desired(rs) for rs in old_rs]
    if (spec.get("strategy") or {}).get("type") == "Recreate":
        old_running = any(desired(rs) or (rs.get("status") or {}).get("replicas", 0) for rs in old_rs)
        return (0 if old_running else replicas), [0] * len(old_rs)
    new_target = desired(new_rs)
    if new_target > replicas or not old_rs:
        new_target = replicas
    elif new_target < replicas:
        room = replicas + surge - new_target - sum(old_targets)
        new_target = min(replicas, new_target + max(0, room))
    can_remove = sum(available(rs) for rs in [*old_rs, new_rs]) - (replicas - unavailable)
    for index, rs in enumerate(old_rs):
        unhealthy = max(0, old_targets[index] - available(rs))
        remove = min(old_targets[index], unhealthy + max(0, can_remove))
        can_remove -= max(0, remove - unhealthy)
        old_targets[index] -= remove
    return new_target, old_targets



class WorkloadControllers:
    def __init__(self, manager):
        self.manager = manager
        self.api = manager.api
        self.store = manager.store
        self.handlers = {
            "Job": self._job,
            "ReplicaSet": self._replicaset,
            "Deployment": self._deployment,
            "StatefulSet": self._statefulset,
            "InferenceService": self._inference_service,
        }

    def wake_at(self, when, kind, namespace, name):
        self.manager.wake_at(when, kind, namespace, name)

    def _delete(self, obj, policy="Background"):
        self.manager.delete(obj, policy)

    def _create_pod(self, owner: dict, pod: dict) -> tuple[dict | None, ApiError | None]:
        """Create a pod for `owner`; a refusal (a quota, a terminating namespace) is returned."""
        try:
            created = self.api.create(POD, owner["metadata"]["namespace"], pod, manager=CONTROLLER_MANAGER)
        except ApiError as error:
            if error.code != 403:
                raise
            self.manager.events.record(owner, WARNING, "FailedCreate", f"Error creating: {error.message}",
                                       CONTROLLER_OF[owner["kind"]])
            meta = owner["metadata"]
            self.wake_at(self.manager.sim.clock.now() + CREATE_RETRY_SECONDS, owner["kind"], meta["namespace"],
                         meta["name"])
            return None, error
        self.manager.events.record(owner, NORMAL, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}",
                                   CONTROLLER_OF[owner["kind"]])
        return created, None

    # --- jobs ---------------------------------------------------------------------------

    def _owned_pods(self, owner: dict) -> list[dict]:
        pods = []
        for kind, namespace, name in self.store.dependents(owner["metadata"]["uid"]):
            if kind == "Pod":
                pod = self.store.get("Pod", namespace, name)
                if pod is not None and (controller_of(pod) or {}).get("uid") == owner["metadata"]["uid"]:
                    pods.append(pod)
        return pods

    def _job(self, job: dict, now: float) -> None:
        spec, status = job["spec"], dict(job.get("status") or {})
        conditions = list(status.get("conditions") or [])
        finished = any(c["type"] in ("Complete", "Failed") and c["status"] == "True" for c in conditions)
        pods = self._owned_pods(job)
        active = [p for p in pods if is_active(p)]
        # Pods deleted by someone else keep counting: the real controller tracks them with
        # finalizers; here the counts never go down.
        indexed = spec.get("completionMode") == "Indexed"
        done_indexes = {job_index(p) for p in pods if p["status"].get("phase") == "Succeeded"}
        succeeded = len(done_indexes - {None}) if indexed else \
            sum(1 for p in pods if p["status"].get("phase") == "Succeeded")
        succeeded = max(succeeded, status.get("succeeded", 0))
        failed = max(sum(1 for p in pods if p["status"].get("phase") == "Failed"), status.get("failed", 0))
        completions = spec.get("completions") or 1
        namespace, name = job["metadata"]["namespace"], job["metadata"]["name"]

        if finished:
            if self._job_expired(job, conditions, now):
                return
        elif spec.get("suspend"):
            for pod in active:
                self._delete(pod, "Background")
            active = []
            suspended = find_condition(conditions, "Suspended")
            if not suspended or suspended["status"] != "True":
                conditions = [c for c in conditions if c["type"] != "Suspended"]
                conditions.append(condition("Suspended", True, "JobSuspended", "Job suspended", now))
        else:
            if find_condition(conditions, "Suspended"):
                conditions = [c for c in conditions if c["type"] != "Suspended"]
                conditions.append(condition("Suspended", False, "JobResumed", "Job resumed", now))
            started = parse_rfc3339(status.setdefault("startTime", rfc3339(now)))
            deadline = spec.get("activeDeadlineSeconds")
            failure_target = find_condition(conditions, "FailureTarget")
            if failure_target is None and find_condition(conditions, "SuccessCriteriaMet") is None:
                # Newer servers announce the outcome first (FailureTarget / SuccessCriteriaMet),
                # then settle it (Failed / Complete) once no pod is left running.
                if failed > spec.get("backoffLimit", 6):
                    conditions.append(condition("FailureTarget", True, "BackoffLimitExceeded",
                                                "Job has reached the specified backoff limit", now))
                    self.manager.events.record(job, WARNING, "BackoffLimitExceeded",
                                               "Job has reached the specified backoff limit", "job-controller")
                elif deadline is not None and now >= started + deadline:
                    conditions.append(condition("FailureTarget", True, "DeadlineExceeded",
                                                "Job was active longer than specified deadline", now))
                elif succeeded >= completions:
                    conditions.append(condition("SuccessCriteriaMet", True, "CompletionsReached",
                                                "Reached expected number of succeeded pods", now))
                else:
                    wanted = min(spec.get("parallelism", 1), completions - succeeded) - len(active)
                    busy = done_indexes | {job_index(p) for p in active}
                    free = [index for index in range(completions) if index not in busy]
                    for number in range(max(0, wanted)):
                        pod = pod_from_template(job, spec["template"], None, f"{name}-", {})
                        if indexed and number < len(free):
                            indexed_pod(pod, name, free[number])
                        created, refused = self._create_pod(job, pod)
                        if refused:
                            break  # the real controller records a FailedCreate event and retries
                        active.append(created)
                    if deadline is not None:
                        self.wake_at(started + deadline, "Job", namespace, name)
            elif failure_target is not None:
                for pod in active:
                    self._delete(pod, "Background")
                active = []
                conditions.append(condition("Failed", True, failure_target["reason"], failure_target["message"], now))
            elif not active:
                conditions.append(condition("Complete", True, "CompletionsReached",
                                            "Reached expected number of succeeded pods", now))
                status["completionTime"] = rfc3339(now)
        terminating = sum(1 for p in pods if p["metadata"].get("deletionTimestamp")
                          and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed"))
        status.update(active=len(active), succeeded=succeeded, failed=failed,
                      ready=sum(1 for p in active if is_ready(p)), terminating=terminating, uncountedTerminatedPods={},
                      conditions=conditions)
        if indexed:
            status["completedIndexes"] = index_ranges(done_indexes - {None})
        if not conditions:
            del status["conditions"]
        for key in ("active", "succeeded", "failed"):
            if status[key] == 0:
                del status[key]
        if status != job.get("status"):
            self.api.update_status(job, status)

    def _job_expired(self, job: dict, conditions: list, now: float) -> bool:
        """The TTL-after-finished controller: delete a finished Job (and its pods) after
        spec.ttlSecondsAfterFinished."""
        ttl = job["spec"].get("ttlSecondsAfterFinished")
        if ttl is None:
            return False
        finish = next((c["lastTransitionTime"] for c in conditions
                       if c["type"] in ("Complete", "Failed") and c["status"] == "True"), None)
        expires = parse_rfc3339(finish) + ttl
        if now < expires:
            self.wake_at(expires, "Job", job["metadata"]["namespace"], job["metadata"]["name"])
            return False
        self._delete(job, "Background")
        return True

    # --- replicasets --------------------------------------------------------------------

    def _replicaset(self, rs: dict, now: float) -> None:
        spec = rs["spec"]
        metadata = rs["metadata"]
        pods = self._owned_pods(rs)
        for pod in pods:
            if pod["status"].get("phase") in ("Failed", "Succeeded"):
                self._delete(pod, "Background")  # replaced below, as the real controller does
        active = [p for p in pods if is_active(p)]
        wanted = spec.get("replicas", 1)
        conditions = [c for c in (rs.get("status") or {}).get("conditions") or [] if c["type"] != "ReplicaFailure"]
        template_annotations = (spec["template"].get("metadata") or {}).get("annotations") or {}
        if len(active) < wanted:
            if template_annotations.get(POD_CREATE_FAILURE) == "true":
                conditions.append(condition("ReplicaFailure", True, "FailedCreate",
                                            f'pods "{metadata["name"]}-" is forbidden: simulated pod creation failure',
                                            now, (rs.get("status") or {}).get("conditions")))
            else:
                for _ in range(wanted - len(active)):
                    created, refused = self._create_pod(rs, pod_from_template(rs, spec["template"], None,
                                                                               f'{metadata["name"]}-', {}))
                    if refused:
                        # Each attempt's message names another generated pod: the first one stays.
                        previous = find_condition((rs.get("status") or {}).get("conditions"), "ReplicaFailure")
                        conditions.append(previous or condition("ReplicaFailure", True, "FailedCreate",
                                                                refused.message, now))
                        break
                    active.append(created)
        elif len(active) > wanted:
            # Scale down not-ready pods first, then the newest.
            ranked = sorted(active, key=lambda p: (is_ready(p), p["metadata"]["creationTimestamp"]), reverse=False)
            for pod in ranked[: len(active) - wanted]:
                self._delete(pod, "Background")
                active.remove(pod)
        ready = [p for p in active if is_ready(p)]
        status = {
            "replicas": len(active),
            "fullyLabeledReplicas": len(active),
            "readyReplicas": len(ready),
            "availableReplicas": len(ready),
            "observedGeneration": metadata.get("generation", 1),
        }
        if conditions:
            status["conditions"] = conditions
        if status != rs.get("status"):
            self.api.update_status(rs, status)

    # --- deployments --------------------------------------------------------------------

    def _deployment(self, deployment: dict, now: float) -> None:
        spec, metadata = deployment["spec"], deployment["metadata"]
        namespace, name = metadata["namespace"], metadata["name"]
        pod_hash = template_hash(spec["template"])
        owned = [self.store.get(kind, ns, n) for kind, ns, n in self.store.dependents(metadata["uid"])
                 if kind == "ReplicaSet"]
        owned = [rs for rs in owned if rs is not None]
        new_rs = next((rs for rs in owned if rs["metadata"].get("labels", {}).get("pod-template-hash") == pod_hash), None)
        replicas = spec.get("replicas", 1)
        revision = str(1 + max((int(rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", 0))
                                for rs in owned), default=0))
        if new_rs is None:
            template = json.loads(json.dumps(spec["template"]))
            template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = pod_hash
            selector = json.loads(json.dumps(spec["selector"]))
            selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
            rs = {
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {
                    "name": f"{name}-{pod_hash}", "namespace": namespace,
                    "labels": dict(template["metadata"]["labels"]),
                    "annotations": {"deployment.kubernetes.io/revision": revision,
                                    "deployment.kubernetes.io/desired-replicas": str(replicas)},
                    "ownerReferences": [owner_reference(deployment)],
                },
                "spec": {"replicas": 0 if owned else replicas, "selector": selector, "template": template,
                         "minReadySeconds": spec.get("minReadySeconds", 0)},
            }
            try:
                new_rs = self.api.create(resource_for_kind("ReplicaSet"), namespace, rs, manager=CONTROLLER_MANAGER)
                if new_rs["spec"]["replicas"]:
                    self.manager.events.record(
                        deployment, NORMAL, "ScalingReplicaSet",
                        f'Scaled up replica set {new_rs["metadata"]["name"]} from 0 to {new_rs["spec"]["replicas"]}',
                        "deployment-controller")
            except ApiError as error:
                if error.code != 409:
                    raise
                return
        old_rs = sorted((rs for rs in owned if rs["metadata"]["uid"] != new_rs["metadata"]["uid"]),
                        key=lambda rs: rs["metadata"]["creationTimestamp"])
        surge, unavailable = rollout_bounds(spec, replicas)
        new_target, old_targets = rollout_step(spec, replicas, new_rs, old_rs, surge, unavailable)
        for rs, target in [(new_rs, new_target), *zip(old_rs, old_targets, strict=True)]:
            if rs["spec"].get("replicas", 0) != target:
                before = rs["spec"].get("replicas", 0)
                self.manager.events.record(
                    deployment, NORMAL, "ScalingReplicaSet",
                    f'Scaled {"up" if target > before else "down"} replica set {rs["metadata"]["name"]} '
                    f"from {before} to {target}", "deployment-controller")
                committed = self.api.update(rs, {"spec": dict(rs["spec"], replicas=target)})
                if rs is new_rs:
                    new_rs = committed
                else:
                    old_rs[old_rs.index(rs)] = committed

        all_rs = [*old_rs, new_rs]
        total = sum((r.get("status") or {}).get("replicas", 0) for r in all_rs)
        ready = sum((r.get("status") or {}).get("readyReplicas", 0) for r in all_rs)
        available = sum((r.get("status") or {}).get("availableReplicas", 0) for r in all_rs)
        updated_count = (new_rs.get("status") or {}).get("replicas", 0)
        new_available = (new_rs.get("status") or {}).get("availableReplicas", 0)
        previous = (deployment.get("status") or {}).get("conditions") or []
        max_unavailable = unavailable
        conditions = []
        has_minimum = available >= replicas - max_unavailable
        conditions.append(condition(
            "Available", has_minimum, "MinimumReplicasAvailable" if has_minimum else "MinimumReplicasUnavailable",
            "Deployment has minimum availability." if has_minimum else "Deployment does not have minimum availability.",
            now, previous))
        rs_name = new_rs["metadata"]["name"]
        complete = updated_count == replicas and new_available == replicas and total == replicas
        progressing = find_condition(previous, "Progressing")
        # The progress clock restarts when the template changes (a new ReplicaSet).
        rs_created = parse_rfc3339(new_rs["metadata"]["creationTimestamp"])
        deadline = rs_created + spec.get("progressDeadlineSeconds", 600)
        if complete:
            progress = condition("Progressing", True, "NewReplicaSetAvailable",
                                 f'ReplicaSet "{rs_name}" has successfully progressed.', now, previous)
        elif progressing and progressing.get("reason") == "ProgressDeadlineExceeded" and \
                progressing.get("message", "").startswith(f'ReplicaSet "{rs_name}"'):
            progress = progressing
        elif now >= deadline:
            progress = condition("Progressing", False, "ProgressDeadlineExceeded",
                                 f'ReplicaSet "{rs_name}" has timed out progressing.', now, previous)
        else:
            reason = "NewReplicaSetCreated" if progressing is None else "ReplicaSetUpdated"
            progress = condition("Progressing", True, reason, f'ReplicaSet "{rs_name}" is progressing.', now, previous)
            self.wake_at(deadline, "Deployment", namespace, name)
        if progressing and progress["status"] == progressing["status"] and progress["reason"] == progressing["reason"]:
            progress = dict(progressing)
        progress.setdefault("lastUpdateTime", rfc3339(now))
        conditions.append(progress)
        conditions[0].setdefault("lastUpdateTime", conditions[0]["lastTransitionTime"])
        failure = find_condition((new_rs.get("status") or {}).get("conditions"), "ReplicaFailure")
        if failure:
            conditions.append(dict(failure))
        status = {
            "observedGeneration": metadata.get("generation", 1),
            "replicas": total,
            "updatedReplicas": updated_count,
            "readyReplicas": ready,
            "availableReplicas": available,
            "conditions": conditions,
        }
        if total - available > 0:
            status["unavailableReplicas"] = total - available
        for key in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
            if status[key] == 0:
                del status[key]
        annotations = metadata.get("annotations") or {}
        if annotations.get("deployment.kubernetes.io/revision") != new_rs["metadata"]["annotations"].get(
                "deployment.kubernetes.io/revision"):
            self.api.update(deployment, {"status": status}, metadata={"annotations": {
                **annotations,
                "deployment.kubernetes.io/revision": new_rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
            }})
        elif status != deployment.get("status"):
            self.api.update_status(deployment, status)

    # --- statefulsets -------------------------------------------------------------------

    def _statefulset(self, sts: dict, now: float) -> None:
        spec, metadata = sts["spec"], sts["metadata"]
        namespace, name = metadata["namespace"], metadata["name"]
        replicas = spec.get("replicas", 1)
        revision = f"{name}-{template_hash(spec['template'])}"
        pods = {p["metadata"]["name"]: p for p in self._owned_pods(sts)}
        for pod in list(pods.values()):
            if pod["status"].get("phase") in ("Failed", "Succeeded"):
                self._delete(pod, "Background")
                del pods[pod["metadata"]["name"]]
        ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        for ordinal in range(replicas):
            pod_name = f"{name}-{ordinal}"
            if pod_name in pods:
                if ordered and not is_ready(pods[pod_name]):
                    break
                continue
            if self.store.get("Pod", namespace, pod_name) is not None:
                break  # a pod of that name not owned by us (or being replaced): wait
            labels = {"statefulset.kubernetes.io/pod-name": pod_name, "apps.kubernetes.io/pod-index": str(ordinal),
                      "controller-revision-hash": revision}
            pod = pod_from_template(sts, spec["template"], pod_name, None, labels)
            pod["spec"]["hostname"] = pod_name
            if spec.get("serviceName"):
                pod["spec"]["subdomain"] = spec["serviceName"]
            created, refused = self._create_pod(sts, pod)
            if refused:
                break
            pods[pod_name] = created
            if ordered:
                break
        for pod_name, pod in sorted(pods.items(), key=lambda item: -int(item[0].rsplit("-", 1)[1])):
            if int(pod_name.rsplit("-", 1)[1]) >= replicas:
                self._delete(pod, "Background")
                del pods[pod_name]
        active = [p for p in pods.values() if is_active(p)]
        ready = sum(1 for p in active if is_ready(p))
        status = {
            "observedGeneration": metadata.get("generation", 1),
            "replicas": len(active),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": len(active),
            "updatedReplicas": len(active),
            "currentRevision": revision,
            "updateRevision": revision,
            "collisionCount": 0,
        }
        if status != sts.get("status"):
            self.api.update_status(sts, status)

    # --- KServe InferenceServices ------------------------------------------------------

    def _inference_service(self, isvc: dict, now: float) -> None:
        """Status as KServe's controller reports it: not Ready while the predictor starts, then
        Ready with a URL `kubesim.io/ready-seconds` (default 5) after creation. Runs no pods."""
        metadata = isvc["metadata"]
        namespace, name = metadata["namespace"], metadata["name"]
        annotations = metadata.get("annotations") or {}
        try:
            delay = float(annotations.get(READY_SECONDS, INFERENCE_SERVICE_READY_SECONDS))
        except ValueError:
            delay = INFERENCE_SERVICE_READY_SECONDS
        ready_at = parse_rfc3339(metadata["creationTimestamp"]) + delay
        ready = now >= ready_at
        previous = (isvc.get("status") or {}).get("conditions")
        if ready:
            reason, message = "", ""
        else:
            reason, message = "MinimumReplicasUnavailable", "Deployment does not have minimum availability."
            self.wake_at(ready_at, "InferenceService", namespace, name)
        status = {
            "observedGeneration": metadata.get("generation", 1),
            "conditions": [
                condition("IngressReady", True, "", "", now, previous),
                condition("PredictorReady", ready, reason, message, now, previous),
                condition("Ready", ready, reason, message, now, previous),
            ],
        }
        if ready:
            status["url"] = f"http://{name}.{namespace}.example.com"
            status["address"] = {"url": f"http://{name}-predictor.{namespace}.svc.cluster.local"}
        if status != isvc.get("status"):
            self.api.update_status(isvc, status)
