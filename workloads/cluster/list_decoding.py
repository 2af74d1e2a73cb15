"""Decoding a LIST page fast: only the parts of each item that devcenter reads.

`json.loads` builds every field of every object (managedFields, volumes, probes, ...) just for
`_slim` to throw most of it away; at 10,000 workloads that was the refresh's largest cost.
msgspec decodes into Structs holding only the fields kept, skipping the rest without building
it. The kept values are typed `Any`: their types are checked where they are read (`_slim`,
`observe`), as before. A page whose shape is not a List of objects (untrusted input) raises
`PageShapeError`; the caller then reads it with `json.loads`, which reports item by item.

Of `spec` only the kind's `keep_spec` keys are decoded (a kept `template` only as far as its
pod spec's containers): a pod's volumes, tolerations or probes are never built.
"""

from functools import cache
from typing import Any

import msgspec


class PageShapeError(ValueError):
    """The body is no JSON List of objects with object metadata."""


class ItemMetadata(msgspec.Struct):
    name: Any = None
    namespace: Any = None
    uid: Any = None
    labels: Any = None
    annotations: Any = None
    ownerReferences: Any = None  # noqa: N815  (the API's spelling)
    creationTimestamp: Any = None  # noqa: N815
    deletionTimestamp: Any = None  # noqa: N815


class TemplatePodSpec(msgspec.Struct):
    containers: Any = msgspec.UNSET
    initContainers: Any = msgspec.UNSET  # noqa: N815


class Template(msgspec.Struct):
    spec: TemplatePodSpec = msgspec.field(default_factory=TemplatePodSpec)


class ListMetadata(msgspec.Struct):
    resourceVersion: Any = None  # noqa: N815
    # `continue` is a Python keyword: the field is renamed.
    continue_: Any = msgspec.field(default=None, name="continue")


@cache
def _decoder(keep_spec: tuple[str, ...]) -> msgspec.json.Decoder:
    """A decoder of List pages whose items' spec holds only the `keep_spec` keys."""
    spec = msgspec.defstruct(
        "Spec", [(key, Template if key == "template" else Any, msgspec.UNSET) for key in keep_spec]
    )
    item = msgspec.defstruct(
        "Item",
        [
            ("metadata", ItemMetadata, msgspec.field(default_factory=ItemMetadata)),
            ("spec", spec, msgspec.field(default_factory=spec)),
            ("status", Any, None),
        ],
    )
    page = msgspec.defstruct(
        "ListPage",
        [("items", list[item] | None, None), ("metadata", ListMetadata, msgspec.field(default_factory=ListMetadata))],
    )
    return msgspec.json.Decoder(page)


def _present(struct) -> dict:
    """A Struct's fields that were in the JSON, as a dict (a kept template as dicts too)."""
    values = {}
    for name in struct.__struct_fields__:
        value = getattr(struct, name)
        if value is msgspec.UNSET:
            continue
        values[name] = {"spec": _present(value.spec)} if isinstance(value, Template) else value
    return values


def decode_page(body: bytes, keep_spec: tuple[str, ...] = ()) -> dict:
    """The page as the dict `json.loads` would give, holding only the fields kept above."""
    try:
        page = _decoder(tuple(keep_spec)).decode(body or b"{}")
    except msgspec.DecodeError as exc:  # ValidationError included
        raise PageShapeError(str(exc)) from exc
    metadata = {"resourceVersion": page.metadata.resourceVersion, "continue": page.metadata.continue_}
    items = [
        {"metadata": msgspec.structs.asdict(item.metadata), "spec": _present(item.spec), "status": item.status}
        for item in page.items or ()
    ]
    return {"items": items, "metadata": metadata}
