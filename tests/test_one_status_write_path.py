"""Every write of a workload's status, and of its history, is in workloads/transitions.py.

The scan reads the product's source (not the demo data, the bench or the tests) and fails on
what would write a status anywhere else: `status=` given to `.update()`, `.create()` and their
kin or to `Workload(...)`, "status" among `bulk_update`'s fields, an assignment to `.status`,
or a history line (`StatusChange`) made by hand.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("devcenter", "projects", "workloads")
WRITE_PATH = ROOT / "workloads" / "transitions.py"
# Querysets and managers whose `status=` keyword writes the column (filter/exclude only read it).
WRITING_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def product_modules():
    for package in PRODUCT:
        yield from sorted((ROOT / package).rglob("*.py"))


def _name(node) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def status_writes(source: str) -> list[tuple[int, str]]:
    """(line, what) for each status write found in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = _name(node.func)
            keywords = {k.arg for k in node.keywords}
            if "status" in keywords and (called == "Workload" or called in WRITING_METHODS):
                found.append((node.lineno, f"{called}(status=...)"))
            if called == "StatusChange":
                found.append((node.lineno, "StatusChange(...)"))
            if called == "bulk_update" and any(
                isinstance(c, ast.Constant) and c.value == "status"
                for arg in node.args
                if isinstance(arg, ast.List | ast.Tuple)
                for c in arg.elts
            ):
                found.append((node.lineno, 'bulk_update(..., ["status", ...])'))
            if called in WRITING_METHODS and _defaults_set_status(node):
                found.append((node.lineno, f'{called}(defaults={{"status": ...}})'))
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
                if isinstance(element, ast.Attribute) and element.attr == "status":
                    found.append((node.lineno, ".status = ..."))
    return found


def _defaults_set_status(call: ast.Call) -> bool:
    return any(
        keyword.arg in ("defaults", "create_defaults")
        and isinstance(keyword.value, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "status" for k in keyword.value.keys)
        for keyword in call.keywords
    )


def test_no_module_but_transitions_writes_a_status():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in product_modules()
        if path != WRITE_PATH
        for line, what in status_writes(path.read_text())
    ]
    assert not offenders, "status written outside workloads/transitions.py:\n" + "\n".join(offenders)


def test_the_write_path_itself_is_found_by_the_scan():
    # The scan would pass vacuously if it recognised nothing: transitions.py must trip it.
    assert status_writes(WRITE_PATH.read_text())


@pytest.mark.parametrize(
    "source",
    [
        "Workload.objects.filter(pk=1).update(status=S.DELETING, delete_requested_at=now)",
        "Workload.objects.create(name='x', status=S.ADDED)",
        "Workload(name='x', status=S.RUNNING)",
        "workload.status = S.FAILED",
        "workload.status, workload.status_reason = S.FAILED, 'x'",
        "bulk.bulk_update(Workload, rows, ['status', 'status_reason'])",
        "Workload.objects.update_or_create(pk=1, defaults={'status': S.ADDED})",
        "StatusChange.objects.bulk_create([StatusChange(workload_id=1, to_status='added')])",
    ],
)
def test_the_scan_recognises_each_way_of_writing_a_status(source):
    assert status_writes(source)


@pytest.mark.parametrize(
    "source",
    [
        "Workload.objects.filter(status=S.ADDED).exclude(status=S.DELETED).update(task_sent_at=now)",
        "HttpResponseRedirect(url, status=303)",
        "Component.objects.filter(pk=1).update(state='deleted')",
        "component.state = 'deleted'",
    ],
)
def test_the_scan_leaves_reads_and_other_fields_alone(source):
    assert not status_writes(source)
