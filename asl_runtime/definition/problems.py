"""A located problem in a definition: a JSON Pointer and one plain sentence."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str      # JSON Pointer into the definition, "" for the whole document
    message: str

    def to_dict(self) -> dict:
        return {"path": self.path or "/", "message": self.message}


def pointer(*parts) -> str:
    """JSON Pointer for the given keys and indexes (RFC 6901 escaping)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
