"""derive_status follows SPEC.md's ordered rules: every rule, every tie between rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workloads.status import ComponentState as C
from workloads.status import WorkloadStatus as S
from workloads.status import derive_status

RULES = [
    # (rule, states, deleting, expected)
    ("1 no components, no delete", [], False, S.ADDED),
    ("2 any Delete Failed", [C.DELETE_FAILED, C.RUNNING], False, S.DELETE_FAILED),
    ("3 every component Deleted", [C.DELETED, C.DELETED], False, S.DELETED),
    ("3 none left after delete", [], True, S.DELETED),
    ("4 delete requested", [C.RUNNING, C.DELETED], True, S.DELETING),
    ("5 any Failed", [C.FAILED, C.COMPLETED], False, S.FAILED),
    ("6 any Running", [C.RUNNING, C.PENDING], False, S.RUNNING),
    ("7 every Completed", [C.COMPLETED, C.COMPLETED], False, S.COMPLETE),
    ("8 Completed and Deleted", [C.COMPLETED, C.DELETED], False, S.TERMINATED),
    ("9 all Pending", [C.PENDING], False, S.PENDING),
    ("9 Pending and Completed", [C.PENDING, C.COMPLETED], False, S.PENDING),
    ("10 an Unknown component", [C.UNKNOWN], False, S.UNKNOWN),
    ("10 Pending mixed with Deleted", [C.PENDING, C.DELETED], False, S.UNKNOWN),
    ("10 Unknown beside Completed", [C.UNKNOWN, C.COMPLETED], False, S.UNKNOWN),
]

TIES = [
    # Where two rules match, the earlier one wins.
    ("Delete Failed beats Deleted (2 over 3)", [C.DELETE_FAILED, C.DELETED], True, S.DELETE_FAILED),
    ("Delete Failed beats Failed (2 over 5)", [C.DELETE_FAILED, C.FAILED], False, S.DELETE_FAILED),
    ("Deleted beats Deleting (3 over 4)", [C.DELETED], True, S.DELETED),
    ("Deleting beats Failed (4 over 5)", [C.FAILED], True, S.DELETING),
    ("Deleting beats Running (4 over 6)", [C.RUNNING], True, S.DELETING),
    ("Deleting beats Complete (4 over 7)", [C.COMPLETED], True, S.DELETING),
    ("Failed beats Running (5 over 6)", [C.FAILED, C.RUNNING], False, S.FAILED),
    ("Failed beats Unknown (5 over 10)", [C.FAILED, C.UNKNOWN], False, S.FAILED),
    ("Running beats Unknown (6 over 10)", [C.RUNNING, C.UNKNOWN], False, S.RUNNING),
    ("Running beats Pending (6 over 9)", [C.RUNNING, C.PENDING, C.COMPLETED], False, S.RUNNING),
    ("Running beside Deleted (6 over 10)", [C.RUNNING, C.DELETED], False, S.RUNNING),
    ("Complete beats Terminated (7 over 8)", [C.COMPLETED], False, S.COMPLETE),
    ("Deleted only is not Terminated (3 over 8)", [C.DELETED], False, S.DELETED),
]


@pytest.mark.parametrize(("rule", "states", "deleting", "expected"), RULES, ids=[r[0] for r in RULES])
def test_each_rule(rule, states, deleting, expected):
    assert derive_status(states, deleting=deleting) == expected


@pytest.mark.parametrize(("tie", "states", "deleting", "expected"), TIES, ids=[t[0] for t in TIES])
def test_earlier_rule_wins_a_tie(tie, states, deleting, expected):
    assert derive_status(states, deleting=deleting) == expected


def test_accepts_any_iterable_and_plain_values():
    assert derive_status(iter(["running", "pending"])) == S.RUNNING
    assert derive_status(state for state in (C.COMPLETED,)) == S.COMPLETE


def test_labels_are_the_spec_names():
    assert [label for _, label in S.choices] == [
        "Added", "Pending", "Running", "Complete", "Failed",
        "Deleting", "Deleted", "Delete Failed", "Terminated", "Unknown",
    ]
    assert [label for _, label in C.choices] == [
        "Pending", "Running", "Completed", "Failed", "Deleted", "Delete Failed", "Unknown",
    ]


def test_rejects_a_value_that_is_not_a_component_state():
    with pytest.raises(ValueError):
        derive_status(["exploded"])


@given(st.lists(st.sampled_from(list(C)), max_size=8), st.booleans(), st.randoms())
def test_result_does_not_depend_on_component_order(states, deleting, random):
    shuffled = list(states)
    random.shuffle(shuffled)
    assert derive_status(states, deleting=deleting) == derive_status(shuffled, deleting=deleting)


@given(st.lists(st.sampled_from(list(C)), max_size=8), st.booleans())
def test_always_returns_a_workload_status(states, deleting):
    assert derive_status(states, deleting=deleting) in set(S)


@given(st.lists(st.sampled_from(list(C)), min_size=1, max_size=8))
def test_duplicates_do_not_change_the_result(states):
    assert derive_status(states + states) == derive_status(states)


STOPPED = [
    # (case, states, deleting, expected) with stopped=True: rule 4a and its neighbours.
    ("4a scaled to zero beside its Service", [C.COMPLETED, C.COMPLETED], False, S.TERMINATED),
    ("4a scaled to zero, a helper removed by hand", [C.COMPLETED, C.DELETED], False, S.TERMINATED),
    ("4a not yet scaled down: still Running", [C.RUNNING, C.COMPLETED], False, S.RUNNING),
    ("4a pods back (scaled up by hand): Pending", [C.PENDING, C.COMPLETED], False, S.PENDING),
    ("4a a Failed controller is not hidden", [C.FAILED, C.COMPLETED], False, S.FAILED),
    ("Deleting beats stopped (4 over 4a)", [C.COMPLETED], True, S.DELETING),
    ("Deleted beats stopped (3 over 4a)", [C.DELETED], False, S.DELETED),
    ("Delete Failed beats stopped (2 over 4a)", [C.DELETE_FAILED, C.COMPLETED], False, S.DELETE_FAILED),
    ("Added beats stopped (1 over 4a)", [], False, S.ADDED),
]


@pytest.mark.parametrize(("case", "states", "deleting", "expected"), STOPPED, ids=[s[0] for s in STOPPED])
def test_a_stopped_workload_is_terminated_once_scaled_to_zero(case, states, deleting, expected):
    assert derive_status(states, deleting=deleting, stopped=True) == expected


def test_without_a_stop_scaled_to_zero_is_complete_not_terminated():
    # The same components without a stop follow rule 7: being stopped is what makes Terminated.
    assert derive_status([C.COMPLETED, C.COMPLETED]) == S.COMPLETE


@given(st.lists(st.sampled_from(list(C)), max_size=8), st.booleans())
def test_stopped_only_ever_changes_the_result_to_terminated(states, deleting):
    stopped = derive_status(states, deleting=deleting, stopped=True)
    assert stopped in (derive_status(states, deleting=deleting), S.TERMINATED)
