"""Every write of a quota, and of its history, is in projects/quotas.py (`set_quota`, under the
cluster's lock): the quotas page and the Django admin both call it.

The scan reads the product's source (not migrations, the demo data, the bench or the tests)
and fails on a `Quota(...)` or `QuotaChange(...)` made anywhere else, or a writing queryset
call (`create`, `update`, `bulk_create`, ...) whose chain starts at `Quota` or `QuotaChange`.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("devcenter", "projects", "workloads")
WRITE_PATH = ROOT / "projects" / "quotas.py"
MODELS = {"Quota", "QuotaChange"}
WRITING_METHODS = {"create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "update"}


def _root(node) -> str:
    while isinstance(node, ast.Attribute | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def quota_writes(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name) and node.func.id in MODELS:
            found.append((node.lineno, f"{node.func.id}(...)"))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in WRITING_METHODS and _root(node) in MODELS:
            found.append((node.lineno, f"{_root(node)}....{node.func.attr}(...)"))
    return found


def test_no_module_but_quotas_writes_a_quota():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for package in PRODUCT
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != WRITE_PATH and "migrations" not in path.parts
        for line, what in quota_writes(path.read_text())
    ]
    assert offenders == []


def test_the_scan_finds_writes():
    source = (
        "Quota(project=p, cluster=c)\n"
        "Quota.objects.create(project=p)\n"
        "Quota.objects.filter(cluster=c).update(gpu=1)\n"
        "QuotaChange.objects.bulk_create([])\n"
        "Quota.objects.filter(cluster=c).aggregate(total=Sum('gpu'))\n"  # a read
        "Workload.objects.update(status='x')\n"  # not a quota
    )
    assert [line for line, _ in quota_writes(source)] == [1, 2, 3, 4]
    assert quota_writes(WRITE_PATH.read_text())  # the write path itself is seen
