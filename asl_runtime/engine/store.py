"""What an execution persists, and how it reloads: the store protocol and the in-memory store.

`run(store=S)` attaches a `Persistence` to the execution: an observer of its event stream that
saves the record when the execution starts and ends, every AWS event as it is recorded, the task
tokens it waits on, and a `Checkpoint` after every top-level state it leaves.  A checkpoint is
enough to continue the execution in another process (`start(resume=checkpoint)`).  The server's
SQLite store implements the same protocol.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol


@dataclass
class Checkpoint:
    """Where a running execution stands between two top-level states (JSON-serialisable)."""

    next_state: str                 # the top-level state to run next
    input: Any                      # its input
    variables: dict = field(default_factory=dict)  # workflow variables at top level
    history: list = field(default_factory=list)    # the AWS-shaped events so far
    clock: float | None = None      # the simulated present (virtual clock)
    started: float | None = None    # when the execution started (epoch seconds); an addition

    def to_dict(self) -> dict:
        return asdict(self)

    def counted(self) -> dict:
        """The checkpoint with its history as a number of events, nothing copied: for a store that
        keeps the events apart (the server's), so saving one costs the same at any point of a run."""
        return {"next_state": self.next_state, "input": self.input, "variables": self.variables,
                "history": len(self.history), "clock": self.clock, "started": self.started}

    @classmethod
    def from_dict(cls, data: dict) -> "Checkpoint":
        return cls(next_state=data["next_state"], input=data.get("input"),
                   variables=dict(data.get("variables") or {}), history=list(data.get("history") or []),
                   clock=data.get("clock"), started=data.get("started"))


@dataclass
class ExecutionRecord:
    arn: str
    state_machine_arn: str
    name: str
    status: str                     # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    input: Any = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    start_date: float | None = None
    stop_date: float | None = None
    parent_arn: str | None = None
    map_run_arn: str | None = None
    checkpoint: Checkpoint | None = None  # None once the execution ended, or when not resumable


class ExecutionStore(Protocol):
    # `save_execution` gets a record of its own to keep, unless the store says `copies_on_save =
    # True` (it encodes what it is given before returning): then it gets the Persistence's own
    # record and event list, which go on changing, and nothing is copied per save.
    def save_execution(self, record: ExecutionRecord) -> None: ...
    def get_execution(self, arn: str) -> ExecutionRecord | None: ...
    def list_executions(self, state_machine_arn: str | None = None,
                        status: str | None = None) -> list[ExecutionRecord]: ...
    def append_events(self, arn: str, events: list[dict]) -> None: ...
    def events(self, arn: str) -> list[dict]: ...
    def save_token(self, token: str, arn: str, state_name: str, scope: tuple) -> None: ...
    def delete_token(self, token: str) -> None: ...
    def tokens(self, arn: str | None = None) -> list[dict]: ...


class InMemoryStore:
    """The store the library uses by default: dictionaries behind a lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._executions: dict[str, ExecutionRecord] = {}
        self._events: dict[str, list[dict]] = {}
        self._tokens: dict[str, dict] = {}

    def save_execution(self, record: ExecutionRecord) -> None:
        with self._lock:
            self._executions[record.arn] = record

    def get_execution(self, arn: str) -> ExecutionRecord | None:
        return self._executions.get(arn)

    def list_executions(self, state_machine_arn=None, status=None) -> list[ExecutionRecord]:
        with self._lock:
            records = list(self._executions.values())
        return [r for r in records if (state_machine_arn is None or r.state_machine_arn == state_machine_arn)
                and (status is None or r.status == status)]

    def append_events(self, arn: str, events: list[dict]) -> None:
        with self._lock:
            self._events.setdefault(arn, []).extend(events)

    def events(self, arn: str) -> list[dict]:
        with self._lock:
            return list(self._events.get(arn, ()))

    def save_token(self, token: str, arn: str, state_name: str, scope: tuple) -> None:
        with self._lock:
            self._tokens[token] = {"token": token, "arn": arn, "state_name": state_name, "scope": scope}

    def delete_token(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def tokens(self, arn: str | None = None) -> list[dict]:
        with self._lock:
            return [dict(t) for t in self._tokens.values() if arn is None or t["arn"] == arn]


def _as_is(value):
    return value


class Persistence:
    """Keeps one execution in a store as it runs (an observer of its events, plus engine hooks)."""

    def __init__(self, store: ExecutionStore, parent_arn: str | None = None, mask=None):
        self.store = store
        self.parent_arn = parent_arn
        # What reaches the store as history and outcome, e.g. with connection secrets masked.
        self.mask = mask if mask is not None else _as_is
        self.record: ExecutionRecord | None = None
        self._events: list[dict] = []  # AWS-shaped, for checkpoints
        self._share = getattr(store, "copies_on_save", False)

    def __call__(self, event) -> None:
        if event.id:  # engine-only events are not history
            aws = self.mask(event.to_aws())
            self._events.append(aws)
            self.store.append_events(event.execution_arn, [aws])

    def started(self, execution) -> None:
        config = execution.config
        resume = execution.resume
        if resume is not None:
            self._events = list(resume.history)
        self.record = ExecutionRecord(
            arn=execution.arn, state_machine_arn=config.state_machine_arn, name=config.execution_name,
            status="RUNNING", input=execution.input, start_date=execution.start, parent_arn=self.parent_arn,
            checkpoint=resume)
        self._save()

    def checkpoint(self, frame, next_state: str, value) -> None:
        clock = frame.clock
        self.record.checkpoint = Checkpoint(next_state, value, dict(frame.variables),
                                            self._events if self._share else list(self._events),
                                            clock.now if clock.virtual else None, frame.execution.start)
        self._save()

    def finished(self, execution, outcome) -> None:
        record = self.record
        record.status, record.output, record.error, record.cause = (outcome.status, self.mask(outcome.output),
                                                                    outcome.error, self.mask(outcome.cause))
        record.stop_date = execution.end
        record.checkpoint = None
        self._save()

    def _save(self) -> None:
        self.store.save_execution(self.record if self._share else replace(self.record))

    def token_issued(self, token: str, frame) -> None:
        self.store.save_token(token, frame.execution.arn, frame.state.name, frame.scope)

    def token_closed(self, token: str) -> None:
        self.store.delete_token(token)
