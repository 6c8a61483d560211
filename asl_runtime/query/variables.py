"""Workflow variables: the size limits AWS documents for what one `Assign` may store.

A single variable and the whole of one Assign are capped at 256 KiB; everything a scope can see
after the assignment at 10 MiB.  Sizes are bytes of compact UTF-8 JSON, as for state payloads.
"""

from __future__ import annotations

from ..errors import DATA_LIMIT_EXCEEDED, ASLError
from ..limits import MAX_ASSIGN_BYTES, MAX_VARIABLE_BYTES, json_size
from ..limits import MAX_TOTAL_VARIABLE_BYTES as MAX_TOTAL_BYTES
# Below this many visible variables the total cannot reach 10 MiB, so it is not measured.
_TOTAL_CHECK_FROM = MAX_TOTAL_BYTES // MAX_VARIABLE_BYTES


def check_assigned(state_name: str, assigned: dict, visible: dict) -> dict:
    """Raise States.DataLimitExceeded if `assigned` breaks a limit; else return it unchanged."""
    total = 0
    for name, value in assigned.items():
        size = json_size(value)
        if size > MAX_VARIABLE_BYTES:
            raise ASLError(DATA_LIMIT_EXCEEDED,
                           f"The variable '{name}' assigned by the state '{state_name}' has a size of "
                           f"{size} bytes, exceeding the maximum of {MAX_VARIABLE_BYTES} bytes.")
        total += size
    if total > MAX_ASSIGN_BYTES:
        raise ASLError(DATA_LIMIT_EXCEEDED,
                       f"The variables assigned by the state '{state_name}' have a combined size of "
                       f"{total} bytes, exceeding the maximum of {MAX_ASSIGN_BYTES} bytes for one Assign.")
    if len(visible) + len(assigned) >= _TOTAL_CHECK_FROM:
        stored = total + sum(json_size(v) for k, v in visible.items() if k not in assigned)
        if stored > MAX_TOTAL_BYTES:
            raise ASLError(DATA_LIMIT_EXCEEDED,
                           f"The state '{state_name}' would raise the size of the stored variables to "
                           f"{stored} bytes, exceeding the maximum of {MAX_TOTAL_BYTES} bytes.")
    return assigned
