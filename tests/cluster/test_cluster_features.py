"""Fields older API servers drop without an error: which manifests need which version."""

import pytest

from tests.conftest import launched_spec
from workloads.cluster.features import parse_version, unsupported
from workloads.cluster.manifests import build_manifests
from workloads.types import WorkloadType


@pytest.mark.parametrize(
    ("major", "minor", "version"),
    [
        ("1", "20", (1, 20)),
        ("1", "22+", (1, 22)),
        ("1", " 33", (1, 33)),
        ("", "20", None),
        ("1", "x", None),
        (None, None, None),
    ],
)
def test_the_version_is_read_from_the_version_fields(major, minor, version):
    assert parse_version(major, minor) == version


def job(workers):
    return build_manifests(launched_spec(WorkloadType.PRE_TRAINING, image="i", workers=workers))[0]


def test_an_indexed_job_needs_kubernetes_1_22():
    assert [f.field for f in unsupported(job(2), (1, 20))] == ["spec.completionMode: Indexed"]
    assert unsupported(job(2), (1, 21)) != []
    assert unsupported(job(2), (1, 22)) == [] and unsupported(job(2), (2, 0)) == []
    assert unsupported(job(1), (1, 20)) == []  # one worker needs no index
    assert unsupported(job(2), None) == []  # a server that does not say is not refused
