"""Execution history, recorded cheaply and rendered in AWS's GetExecutionHistory shape on demand.

Events keep references to payloads (which the engine never mutates); JSON text is produced only
when someone asks for the history.  `History.add` is the one place events are recorded; when the
execution has observers, each frame records through a `Recorder`, which also publishes the event
with the frame's scope (see events.py).  An unobserved frame records on the History directly.
"""

from __future__ import annotations

import threading
from ..errors import RUNTIME, ASLError
from ..query.io_jsonpath import to_json
from ..query.timestamps import format_epoch

from ..limits import EXPRESS_WINDOW, MAX_EVENTS

# Detail fields that AWS returns as JSON text.
_JSON_FIELDS = ("input", "output", "parameters")

#: The details_key of an event carried over from a checkpoint, already in AWS's shape.
RENDERED = object()


class History:
    __slots__ = ("events", "limit", "_lock", "add", "dropped", "_cap", "companion", "publisher")
    observed = False  # frames record here directly; a Recorder (observed) publishes as well

    def __init__(self, limit: int | None = MAX_EVENTS, threads: bool = False, publisher=None):
        self.events: list[tuple] = []
        self.limit = limit
        self.dropped = 0  # events let go (Express only); ids keep counting from the first event
        self.companion = None  # a list trimmed along with the events (the states-visited rows)
        self._cap = limit if limit is not None else EXPRESS_WINDOW
        self.publisher = publisher
        # One execution thread needs no lock; the real clock runs branches on threads.  Observers
        # see events in history order, so a published event is recorded and delivered under it.
        self._lock = threading.Lock() if threads or publisher is not None else None
        self.add = self._add_locked if threads else self._add

    def _add(self, type_: str, previous: int, timestamp: float, details_key: str | None = None,
             details: dict | None = None) -> int:
        events = self.events
        if len(events) + 1 >= self._cap:
            self._full()
        events.append((type_, previous, timestamp, details_key, details))
        return len(events) + self.dropped

    def _full(self) -> None:
        # Keep the last slot for the ExecutionFailed event itself, so a history never exceeds the limit.
        if self.limit is not None:
            raise ASLError(RUNTIME, f"The execution reached the maximum number of history events ({self.limit}).")
        half = len(self.events) // 2
        del self.events[:half]
        self.dropped += half
        companion = self.companion
        if companion is not None and len(companion) > 200:
            del companion[100:100 + len(companion) // 2]  # keep the first rows and the latest

    def lift_limit(self) -> None:
        """Let the final event (ExecutionFailed) in even when the limit was what failed the run."""
        self.limit = None
        self._cap = max(EXPRESS_WINDOW, len(self.events) + 2)

    def _add_locked(self, type_: str, previous: int, timestamp: float, details_key: str | None = None,
                    details: dict | None = None) -> int:
        with self._lock:
            return self._add(type_, previous, timestamp, details_key, details)

    def add_published(self, scope: tuple, type_: str, previous: int, timestamp: float,
                      details_key: str | None = None, details: dict | None = None) -> int:
        with self._lock:
            id_ = self._add(type_, previous, timestamp, details_key, details)
            self.publisher.publish(type_, id_, previous, timestamp, details_key, details, scope)
        return id_

    def note(self, scope: tuple, type_: str, timestamp: float, details: dict) -> None:
        """An engine-only event (id 0): published, not recorded."""
        with self._lock:
            self.publisher.publish(type_, 0, len(self.events) + self.dropped, timestamp, None, details, scope)

    def previous_of(self, event_id: int) -> int:
        """The previousEventId of a recorded event (0 if it was let go)."""
        index = event_id - 1 - self.dropped
        return self.events[index][1] if 0 <= index < len(self.events) else 0

    def restore(self, events: list[dict]) -> None:
        """Start from the AWS-shaped events of a checkpoint (a resumed execution appends to them)."""
        self.events = [(e["type"], e.get("previousEventId", 0), 0.0, RENDERED, e) for e in events]
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.events) + self.dropped

    def to_aws(self) -> list[dict]:
        """Events as GetExecutionHistory returns them (JSON-ready)."""
        out = []
        for i, (type_, previous, ts, key, details) in enumerate(self.events, start=self.dropped + 1):
            if key is RENDERED:
                out.append(details)
                continue
            event = {"timestamp": format_epoch(ts), "type": type_, "id": i, "previousEventId": previous}
            if key is not None:
                event[key] = render_details(details or {})
            out.append(event)
        return out


class Recorder:
    """An observed frame's way into the history: records the event and publishes it in scope."""

    __slots__ = ("history", "frame")
    observed = True

    def __init__(self, history: History, frame):
        self.history = history
        self.frame = frame

    def add(self, type_: str, previous: int, timestamp: float, details_key: str | None = None,
            details: dict | None = None) -> int:
        return self.history.add_published(self.frame.scope, type_, previous, timestamp, details_key, details)

    def note(self, type_: str, details: dict) -> None:
        self.history.note(self.frame.scope, type_, self.frame.clock.now, details)

    @property
    def limit(self):
        return self.history.limit

    def __len__(self) -> int:
        return len(self.history)


def render_details(details: dict) -> dict:
    out = {}
    for k, v in details.items():
        if k == "assignedVariables":
            out[k] = {name: to_json(val) for name, val in v.items()}
            out["assignedVariablesDetails"] = {"truncated": False}
        elif k in _JSON_FIELDS:
            out[k] = to_json(v)
            detail_key = {"input": "inputDetails", "output": "outputDetails"}.get(k)
            if detail_key:
                out[detail_key] = {"truncated": False}
        else:
            out[k] = v
    return out
