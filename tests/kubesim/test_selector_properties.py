"""Property tests: the label index and the selector parser agree with a plain reference."""

from hypothesis import given, settings
from hypothesis import strategies as st
from kubesim.selectors import labels_match, parse_label_selector
from kubesim.store import Store

KEYS = st.sampled_from(["app", "tier", "devcenter.io/project"])
VALUES = st.sampled_from(["a", "b", "c"])
LABELS = st.dictionaries(KEYS, VALUES, max_size=3)


@st.composite
def requirements(draw):
    key, op = draw(KEYS), draw(st.sampled_from(["=", "==", "!=", "in", "notin", "exists", "!"]))
    values = draw(st.lists(VALUES, min_size=1, max_size=3, unique=True))
    if op in ("in", "notin"):
        text = f"{key} {op} ({','.join(values)})"
    elif op == "exists":
        text = key
    elif op == "!":
        text = f"!{key}"
    else:
        text = f"{key}{op}{values[0]}"
    return text, key, op, values


def reference(labels, key, op, values):
    if op in ("=", "=="):
        return labels.get(key) == values[0]
    if op == "!=":
        return labels.get(key) != values[0]
    if op == "in":
        return labels.get(key) in values
    if op == "notin":
        return labels.get(key) not in values
    if op == "exists":
        return key in labels
    return key not in labels


@settings(max_examples=200, deadline=None)
@given(st.lists(requirements(), min_size=1, max_size=3), LABELS)
def test_selector_matches_reference(terms, labels):
    selector = parse_label_selector(",".join(text for text, *_ in terms))
    assert labels_match(selector, labels) == all(reference(labels, *rest) for _, *rest in terms)


@settings(max_examples=50, deadline=None)
@given(st.lists(LABELS, min_size=1, max_size=20), st.lists(requirements(), min_size=1, max_size=2))
def test_indexed_list_equals_scan(objects, terms):
    store = Store()
    for index, labels in enumerate(objects):
        store.put("ConfigMap", {"kind": "ConfigMap", "metadata": {"name": f"o{index:02d}", "namespace": "ns",
                                                                   "labels": labels}})
    store.put("ConfigMap", {"kind": "ConfigMap", "metadata": {"name": "o00", "namespace": "ns", "labels": {}}})
    objects[0] = {}
    selector = parse_label_selector(",".join(text for text, *_ in terms))
    listed = [obj["metadata"]["name"] for obj in store.list("ConfigMap", "ns", selector)]
    expected = [f"o{i:02d}" for i, labels in enumerate(objects) if labels_match(selector, labels)]
    assert listed == expected
    page, _, _ = store.list_entries("ConfigMap", "ns", selector, limit=2)
    assert [key[1] for key, _ in page] == expected[:3]
