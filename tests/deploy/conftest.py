"""The manifests as kustomize builds them (kubectl's built-in kustomize)."""

import shutil
import subprocess

import pytest
import yaml

from devcenter.settings import BASE_DIR

EXAMPLE_OVERLAY = BASE_DIR / "deploy" / "overlays" / "example"


def kustomize(path=EXAMPLE_OVERLAY) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    result = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="session")
def built():
    return kustomize()


def of_kind(objects, kind) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]
