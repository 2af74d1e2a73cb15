"""The deployed RBAC grants exactly what the gateway uses (derived in `rbac.py` from the kind
registry and the launch builder): adding a kind or a verb without granting it fails here, and
so does granting what nothing uses. The genuine-apiserver tier proves the grants work
(tests/contract/test_deployed_rbac.py)."""

from .conftest import of_kind
from .rbac import CLUSTER_READS, granted, namespaced_verbs


def test_the_cluster_role_grants_exactly_the_cluster_wide_reads(built):
    (role,) = of_kind(built, "ClusterRole")
    assert granted(role["rules"]) == CLUSTER_READS
    (binding,) = of_kind(built, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "devcenter", "namespace": "devcenter"}]


def test_each_managed_namespace_grants_exactly_the_gateways_writes(built, settings):
    settings.WORKSPACE_AUTH_URL = "http://devcenter-web.devcenter.svc.cluster.local:8000/auth/workspace/"
    expected = namespaced_verbs()
    roles = of_kind(built, "Role")
    assert {role["metadata"]["namespace"] for role in roles} == {"vision", "nlp"}
    for role in roles:
        assert granted(role["rules"]) == expected, role["metadata"]["namespace"]
    for binding in of_kind(built, "RoleBinding"):
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "devcenter-workloads"}
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "devcenter", "namespace": "devcenter"}]


def test_secrets_and_namespaces_are_never_granted(built):
    for role in of_kind(built, "Role") + of_kind(built, "ClusterRole"):
        resources = {resource for rule in role["rules"] for resource in rule["resources"]}
        assert not {"secrets", "namespaces"} & resources
