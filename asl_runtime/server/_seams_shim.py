"""TEMPORARY: the engine-seams names (engine/store.py) until they land on main; delete then."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Checkpoint:
    next_state: str
    input: Any
    variables: dict = field(default_factory=dict)
    history: list = field(default_factory=list)
    clock: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Checkpoint":
        return cls(**data)


@dataclass
class ExecutionRecord:
    arn: str
    state_machine_arn: str
    name: str
    status: str
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    start_date: float | None = None
    stop_date: float | None = None
    parent_arn: str | None = None
    map_run_arn: str | None = None
    checkpoint: Checkpoint | None = None
