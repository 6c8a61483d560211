"""ItemBatcher: the items grouped into {"Items": [...], "BatchInput": ...} objects."""

from __future__ import annotations

from ....query.io_jsonpath import to_json


def batches(spec: dict, items: list) -> list:
    """`spec` is the batcher's evaluated fields: MaxItemsPerBatch, MaxInputBytesPerBatch, BatchInput."""
    size = spec.get("MaxItemsPerBatch")
    max_bytes = spec.get("MaxInputBytesPerBatch")
    batch_input = spec.get("BatchInput")
    groups, current, current_bytes = [], [], 0
    for item in items:
        item_bytes = len(to_json(item).encode())
        if current and ((size and len(current) >= size) or (max_bytes and current_bytes + item_bytes > max_bytes)):
            groups.append(current)
            current, current_bytes = [], 0
        current.append(item)
        current_bytes += item_bytes
    if current:
        groups.append(current)
    out = []
    for group in groups:
        entry = {"Items": group}
        if batch_input is not None:
            entry["BatchInput"] = batch_input
        out.append(entry)
    return out
