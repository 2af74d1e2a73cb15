"""The kind registry: every layer reads one record per kind, and the records are usable as written."""

import pytest
from kubernetes import client as k8s

from tests.conftest import launched_spec
from workloads import transitions
from workloads.cluster import build_manifests
from workloads.cluster.kinds import HELPER_KINDS, KINDS, Role, by_name
from workloads.sync import adoption
from workloads.types import LAUNCHABLE

TYPED = [kind for kind in KINDS if not kind.custom]


@pytest.mark.parametrize("kind", TYPED, ids=[kind.name for kind in TYPED])
def test_typed_kinds_name_methods_the_client_has(kind):
    api_class = getattr(k8s, kind.api)
    assert hasattr(api_class, f"list_{kind.method_suffix}_for_all_namespaces")
    for verb in ("create", "read", "delete"):
        assert hasattr(api_class, f"{verb}_namespaced_{kind.method_suffix}")


@pytest.mark.parametrize("kind", KINDS, ids=[kind.name for kind in KINDS])
def test_every_kind_has_a_state_and_requests(kind):
    obj = {"kind": kind.name, "apiVersion": kind.api_version, "metadata": {"name": "x"}}
    state, reason = kind.state(obj, ())
    assert state and reason
    assert kind.requests(obj).gpu == 0


def test_custom_kinds_need_no_typed_api():
    for kind in KINDS:
        assert kind.custom == (kind.api is None)
        assert kind.custom or kind.method_suffix


def test_helper_kinds_are_derived_from_the_records():
    assert {"Service", "ConfigMap", "PersistentVolumeClaim", "NetworkPolicy", "Ingress"} == HELPER_KINDS
    assert {kind.name for kind in KINDS if kind.role is Role.HELPER} == HELPER_KINDS
    assert transitions.HELPER_KINDS is HELPER_KINDS  # the layers that rank helpers last read it
    assert adoption.HELPER_KINDS is HELPER_KINDS


def test_every_kind_devcenter_creates_is_registered(settings):
    settings.WORKSPACE_AUTH_URL = "http://devcenter.devcenter.svc/auth/workspace/"  # workspaces get an Ingress
    created = set()
    for type_ in LAUNCHABLE:
        spec = launched_spec(type_, image="i", base_url="https://ws.example.com")
        created |= {(m["kind"], m["apiVersion"]) for m in build_manifests(spec)}
    assert {("NetworkPolicy", "networking.k8s.io/v1"), ("Ingress", "networking.k8s.io/v1")} <= created
    assert created <= {(kind.name, kind.api_version) for kind in KINDS}


def test_kinds_nothing_creates_or_lists_are_gone():
    # Secrets hold sensitive data and no workload type uses them; nothing creates HTTPRoutes
    # (a workspace's route is an Ingress, behind devcenter's forward-auth).
    assert not {"Secret", "HTTPRoute"} & set(by_name)


def test_api_versions():
    assert by_name["Pod"].api_version == "v1"
    assert by_name["Deployment"].api_version == "apps/v1"
    assert by_name["Job"].api == "BatchV1Api"
