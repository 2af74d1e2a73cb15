"""Decoding a LIST page fast: only the parts of each item that devcenter reads.

`json.loads` builds every field of every object (managedFields, volumes, probes, ...) just for
`_slim` to throw most of it away; at 10,000 workloads that was the refresh's largest cost.
msgspec decodes into Structs holding only the fields kept, skipping the rest without building
it. The kept values are typed `Any`: their types are checked where they are read (`_slim`,
`observe`), as before. A page whose shape is not a List of objects (untrusted input) raises
`PageShapeError`; the caller then reads it with `json.loads`, which reports item by item.
"""

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


class Item(msgspec.Struct):
    metadata: ItemMetadata = msgspec.field(default_factory=ItemMetadata)
    spec: Any = None
    status: Any = None


class ListMetadata(msgspec.Struct):
    resourceVersion: Any = None  # noqa: N815
    # `continue` is a Python keyword: the field is renamed.
    continue_: Any = msgspec.field(default=None, name="continue")


class ListPage(msgspec.Struct):
    items: list[Item] | None = None
    metadata: ListMetadata = msgspec.field(default_factory=ListMetadata)


_decoder = msgspec.json.Decoder(ListPage)


def decode_page(body: bytes) -> dict:
    """The page as the dict `json.loads` would give, holding only the fields kept above."""
    try:
        page = _decoder.decode(body or b"{}")
    except msgspec.DecodeError as exc:  # ValidationError included
        raise PageShapeError(str(exc)) from exc
    metadata = {"resourceVersion": page.metadata.resourceVersion, "continue": page.metadata.continue_}
    items = [
        {"metadata": msgspec.structs.asdict(item.metadata), "spec": item.spec, "status": item.status}
        for item in page.items or ()
    ]
    return {"items": items, "metadata": metadata}
