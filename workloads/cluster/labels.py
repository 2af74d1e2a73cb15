"""The label contract between devcenter and the objects it finds in a cluster.

Every object of a workload (and every pod template) carries these labels, so one LIST per
kind with `project_selector(...)` finds the components of many workloads at once. The
submitter is a username, which label values cannot always hold: it is an annotation.
"""

import re

WORKLOAD_ID = "devcenter.io/workload-id"
PROJECT = "devcenter.io/project"
WORKLOAD_TYPE = "devcenter.io/workload-type"
SUBMITTER = "devcenter.io/submitter"  # an annotation (label values are restricted)
MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "devcenter"

_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


def is_label_value(value: str) -> bool:
    """True when `value` is a valid Kubernetes label value (<= 63 chars, alphanumeric ends)."""
    return bool(_LABEL_VALUE.match(value))


def _checked(value: str) -> str:
    value = str(value)
    if not value or not is_label_value(value):
        raise ValueError(f"not a valid label value: {value!r}")
    return value


def project_selector(project_slugs) -> str:
    """`devcenter.io/project in (a,b)` for the given project slugs (sorted, deduplicated)."""
    slugs = sorted({_checked(slug) for slug in project_slugs})
    if not slugs:
        raise ValueError("project_selector needs at least one project")
    return f"{PROJECT} in ({','.join(slugs)})"


def workload_selector(workload_id) -> str:
    """`devcenter.io/workload-id=<id>`: the objects of one workload."""
    return f"{WORKLOAD_ID}={_checked(str(workload_id))}"
